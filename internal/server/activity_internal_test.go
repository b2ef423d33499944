package server

import (
	"strings"
	"testing"
)

// TestActivityQueriesUseIndexes: each filter of the activity listing, alone or with others and on any
// page, runs as a range scan of an index that yields the entries in the listing's order (no sort of
// the matches, no scan of the organization's whole log), so a page costs what it returns. Several
// object ids are several probes of one index, whose matches are then sorted: they cost what they match.
func TestActivityQueriesUseIndexes(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	for _, tc := range []struct {
		name  string
		in    listActivityInput
		index string
		sorts bool
	}{
		{"no filter", listActivityInput{}, "activity_at", false},
		{"object_id", listActivityInput{ObjectIDs: []string{"lbl"}}, "activity_object", false},
		{"object_ids", listActivityInput{ObjectIDs: []string{"a", "b", "c"}}, "activity_object", true},
		{"object_type", listActivityInput{ObjectTypes: []string{"label"}}, "activity_object_type", false},
		{"action", listActivityInput{Action: "label.update"}, "activity_action", false},
		{"actor_id", listActivityInput{ActorID: "usr_1"}, "activity_actor", false},
		{"since and until", listActivityInput{Since: "2026-01-01T00:00:00Z", Until: "2026-02-01T00:00:00Z"}, "activity_at", false},
		{"object_id and time", listActivityInput{ObjectIDs: []string{"lbl"}, Since: "2026-01-01T00:00:00Z"}, "activity_object", false},
		{"actor and action", listActivityInput{ActorID: "usr_1", Action: "label.update"}, "activity_actor", false},
		{"everything", listActivityInput{ObjectIDs: []string{"lbl"}, ObjectTypes: []string{"label"}, Action: "label.update", ActorType: "user", ActorID: "usr_1", Until: "2026-02-01T00:00:00Z"}, "activity_object", false},
	} {
		for _, before := range []int64{0, 42} {
			f, err := tc.in.activityFilter()
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			query, qargs := activityQuery(true, "org_1", f, before, 101)
			plan, err := queryPlan(t, s, query, qargs)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			text := strings.Join(plan, "\n")
			// The plan's first step is the scan of the activity table itself; the rest are the page's
			// lookups of actors and of the cursor's entry, by unique keys.
			if !strings.Contains(plan[0], "USING INDEX "+tc.index+" (") && !strings.Contains(plan[0], "USING COVERING INDEX "+tc.index+" (") {
				t.Errorf("%s (cursor %d): the log is not read through %s:\n%s", tc.name, before, tc.index, text)
			}
			if sorts := strings.Contains(text, "USE TEMP B-TREE FOR ORDER BY"); sorts != tc.sorts {
				t.Errorf("%s (cursor %d): sorts the matches: %v, want %v:\n%s", tc.name, before, sorts, tc.sorts, text)
			}
			if strings.Contains(text, "SCAN a") && !strings.Contains(text, "SCAN a USING") {
				t.Errorf("%s (cursor %d): scans the whole log:\n%s", tc.name, before, text)
			}
		}
	}
}

// queryPlan is the detail of each step of SQLite's plan for query.
func queryPlan(t *testing.T, s *Server, query string, args []any) ([]string, error) {
	rows, err := s.reader.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			return nil, err
		}
		plan = append(plan, detail)
	}
	return plan, rows.Err()
}
