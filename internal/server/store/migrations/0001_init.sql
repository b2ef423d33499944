-- The whole organization domain. Every table hanging off an organization references it with
-- ON DELETE CASCADE, so deleting the organization row deletes everything it held. Every table has an
-- integer seq primary key: lists page on it (insertion order), ids are random text.
-- Times are TEXT in a fixed-width UTC format, so comparing strings compares instants.

CREATE TABLE users (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    email       TEXT NOT NULL,
    email_lower TEXT NOT NULL UNIQUE CHECK (email_lower = lower(email)),
    name        TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
);

CREATE TABLE personal_tokens (
    seq        INTEGER PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    hash       TEXT NOT NULL UNIQUE, -- SHA-256 of the secret; the secret itself is never stored
    expires_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX personal_tokens_user ON personal_tokens (user_id);

CREATE TABLE organizations (
    seq                        INTEGER PRIMARY KEY,
    id                         TEXT NOT NULL UNIQUE,
    name                       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    description                TEXT NOT NULL DEFAULT '',
    website                    TEXT NOT NULL DEFAULT '',
    admin_contact_emails       TEXT NOT NULL CHECK (json_valid(admin_contact_emails)),
    plan                       TEXT NOT NULL CHECK (plan IN ('hobby', 'starter', 'startup', 'team', 'enterprise')),
    artifacts_storage_limit_gb INTEGER NOT NULL CHECK (artifacts_storage_limit_gb >= 0),
    ai_hints_enabled           INTEGER NOT NULL CHECK (ai_hints_enabled IN (0, 1)),
    mask_webhook_urls          INTEGER NOT NULL CHECK (mask_webhook_urls IN (0, 1)),
    created_at                 TEXT NOT NULL,
    updated_at                 TEXT NOT NULL
);
CREATE INDEX organizations_name ON organizations (name);

CREATE TABLE members (
    seq             INTEGER PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role            TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'biller')),
    created_at      TEXT NOT NULL,
    UNIQUE (organization_id, user_id)
);
CREATE INDEX members_user ON members (user_id);
-- Lists walk an organization's rows in seq order: without this index every page sorts the whole rest.
CREATE INDEX members_org_seq ON members (organization_id, seq);

CREATE TABLE environments (
    seq             INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    slug            TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('connected', 'disconnected')),
    is_default      INTEGER NOT NULL CHECK (is_default IN (0, 1)),
    created_at      TEXT NOT NULL,
    UNIQUE (organization_id, slug)
);
-- At most one default environment per organization.
CREATE UNIQUE INDEX environments_one_default ON environments (organization_id) WHERE is_default = 1;

-- A member's role in one environment; goes away with the membership or the environment.
CREATE TABLE member_environment_roles (
    organization_id TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    environment_id  TEXT NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
    role            TEXT NOT NULL CHECK (role IN ('read', 'run', 'admin')),
    PRIMARY KEY (organization_id, user_id, environment_id),
    FOREIGN KEY (organization_id, user_id) REFERENCES members (organization_id, user_id) ON DELETE CASCADE
);
CREATE INDEX member_environment_roles_env ON member_environment_roles (environment_id);

CREATE TABLE invitations (
    seq             INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email           TEXT NOT NULL,
    email_lower     TEXT NOT NULL CHECK (email_lower = lower(email)),
    role            TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'biller')),
    invited_by      TEXT NOT NULL REFERENCES users (id),
    code_hash       TEXT NOT NULL UNIQUE, -- SHA-256 of the emailed code
    expires_at      TEXT NOT NULL,
    accepted_at     TEXT,
    created_at      TEXT NOT NULL
);
CREATE INDEX invitations_org_email ON invitations (organization_id, email_lower);

CREATE TABLE api_tokens (
    seq             INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('admin', 'member', 'biller')),
    hash            TEXT NOT NULL UNIQUE, -- SHA-256 of the secret; the secret itself is never stored
    created_by      TEXT NOT NULL REFERENCES users (id),
    expires_at      TEXT,
    created_at      TEXT NOT NULL
);
CREATE INDEX api_tokens_org ON api_tokens (organization_id, seq);

CREATE TABLE container_registries (
    seq               INTEGER PRIMARY KEY,
    id                TEXT NOT NULL UNIQUE,
    organization_id   TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name              TEXT NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('dockerhub', 'github', 'gitlab', 'ecr', 'gar', 'acr', 'other')),
    url               TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    username          TEXT NOT NULL DEFAULT '',
    password          TEXT NOT NULL DEFAULT '',
    access_key_id     TEXT NOT NULL DEFAULT '',
    secret_access_key TEXT NOT NULL DEFAULT '',
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX container_registries_org ON container_registries (organization_id, seq);

CREATE TABLE labels (
    seq                         INTEGER PRIMARY KEY,
    organization_id             TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    key                         TEXT NOT NULL,
    value                       TEXT NOT NULL,
    propagate_to_cloud_provider INTEGER NOT NULL CHECK (propagate_to_cloud_provider IN (0, 1)),
    created_at                  TEXT NOT NULL,
    updated_at                  TEXT NOT NULL,
    UNIQUE (organization_id, key)
);

CREATE TABLE activity (
    seq             INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    actor_type      TEXT NOT NULL CHECK (actor_type IN ('user', 'token')),
    actor_id        TEXT NOT NULL,
    action          TEXT NOT NULL,
    object_type     TEXT NOT NULL,
    object_id       TEXT NOT NULL,
    at              TEXT NOT NULL
);
CREATE INDEX activity_org ON activity (organization_id, seq);

-- Responses to POSTs that carried an Idempotency-Key. The lookup key is a hash of the principal and
-- the Idempotency-Key; the stored response is encrypted with a key derived from both, because it may
-- hold a secret shown once (a new token), and the database must not.
CREATE TABLE idempotency (
    lookup       TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    response     BLOB NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX idempotency_created ON idempotency (created_at);
