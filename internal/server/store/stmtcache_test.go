package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// The statement cache must not change what any call returns: the same text with other arguments, the
// same query run again while its rows are still open, a statement that failed, scripts, and more
// distinct statements than the cache keeps.
func TestStatementCache(t *testing.T) {
	ctx := context.Background()
	db, err := openDB("file:"+filepath.Join(t.TempDir(), "cache.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // one connection: every call meets the same cache

	// A script runs whole, as before.
	if _, err := db.ExecContext(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE); CREATE TABLE u (id INTEGER)`); err != nil {
		t.Fatal(err)
	}
	const insert = `INSERT INTO t (id, v) VALUES (?, ?)`
	for i := range 10 {
		if _, err := db.ExecContext(ctx, insert, i, fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
	}
	// A failing run of a kept statement, then a good one.
	if _, err := db.ExecContext(ctx, insert, 100, "v1"); err == nil {
		t.Fatal("a duplicate value was inserted")
	}
	if _, err := db.ExecContext(ctx, insert, 10, "v10"); err != nil {
		t.Fatalf("the kept statement after a failure: %v", err)
	}

	// The same query inside the loop over its own rows, on the same connection (a transaction's).
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	const pick = `SELECT id, v FROM t WHERE id >= ? ORDER BY id`
	rows, err := tx.QueryContext(ctx, pick, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id int
		var v string
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		if id != n || v != fmt.Sprint("v", n) {
			t.Fatalf("row %d: got %d %q", n, id, v)
		}
		var inner int
		if err := tx.QueryRowContext(ctx, pick, id).Scan(&inner, &v); err != nil {
			t.Fatal(err)
		}
		if inner != id {
			t.Fatalf("inner query for %d: got %d", id, inner)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close() // before the commit
	if n != 11 {
		t.Fatalf("outer query: %d rows, want 11", n)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	// Free again once the rows are closed, with new arguments.
	var got int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM t WHERE id >= ?`, 5).Scan(&got); err != nil || got != 6 {
		t.Fatalf("count: %d, %v", got, err)
	}

	// More distinct statements than a connection keeps.
	for i := range maxCachedStmts + 10 {
		var v int
		if err := db.QueryRowContext(ctx, fmt.Sprintf(`SELECT %d + ?`, i), 1).Scan(&v); err != nil || v != i+1 {
			t.Fatalf("statement %d: %d, %v", i, v, err)
		}
	}
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM t WHERE id >= ?`, 9).Scan(&got); err != nil || got != 2 {
		t.Fatalf("count after eviction: %d, %v", got, err)
	}
}
