-- Activity filters (issue 21). The log is listed newest first, by (at, seq), and filtered by object,
-- object type, action, actor and time. Each filter has an index that starts with the organization and
-- ends with the time (seq, the rowid, ends every index), so a filtered page is a range scan of the
-- entries it returns, in the order it returns them, whatever the size of the log: a filter that
-- matches rarely costs its matches, not the log. A filter on actor_type alone (two values) uses
-- activity_at and checks each entry. activity_at replaces activity_org, which ordered by seq only.
DROP INDEX activity_org;
CREATE INDEX activity_at ON activity (organization_id, at);
CREATE INDEX activity_object ON activity (organization_id, object_id, at);
CREATE INDEX activity_object_type ON activity (organization_id, object_type, at);
CREATE INDEX activity_action ON activity (organization_id, action, at);
CREATE INDEX activity_actor ON activity (organization_id, actor_id, at);
