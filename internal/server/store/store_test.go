package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Open leaves the database file and its companions readable by their owner only: a new database, and
// one an older version created world-readable.
func TestOpenRestrictsTheFilesToTheirOwner(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "orgs.db")
	files := []string{path, path + "-wal", path + "-shm"}
	check := func(when string) {
		t.Helper()
		for _, f := range files {
			info, err := os.Stat(f)
			if err != nil {
				t.Fatalf("%s: %v", when, err)
			}
			if perm := info.Mode().Perm(); perm != 0o600 {
				t.Errorf("%s: %s has mode %v, want 0600", when, filepath.Base(f), perm)
			}
		}
	}
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	check("a new database")
	for _, f := range files {
		if err := os.Chmod(f, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Opened again while the first store still holds the companions, as after an upgrade in place.
	again, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	check("a world-readable database opened again")
	if err := again.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// Open refuses a database it can only read, naming it, rather than answering every write with an error
// later. The file is made read-only through its header (a write version above 2), which holds for
// root too.
func TestOpenRefusesADatabaseItCannotWrite(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "orgs.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte{3}, 18); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err := Open(ctx, path); err == nil || !strings.Contains(err.Error(), path+" is not writable") {
		if err == nil {
			s.Close()
		}
		t.Fatalf("a read-only database: error %v, want one saying %s is not writable", err, path)
	}
}

// A migration that leaves a foreign key pointing nowhere is refused and leaves nothing behind; one that
// does not is applied and recorded.
func TestMigrationMustKeepForeignKeys(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "orgs.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	conn, err := s.Writer.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	recorded := func(version int) bool {
		t.Helper()
		var n int
		if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	err = applyMigration(ctx, conn, "9998_broken.sql", 9998, `CREATE TABLE parent (id INTEGER PRIMARY KEY);
		CREATE TABLE child (parent_id INTEGER REFERENCES parent (id)); INSERT INTO child VALUES (7);`)
	if err == nil || !strings.Contains(err.Error(), "migration 9998_broken.sql leaves rows whose foreign keys point nowhere") {
		t.Fatalf("a migration breaking a foreign key: error %v", err)
	}
	var tables int
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE name IN ('parent', 'child')`).Scan(&tables); err != nil || tables != 0 || recorded(9998) {
		t.Fatalf("the refused migration left %d tables behind (%v), recorded %v", tables, err, recorded(9998))
	}
	if err := applyMigration(ctx, conn, "9999_fine.sql", 9999, `CREATE TABLE parent (id INTEGER PRIMARY KEY);
		CREATE TABLE child (parent_id INTEGER REFERENCES parent (id)); INSERT INTO parent VALUES (7); INSERT INTO child VALUES (7);`); err != nil {
		t.Fatal(err)
	}
	if !recorded(9999) {
		t.Fatal("the applied migration is not recorded")
	}
}
