-- Bulk writes (issue 19). A bulk request of a thousand members checks the plan's seats once per item,
-- each check counting the organization's memberships by status: with this index the counts read the
-- index alone, instead of every membership row of the organization, a thousand times.
CREATE INDEX members_org_status ON members (organization_id, status, expires_at);
