-- Membership through its whole life (issue 18). A membership is of an address before it is of a user:
--   invited   the address has no account yet (user_id is NULL; email and email_key name it, and
--             code_hash is the SHA-256 of the code emailed to it, which accepts it);
--   pending   the user has an account and has not accepted;
--   active    in force;
--   declined  the user said no (kept, so that a plan can say so instead of adding them again).
-- An invited or pending membership expires at expires_at (the server sets it; rows from before this
-- migration get it at the first start) and then holds no seat; sent_at is when it was last offered,
-- for the re-send throttle. Run with foreign keys off (see migrate): members and their environment
-- roles are rebuilt, and environment roles are now keyed by the membership's seq, which an invited
-- membership has before it has a user.
CREATE TABLE members_new (
    seq             INTEGER PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         TEXT REFERENCES users (id) ON DELETE CASCADE,
    email           TEXT,
    email_key       TEXT,
    role            TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'biller')),
    status          TEXT NOT NULL CHECK (status IN ('active', 'pending', 'invited', 'declined')),
    code_hash       TEXT UNIQUE,
    expires_at      TEXT,
    sent_at         TEXT,
    declined_at     TEXT,
    created_at      TEXT NOT NULL,
    UNIQUE (organization_id, user_id),
    CHECK ((user_id IS NULL) = (status = 'invited')),
    CHECK ((status = 'invited') = (email IS NOT NULL AND email_key IS NOT NULL AND code_hash IS NOT NULL))
);
INSERT INTO members_new (seq, organization_id, user_id, role, status, sent_at, created_at)
    SELECT seq, organization_id, user_id, role, status, CASE WHEN status = 'pending' THEN created_at END, created_at FROM members;

CREATE TABLE member_environment_roles_new (
    member_seq     INTEGER NOT NULL REFERENCES members (seq) ON DELETE CASCADE,
    environment_id TEXT NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
    role           TEXT NOT NULL CHECK (role IN ('read', 'run', 'admin')),
    PRIMARY KEY (member_seq, environment_id)
);
INSERT INTO member_environment_roles_new (member_seq, environment_id, role)
    SELECT m.seq, r.environment_id, r.role FROM member_environment_roles r
    JOIN members m ON m.organization_id = r.organization_id AND m.user_id = r.user_id;

DROP TABLE member_environment_roles;
DROP TABLE members;
ALTER TABLE members_new RENAME TO members;
ALTER TABLE member_environment_roles_new RENAME TO member_environment_roles;
CREATE INDEX members_user_status ON members (user_id, status);
CREATE UNIQUE INDEX members_invited_email ON members (organization_id, email_key) WHERE user_id IS NULL;
CREATE INDEX members_invited_key ON members (email_key) WHERE user_id IS NULL;
CREATE INDEX member_environment_roles_environment ON member_environment_roles (environment_id);
