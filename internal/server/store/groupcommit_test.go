package store

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// committerTest is a committer on a fresh database with a table t (x INTEGER), not yet running, and
// its debug log.
func committerTest(t *testing.T) (*Committer, *Store, *bytes.Buffer) {
	t.Helper()
	db, err := Open(t.Context(), filepath.Join(t.TempDir(), "orgs.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Writer.Exec(`CREATE TABLE t (x INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	c := idleCommitter(db.Writer, slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(c.Close)
	return c, db, &log
}

// queue starts a request that takes a turn and runs work in it once granted, and returns once the
// turn waits in the committer's queue (so that requests queued in order are batched in that order).
// The committer must not be running yet.
func queue(t *testing.T, c *Committer, work func(*WriteTurn) error) <-chan error {
	t.Helper()
	before := len(c.turns)
	result := make(chan error, 1)
	go func() {
		w, err := c.Begin(context.Background())
		if err != nil {
			result <- err
			return
		}
		result <- work(w)
	}()
	for len(c.turns) == before {
		runtime.Gosched()
	}
	return result
}

func insert(ctx context.Context, w *WriteTurn, x int) error {
	_, err := w.Tx.ExecContext(ctx, `INSERT INTO t (x) VALUES (?)`, x)
	return err
}

func committed(t *testing.T, db *Store) []int {
	t.Helper()
	rows, err := db.Reader.Query(`SELECT x FROM t ORDER BY x`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var xs []int
	for rows.Next() {
		var x int
		if err := rows.Scan(&x); err != nil {
			t.Fatal(err)
		}
		xs = append(xs, x)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return xs
}

// TestGroupCommitSavepoints: requests queued together are committed in one transaction; one that
// fails undoes its own work only, and a later one sees the work of those before it.
func TestGroupCommitSavepoints(t *testing.T) {
	c, db, log := committerTest(t)
	ctx := t.Context()
	first := queue(t, c, func(w *WriteTurn) error {
		if err := insert(ctx, w, 1); err != nil {
			return err
		}
		return w.Commit(ctx)
	})
	failed := queue(t, c, func(w *WriteTurn) error {
		if err := insert(ctx, w, 2); err != nil {
			return err
		}
		w.Rollback(ctx)
		return nil
	})
	var seen int
	third := queue(t, c, func(w *WriteTurn) error {
		if err := w.Tx.QueryRowContext(ctx, `SELECT count(*) FROM t`).Scan(&seen); err != nil {
			return err
		}
		if err := insert(ctx, w, 3); err != nil {
			return err
		}
		return w.Commit(ctx)
	})
	go c.run()
	for name, ch := range map[string]<-chan error{"first": first, "failed": failed, "third": third} {
		if err := <-ch; err != nil {
			t.Errorf("%s request: %v", name, err)
		}
	}
	if seen != 1 {
		t.Errorf("the third request saw %d rows; want the first request's one", seen)
	}
	if got := committed(t, db); !slices.Equal(got, []int{1, 3}) {
		t.Errorf("committed rows %v, want [1 3]", got)
	}
	if !strings.Contains(log.String(), `msg="write batch" requests=3 committed=true`) {
		t.Errorf("the three requests were not committed as one batch:\n%s", log)
	}
}

// TestGroupCommitBrokenBatch: when the batch's transaction ends under it, no request of the batch is
// told its work is committed, and none of it is; the next request gets a fresh transaction.
func TestGroupCommitBrokenBatch(t *testing.T) {
	c, db, _ := committerTest(t)
	ctx := t.Context()
	done := queue(t, c, func(w *WriteTurn) error {
		if err := insert(ctx, w, 1); err != nil {
			return err
		}
		return w.Commit(ctx)
	})
	breaks := queue(t, c, func(w *WriteTurn) error {
		// What SQLite does by itself after some errors (a full disk, an interrupted statement).
		if _, err := w.Tx.ExecContext(ctx, `ROLLBACK`); err != nil {
			return err
		}
		return w.Commit(ctx)
	})
	go c.run()
	if err := <-done; err == nil {
		t.Error("a request of a rolled-back batch was told its work is committed")
	}
	if err := <-breaks; err == nil {
		t.Error("the request that broke the batch was told its work is committed")
	}
	if got := committed(t, db); len(got) != 0 {
		t.Errorf("rows of a rolled-back batch were kept: %v", got)
	}
	w, err := c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := insert(ctx, w, 4); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatalf("the next request: %v", err)
	}
	if got := committed(t, db); !slices.Equal(got, []int{4}) {
		t.Errorf("committed rows %v, want [4]", got)
	}
}
