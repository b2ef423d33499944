package store

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
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

// A connection keeps the statements it ran and runs them again: a query's rows come from its kept
// statement (busy until they are closed), and a connection keeps at most maxCachedStmts, the one over
// the bound closing those not in use.
func TestStatementCacheKeepsStatements(t *testing.T) {
	ctx := context.Background()
	db, err := openDB("file:"+filepath.Join(t.TempDir(), "cache.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	kept := func() map[string]*cachedStmt {
		t.Helper()
		var stmts map[string]*cachedStmt
		if err := conn.Raw(func(dc any) error {
			cc, ok := dc.(*cachingConn)
			if !ok {
				return fmt.Errorf("the connection is a %T, not the caching one", dc)
			}
			stmts = maps.Clone(cc.stmts)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return stmts
	}
	const query = `SELECT ? + 1`
	for i := range 3 {
		var v int
		if err := conn.QueryRowContext(ctx, query, i).Scan(&v); err != nil || v != i+1 {
			t.Fatalf("run %d: %d, %v", i, v, err)
		}
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE t (id INTEGER)`); err != nil {
		t.Fatal(err)
	}
	if got := kept(); len(got) != 2 || got[query] == nil || got[`CREATE TABLE t (id INTEGER)`] == nil {
		t.Fatalf("kept %v, want the query and the statement, once each", slices.Collect(maps.Keys(got)))
	}

	func() {
		rows, err := conn.QueryContext(ctx, query, 5)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		if !kept()[query].busy {
			t.Error("the query's rows do not come from its kept statement")
		}
		for rows.Next() {
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}()
	if kept()[query].busy {
		t.Error("the kept statement is still busy once its rows are closed")
	}

	for i := len(kept()); i < maxCachedStmts; i++ {
		if _, err := conn.ExecContext(ctx, fmt.Sprintf(`SELECT %d`, i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(kept()); n != maxCachedStmts {
		t.Fatalf("%d statements kept, want %d", n, maxCachedStmts)
	}
	if _, err := conn.ExecContext(ctx, `SELECT 'one over the bound'`); err != nil {
		t.Fatal(err)
	}
	if got := kept(); len(got) != 1 || got[`SELECT 'one over the bound'`] == nil {
		t.Fatalf("%d statements kept after one over the bound, want only that one", len(got))
	}
}
