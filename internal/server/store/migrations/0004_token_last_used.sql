-- Token rotation (issue 8): when each credential was last used, so that a reviewer can tell a token in
-- use from a forgotten one. The server writes it from the authentication path at most once a minute per
-- credential (see lastused.go), so it may lag the latest use by up to a minute, and a use in the last
-- moments before a crash may be lost: it is a hint for people, never an input to authorization.
ALTER TABLE api_tokens ADD COLUMN last_used_at TEXT;
ALTER TABLE personal_tokens ADD COLUMN last_used_at TEXT;
