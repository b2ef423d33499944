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
