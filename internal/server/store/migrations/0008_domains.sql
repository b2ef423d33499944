-- Verified domains (issue 18). An organization claims a domain (in its ASCII form) and proves it owns it
-- with a DNS TXT record holding a value made from token; a proven account whose address is in a
-- verified domain joins the organization at once when added. A domain is verified for one organization
-- at a time: the unique index below holds it, and proving it elsewhere takes it away (the other claim
-- goes back to pending). last_checked_at paces the server's own checks of pending domains.
CREATE TABLE domains (
    seq             INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    domain          TEXT NOT NULL,
    token           TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'verified')),
    verified_at     TEXT,
    last_checked_at TEXT,
    created_at      TEXT NOT NULL,
    UNIQUE (organization_id, domain)
);
CREATE UNIQUE INDEX domains_verified ON domains (domain) WHERE status = 'verified';
CREATE INDEX domains_pending ON domains (last_checked_at) WHERE status = 'pending';
