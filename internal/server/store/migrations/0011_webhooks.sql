-- Webhooks (issue 21). A webhook subscribes a URL to events of its organization's activity log; its
-- secret signs every delivery and is stored sealed, like registry passwords (package seal). events is a
-- JSON array of event names, "<type>.*" families or "*".
CREATE TABLE webhooks (
    seq             INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    url             TEXT NOT NULL,
    events          TEXT NOT NULL,
    active          INTEGER NOT NULL CHECK (active IN (0, 1)),
    secret          TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX webhooks_org ON webhooks (organization_id, active);

-- The outbox: one row per event per matching webhook, written in the transaction of the activity entry,
-- so a delivery is never lost once the change is committed and never sent for a change rolled back. The
-- deliverer takes due rows (next_attempt_at, wall-clock time) and leases each by moving next_attempt_at
-- past its attempt: a server that dies mid-attempt leaves it due again after the lease.
CREATE TABLE webhook_deliveries (
    seq             INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    webhook_id      TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event           TEXT NOT NULL,
    event_id        TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    redelivery_of   TEXT,
    created_at      TEXT NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, seq);

-- Each POST of a delivery: the delivery log.
CREATE TABLE webhook_attempts (
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt     INTEGER NOT NULL,
    at          TEXT NOT NULL,
    status_code INTEGER NOT NULL,
    error       TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);
