-- Security round two: a declined membership cools down. When a user declines a membership someone added
-- them to, the organization may not add or invite them again for api.DeclineCooldown, so that nobody can
-- ask the same person over and over.
CREATE TABLE membership_declines (
    organization_id  TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    declined_at      TEXT NOT NULL,
    PRIMARY KEY (organization_id, user_id)
);
