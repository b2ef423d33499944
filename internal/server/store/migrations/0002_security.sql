-- Security hardening (issue 11). Run with foreign keys off (see migrate): users and invitations are
-- rebuilt, which SQLite does by copying into a new table and renaming it.
--
-- Emails: email_key is the comparison form computed by the server (api.EmailKey), the one
-- normalization every layer uses. The old CHECK (email_lower = lower(email)) held only for ASCII,
-- because SQLite's lower() folds only ASCII, and turned valid non-ASCII addresses into 500s.
--
-- Users: an address belongs to an account only once proven (email_verified_at): by the code emailed at
-- sign-up, or by accepting an invitation sent to it. Only proven addresses are unique; sign-ups that
-- never proved theirs hold no address, so they can neither squat one nor tell who else holds it.
-- Accounts that existed before this migration are taken as proven.
CREATE TABLE users_new (
    seq                     INTEGER PRIMARY KEY,
    id                      TEXT NOT NULL UNIQUE,
    email                   TEXT NOT NULL,
    email_key               TEXT NOT NULL,
    email_verified_at       TEXT,
    verification_hash       TEXT UNIQUE, -- SHA-256 of the code emailed at sign-up, until it is used
    verification_expires_at TEXT,
    name                    TEXT NOT NULL DEFAULT '',
    created_at              TEXT NOT NULL
);
INSERT INTO users_new (seq, id, email, email_key, email_verified_at, name, created_at)
    SELECT seq, id, email, email_lower, created_at, name, created_at FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE UNIQUE INDEX users_proven_email ON users (email_key) WHERE email_verified_at IS NOT NULL;
CREATE INDEX users_email_key ON users (email_key);

-- Invitations: email_key as for users; sent_at is when the code last went out, for the re-send
-- throttle.
CREATE TABLE invitations_new (
    seq             INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email           TEXT NOT NULL,
    email_key       TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'biller')),
    invited_by      TEXT NOT NULL REFERENCES users (id),
    code_hash       TEXT NOT NULL UNIQUE, -- SHA-256 of the emailed code
    expires_at      TEXT NOT NULL,
    accepted_at     TEXT,
    sent_at         TEXT NOT NULL,
    created_at      TEXT NOT NULL
);
INSERT INTO invitations_new (seq, id, organization_id, email, email_key, role, invited_by, code_hash, expires_at, accepted_at, sent_at, created_at)
    SELECT seq, id, organization_id, email, email_lower, role, invited_by, code_hash, expires_at, accepted_at, created_at, created_at FROM invitations;
DROP TABLE invitations;
ALTER TABLE invitations_new RENAME TO invitations;
CREATE INDEX invitations_org_email ON invitations (organization_id, email_key);

-- Memberships someone else added are pending until the user accepts them: no access, not counted in
-- the user's organization cap or as an owner, but holding a seat of the organization's plan.
ALTER TABLE members ADD COLUMN status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'pending'));
CREATE INDEX members_user_status ON members (user_id, status);

-- container_registries.password and .secret_access_key hold values sealed with the server key from
-- now on; the server seals the plaintext values of older rows when it starts.
