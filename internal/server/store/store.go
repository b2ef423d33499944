// Package store opens the reference server's SQLite database (pure Go, modernc.org/sqlite) and keeps
// its schema current with the migrations embedded in this package.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrations embed.FS

// TimeFormat is how times are stored: fixed width and UTC, so that comparing the strings compares
// the instants (expiry checks are done in SQL).
const TimeFormat = "2006-01-02T15:04:05.000000000Z"

// FormatTime renders t for storage.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeFormat) }

// ParseTime reads a stored time.
func ParseTime(s string) (time.Time, error) { return time.Parse(TimeFormat, s) }

// Store holds two pools on one database file. Writer has exactly one connection, so writes are
// serialized in the process and never meet SQLITE_BUSY from each other; Reader has several read-only
// connections, which WAL mode lets run beside the writer.
type Store struct {
	Writer  *sql.DB
	Reader  *sql.DB
	watches *watches
}

// Open opens (creating if needed) the database at path, applies pending migrations and proves that it
// can write: a database it can only read is refused here, naming the path, instead of answering every
// write with a 500 later. The database file and its companions (-wal, -shm) are readable by the owner
// only: they hold hashes of every credential and sealed secrets.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("open store: a database path is required")
	}
	if err := restrictFiles(path); err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	// synchronous(FULL): a commit is on disk before the API acknowledges it, so an acknowledged write
	// survives kill -9 and power loss.
	pragmas := []string{"foreign_keys(1)", "busy_timeout(10000)", "journal_mode(WAL)", "synchronous(FULL)"}
	q := url.Values{"_pragma": pragmas, "_txlock": {"immediate"}}
	w := &watches{}
	writer, err := openDB("file:"+path+"?"+q.Encode(), w.hook)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	if err := writer.PingContext(ctx); err != nil {
		writer.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := migrate(ctx, writer); err != nil {
		writer.Close()
		return nil, fmt.Errorf("migrate store %s: %w", path, err)
	}
	if err := proveWritable(ctx, writer); err != nil {
		writer.Close()
		return nil, fmt.Errorf("store %s is not writable: %w", path, err)
	}
	// The companions exist now (WAL mode); SQLite created them with the database file's mode, but an
	// older file may have been created world-readable.
	if err := restrictFiles(path); err != nil {
		writer.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	rq := url.Values{"_pragma": {"foreign_keys(1)", "busy_timeout(10000)", "query_only(1)"}}
	reader, err := openDB("file:"+path+"?"+rq.Encode(), nil)
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	reader.SetMaxOpenConns(8)
	reader.SetMaxIdleConns(8)
	return &Store{Writer: writer, Reader: reader, watches: w}, nil
}

// restrictFiles creates the database file with mode 0600 when it does not exist (SQLite gives the
// -wal and -shm files the database file's mode), and takes group and other access away from the
// files that exist.
func restrictFiles(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case err == nil:
		if err := f.Close(); err != nil {
			return err
		}
	case errors.Is(err, fs.ErrExist):
	case errors.Is(err, fs.ErrPermission):
		// A file we may not create or open for writing: let SQLite report what it can do with it.
		return nil
	default:
		return err
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		info, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if info.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(p, info.Mode().Perm()&0o700); err != nil {
				return fmt.Errorf("restrict %s to its owner: %w", p, err)
			}
		}
	}
	return nil
}

// proveWritable commits a real write. Opening and reading succeed on a read-only database (a
// read-only file, directory or mount, or a file SQLite itself must treat as read-only); only a write
// shows it.
func proveWritable(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS write_check (id INTEGER PRIMARY KEY, at TEXT NOT NULL)`); err != nil {
		return err
	}
	_, err := db.ExecContext(ctx, `INSERT OR REPLACE INTO write_check (id, at) VALUES (1, ?)`, FormatTime(time.Now()))
	return err
}

// Close closes both pools.
func (s *Store) Close() error {
	return errors.Join(s.Reader.Close(), s.Writer.Close())
}

// migrate applies the embedded migrations in order, each in its own transaction. Foreign keys are off
// while one runs, as SQLite's procedure for rebuilding a table requires (dropping the old table must
// not cascade); before the commit, foreign_key_check proves the rebuilt tables still agree.
func migrate(ctx context.Context, db *sql.DB) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return err
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		prefix, _, ok := strings.Cut(base, "_")
		if !ok {
			return fmt.Errorf("migration %s: the name must start with a version and '_'", base)
		}
		version, err := strconv.Atoi(prefix)
		if err != nil {
			return fmt.Errorf("migration %s: %w", base, err)
		}
		var applied int
		if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&applied); err != nil {
			return err
		}
		if applied > 0 {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		if err := applyMigration(ctx, conn, base, version, string(body)); err != nil {
			return err
		}
	}
	return nil
}

func applyMigration(ctx context.Context, conn *sql.Conn, name string, version int, body string) (err error) {
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		return err
	}
	defer func() {
		if _, onErr := conn.ExecContext(ctx, `PRAGMA foreign_keys = ON`); onErr != nil && err == nil {
			err = onErr
		}
	}()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, body); err != nil {
		return fmt.Errorf("migration %s: %w", name, err)
	}
	broken, err := anyRow(ctx, tx, `PRAGMA foreign_key_check`)
	if err != nil {
		return fmt.Errorf("migration %s: %w", name, err)
	}
	if broken {
		return fmt.Errorf("migration %s leaves rows whose foreign keys point nowhere", name)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, version, FormatTime(time.Now())); err != nil {
		return fmt.Errorf("migration %s: %w", name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migration %s: %w", name, err)
	}
	return nil
}

// IsUniqueViolation reports whether err is a UNIQUE or PRIMARY KEY constraint failure.
func IsUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// anyRow says whether query returns at least one row.
func anyRow(ctx context.Context, tx *sql.Tx, query string) (bool, error) {
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	return rows.Next(), rows.Err()
}
