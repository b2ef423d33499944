-- Tombstones of deleted organizations (issue 8 item 7): losing access must never look like deletion.
-- A deleted organization leaves its id, when it was deleted, and the users who could see it at that
-- moment (its active members). Those users get 410 Gone for the id from then on; everyone else gets the
-- same 404 as for an id that never existed, so a tombstone tells nobody anything they did not know.
-- Tombstones are kept for good: ids are random and never reused, and a row is a few bytes per member.
CREATE TABLE organization_tombstones (
    organization_id TEXT PRIMARY KEY,
    deleted_at      TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE organization_tombstone_viewers (
    organization_id TEXT NOT NULL REFERENCES organization_tombstones (organization_id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (organization_id, user_id)
) WITHOUT ROWID;
