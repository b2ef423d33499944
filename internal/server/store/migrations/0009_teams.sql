-- Teams (issue 20). A team belongs to one organization and goes with it. Its name is unique in the
-- organization without regard to case: name_key is the comparison form the server computes
-- (api.NameKey), as email_key is for addresses. Its slug names it in paths, is unique in the
-- organization and never changes. role is the organization role the team grants its members ('' for
-- none; never owner), team_environment_roles the environment roles it grants.
CREATE TABLE teams (
    seq             INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    name_key        TEXT NOT NULL,
    slug            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    role            TEXT NOT NULL DEFAULT '' CHECK (role IN ('', 'admin', 'member', 'biller')),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (organization_id, name_key),
    UNIQUE (organization_id, slug)
);
CREATE INDEX teams_org_seq ON teams (organization_id, seq);

-- An environment role a team grants its members; goes away with the team or the environment.
CREATE TABLE team_environment_roles (
    team_seq       INTEGER NOT NULL REFERENCES teams (seq) ON DELETE CASCADE,
    environment_id TEXT NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
    role           TEXT NOT NULL CHECK (role IN ('read', 'run', 'admin')),
    PRIMARY KEY (team_seq, environment_id)
);
CREATE INDEX team_environment_roles_environment ON team_environment_roles (environment_id);

-- A person's membership of a team: of an active membership of the team's organization (member_seq),
-- which the server checks when adding; removing the membership from the organization removes it (the
-- server deletes and records it first; the cascade is the backstop), and so does deleting the team.
-- organization_id lets the organization's whole team membership be listed in seq order, page by page.
CREATE TABLE team_members (
    seq             INTEGER PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    team_seq        INTEGER NOT NULL REFERENCES teams (seq) ON DELETE CASCADE,
    member_seq      INTEGER NOT NULL REFERENCES members (seq) ON DELETE CASCADE,
    role            TEXT NOT NULL CHECK (role IN ('maintainer', 'member')),
    created_at      TEXT NOT NULL,
    UNIQUE (team_seq, member_seq)
);
CREATE INDEX team_members_org_seq ON team_members (organization_id, seq);
CREATE INDEX team_members_team_seq ON team_members (team_seq, seq);
CREATE INDEX team_members_member ON team_members (member_seq);
