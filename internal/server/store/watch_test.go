package store

import (
	"context"
	"path/filepath"
	"testing"
)

// A Change must see every way a watched row can change through the writer, cascades and the
// emptying of a whole table included, and nothing else.
func TestWatch(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "watch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	change := s.Watch("members", "api_tokens", "personal_tokens")
	exec := func(query string, args ...any) {
		t.Helper()
		if _, err := s.Writer.ExecContext(ctx, query, args...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}
	const now = "2026-01-01T00:00:00.000000000Z"
	addOrg := func(id string) {
		exec(`INSERT INTO organizations (id, name, admin_contact_emails, plan, artifacts_storage_limit_gb, ai_hints_enabled, mask_webhook_urls, created_at, updated_at)
			VALUES (?, 'o', '[]', 'team', 0, 0, 0, ?, ?)`, id, now, now)
	}
	exec(`INSERT INTO users (id, email, email_key, name, created_at) VALUES ('u1', 'a@example.test', 'a@example.test', '', ?)`, now)
	addOrg("o1")
	addOrg("o2")
	if change.Take() {
		t.Fatal("set by tables it does not watch")
	}

	steps := []struct {
		name  string
		query string
		want  bool
	}{
		{"insert", `INSERT INTO members (organization_id, user_id, role, status, created_at) VALUES ('o1', 'u1', 'owner', 'active', '` + now + `')`, true},
		{"another table", `UPDATE organizations SET description = 'x' WHERE id = 'o1'`, false},
		{"update", `UPDATE members SET role = 'admin' WHERE organization_id = 'o1'`, true},
		{"update of nothing", `UPDATE members SET role = 'admin' WHERE organization_id = 'none'`, false},
		{"cascade", `DELETE FROM organizations WHERE id = 'o1'`, true},
		{"insert again", `INSERT INTO members (organization_id, user_id, role, status, created_at) VALUES ('o2', 'u1', 'owner', 'active', '` + now + `')`, true},
		{"a whole table emptied", `DELETE FROM members`, true},
		{"token", `INSERT INTO personal_tokens (id, user_id, name, hash, created_at) VALUES ('t1', 'u1', 'n', 'h', '` + now + `')`, true},
		{"user deleted, tokens cascade", `DELETE FROM users WHERE id = 'u1'`, true},
	}
	for _, step := range steps {
		exec(step.query)
		if got := change.Take(); got != step.want {
			t.Errorf("%s: changed %v, want %v", step.name, got, step.want)
		}
	}

	// A change rolled back is still reported: the cache it guards is only ever dropped for nothing.
	tx, err := s.Writer.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	exec2 := func(query string) {
		if _, err := tx.ExecContext(ctx, query); err != nil {
			t.Fatal(err)
		}
	}
	exec2(`INSERT INTO users (id, email, email_key, name, created_at) VALUES ('u2', 'b@example.test', 'b@example.test', '', '` + now + `')`)
	exec2(`INSERT INTO members (organization_id, user_id, role, status, created_at) VALUES ('o2', 'u2', 'owner', 'active', '` + now + `')`)
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if !change.Take() {
		t.Error("a rolled-back change was not reported")
	}
	if change.Take() {
		t.Error("Take did not clear")
	}
}
