package server_test

import (
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

// Tests look into the server's database file to prove what the API cannot show: what is stored, and
// what is gone.

// dbBytes is everything SQLite has on disk for the database: the main file, the write-ahead log and
// its index, where a recent write may still sit.
func dbBytes(tb testing.TB, dbPath string) []byte {
	tb.Helper()
	var all []byte
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		data, err := os.ReadFile(dbPath + suffix)
		if errors.Is(err, fs.ErrNotExist) && suffix != "" {
			continue
		}
		if err != nil {
			tb.Fatalf("read the database: %v", err)
		}
		all = append(all, data...)
	}
	return all
}

// openDB opens the server's database beside the server, read-only.
func openDB(tb testing.TB, dbPath string) *sql.DB {
	tb.Helper()
	q := url.Values{"_pragma": {"busy_timeout(10000)", "query_only(1)"}}
	db, err := sql.Open("sqlite", "file:"+dbPath+"?"+q.Encode())
	if err != nil {
		tb.Fatalf("open the database: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func tableNames(tb testing.TB, db *sql.DB) []string {
	tb.Helper()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		tb.Fatalf("list tables: %v", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			tb.Fatal(err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return names
}

func columnNames(tb testing.TB, db *sql.DB, table string) []string {
	tb.Helper()
	rows, err := db.Query(fmt.Sprintf(`SELECT name FROM pragma_table_info(%s)`, quoteSQL(table)))
	if err != nil {
		tb.Fatalf("columns of %s: %v", table, err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			tb.Fatal(err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		tb.Fatalf("columns of %s: %v", table, err)
	}
	return names
}

func quoteSQL(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// rowsMentioning counts, per table, the rows with a column whose text holds value.
func rowsMentioning(tb testing.TB, db *sql.DB, value string) map[string]int {
	tb.Helper()
	found := map[string]int{}
	for _, table := range tableNames(tb, db) {
		var conds []string
		for _, c := range columnNames(tb, db, table) {
			conds = append(conds, fmt.Sprintf(`instr(CAST("%s" AS TEXT), ?) > 0`, c))
		}
		if len(conds) == 0 {
			continue
		}
		args := make([]any, len(conds))
		for i := range args {
			args[i] = value
		}
		var n int
		q := fmt.Sprintf(`SELECT count(*) FROM "%s" WHERE %s`, table, strings.Join(conds, " OR "))
		if err := db.QueryRow(q, args...).Scan(&n); err != nil {
			tb.Fatalf("search %s: %v", table, err)
		}
		if n > 0 {
			found[table] = n
		}
	}
	return found
}

// rowsOfOrganization counts, for every table with an organization_id column, the rows of orgID.
func rowsOfOrganization(tb testing.TB, db *sql.DB, orgID string) map[string]int {
	tb.Helper()
	counts := map[string]int{}
	for _, table := range tableNames(tb, db) {
		for _, c := range columnNames(tb, db, table) {
			if c != "organization_id" {
				continue
			}
			var n int
			if err := db.QueryRow(fmt.Sprintf(`SELECT count(*) FROM "%s" WHERE organization_id = ?`, table), orgID).Scan(&n); err != nil {
				tb.Fatalf("count %s: %v", table, err)
			}
			counts[table] = n
		}
	}
	return counts
}
