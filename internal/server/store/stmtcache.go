package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// Statement cache. SQLite compiles a statement every time it runs one that is not prepared, and on
// this server compiling costs as much as running: a write request runs a dozen short statements in
// its transaction, and the writer is one connection, so their compilation was a third of its time.
// Each connection of both pools keeps the statements it ran, compiled, keyed by their text, and runs
// them again with new arguments. The queries of the server are fixed strings with placeholders, so
// they are few; the cache is bounded anyway. What the callers see is unchanged: database/sql calls
// the same methods with the same text and arguments.

// maxCachedStmts bounds the statements one connection keeps.
const maxCachedStmts = 256

// openDB opens a pool on dsn whose connections keep their statements compiled. onConnect, when not
// nil, runs on every new connection (with the driver's own connection) before it is used.
func openDB(dsn string, onConnect func(driver.Conn) error) (*sql.DB, error) {
	// The driver registered as "sqlite", so that what the program registers on it (functions,
	// connection hooks) still applies.
	probe, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	drv := probe.Driver()
	if err := probe.Close(); err != nil {
		return nil, err
	}
	var base driver.Connector = dsnConnector{drv: drv, dsn: dsn}
	if dc, ok := drv.(driver.DriverContext); ok {
		if base, err = dc.OpenConnector(dsn); err != nil {
			return nil, err
		}
	}
	return sql.OpenDB(&cachingConnector{base: base, onConnect: onConnect}), nil
}

// dsnConnector is what sql.Open uses for a driver without connectors of its own.
type dsnConnector struct {
	drv driver.Driver
	dsn string
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.drv }

type cachingConnector struct {
	base      driver.Connector
	onConnect func(driver.Conn) error
}

func (c *cachingConnector) Driver() driver.Driver { return c.base.Driver() }

func (c *cachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	// Every method the pool uses must be there: without them database/sql would silently take slower
	// paths, or none (a transaction without BeginTx cannot be given its isolation options).
	sc, ok := conn.(sqliteConn)
	if !ok {
		conn.Close()
		return nil, fmt.Errorf("the sqlite driver's connection %T lacks methods the statement cache needs", conn)
	}
	if c.onConnect != nil {
		if err := c.onConnect(conn); err != nil {
			conn.Close()
			return nil, err
		}
	}
	return &cachingConn{sqliteConn: sc, stmts: map[string]*cachedStmt{}}, nil
}

// sqliteConn is what the driver's connection implements and database/sql uses.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// stmtContext is what the driver's statements implement.
type stmtContext interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

type cachedStmt struct {
	stmt stmtContext
	// busy: rows of this statement are open. The statement cannot run again until they are closed
	// (running it would reset them), so meanwhile the same text runs uncached.
	busy bool
}

// cachingConn is a connection with its statement cache. database/sql uses a connection from one
// goroutine at a time (closing rows included), so the cache needs no lock.
type cachingConn struct {
	sqliteConn
	stmts map[string]*cachedStmt
}

// cached is the kept statement of query, compiling and keeping it the first time; nil when it cannot
// be kept or is in use.
func (c *cachingConn) cached(ctx context.Context, query string) (*cachedStmt, error) {
	if st, ok := c.stmts[query]; ok {
		if st.busy {
			return nil, nil
		}
		return st, nil
	}
	// A script (several statements) is run one statement at a time, compiled each time: nothing to
	// keep. A ';' inside a literal only costs that statement the cache.
	if strings.Contains(query, ";") {
		return nil, nil
	}
	if len(c.stmts) >= maxCachedStmts {
		c.evict()
	}
	ds, err := c.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	sc, ok := ds.(stmtContext)
	if !ok {
		ds.Close()
		return nil, nil
	}
	st := &cachedStmt{stmt: sc}
	c.stmts[query] = st
	return st, nil
}

// evict closes every kept statement not in use.
func (c *cachingConn) evict() {
	for query, st := range c.stmts {
		if !st.busy {
			st.stmt.Close()
			delete(c.stmts, query)
		}
	}
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	st, err := c.cached(ctx, query)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	// Exec runs the statement to its end and resets it: it is free again when this returns.
	return st.stmt.ExecContext(ctx, args)
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	st, err := c.cached(ctx, query)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return c.sqliteConn.QueryContext(ctx, query, args)
	}
	rows, err := st.stmt.QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	st.busy = true
	return &cachedRows{Rows: rows, st: st}, nil
}

// Close closes the kept statements, then the connection.
func (c *cachingConn) Close() error {
	var errs []error
	for query, st := range c.stmts {
		errs = append(errs, st.stmt.Close())
		delete(c.stmts, query)
	}
	return errors.Join(append(errs, c.sqliteConn.Close())...)
}

// Unwrap is the driver's own connection, for database/sql's Conn.Raw callers that need its methods.
func (c *cachingConn) Unwrap() driver.Conn { return c.sqliteConn }

// cachedRows are the rows of a kept statement: closing them resets it (the driver's rows do) and
// frees it for the next call.
type cachedRows struct {
	driver.Rows
	st *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.st.busy = false
	return err
}

// The column type methods are the driver's, so that sql.Rows.ColumnTypes reports the same.

func (r *cachedRows) ColumnTypeDatabaseTypeName(index int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(index)
	}
	return ""
}

func (r *cachedRows) ColumnTypeLength(index int) (int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return t.ColumnTypeLength(index)
	}
	return 0, false
}

func (r *cachedRows) ColumnTypeNullable(index int) (nullable, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(index)
	}
	return false, false
}

func (r *cachedRows) ColumnTypePrecisionScale(index int) (precision, scale int64, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return t.ColumnTypePrecisionScale(index)
	}
	return 0, 0, false
}

func (r *cachedRows) ColumnTypeScanType(index int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(index)
	}
	return reflect.TypeFor[any]()
}
