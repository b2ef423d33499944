package server

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/server/store"
)

// querier is what *sql.DB and *sql.Tx have in common: loaders work inside a write transaction and on
// the read pool alike.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Server) nowText() string { return store.FormatTime(s.now()) }

func parseTime(s string) time.Time {
	t, err := store.ParseTime(s)
	if err != nil {
		// Only the server writes these columns, always with store.FormatTime.
		panic(fmt.Sprintf("stored time %q: %v", s, err))
	}
	return t
}

func parseNullTime(s sql.NullString) *time.Time {
	if !s.Valid {
		return nil
	}
	t := parseTime(s.String)
	return &t
}

func nullTime(t *time.Time) sql.NullString {
	if t == nil {
		return sql.NullString{}
	}
	return sql.NullString{String: store.FormatTime(*t), Valid: true}
}

// orgObject names a kind of object an organization holds: its table, the column the API addresses it
// by, the name the activity log uses, and the noun errors use.
type orgObject struct {
	table, keyColumn, kind, noun string
}

var (
	labelObject    = orgObject{table: "labels", keyColumn: "key", kind: "label", noun: "label"}
	apiTokenObject = orgObject{table: "api_tokens", keyColumn: "id", kind: "api_token", noun: "API token"}
	registryObject = orgObject{table: "container_registries", keyColumn: "id", kind: "container_registry", noun: "container registry"}
)

// deleteOrgObject deletes one object of the caller's organization and records it in the activity log;
// 404 when there is no such object.
func (s *Server) deleteOrgObject(ctx context.Context, o orgObject, key string) error {
	return s.writeOrg(ctx, func(tx *sql.Tx, a access) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM `+o.table+` WHERE organization_id = ? AND `+o.keyColumn+` = ?`, a.orgID, key)
		if err != nil {
			return fmt.Errorf("delete %s: %w", o.noun, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNotFound("%s %q not found", o.noun, key)
		}
		return s.record(ctx, tx, a.orgID, o.kind+".delete", o.kind, key)
	})
}

// readPool is the read pool as the handlers use it: every connection keeps its statements compiled
// (the store's statement cache), so a read costs its execution only.
//
// Reads run without the request's cancellation: for a statement whose context can end, the driver
// starts a goroutine that watches it and installs a progress handler, and database/sql another that
// closes the rows, which cost more than the short indexed reads the server makes (a page is at most
// 1,000 rows). A client that hangs up has its read finish anyway; the response then goes nowhere.
type readPool struct{ db *sql.DB }

func (p readPool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return p.db.ExecContext(context.WithoutCancel(ctx), query, args...)
}

func (p readPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return p.db.QueryContext(context.WithoutCancel(ctx), query, args...)
}

func (p readPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return p.db.QueryRowContext(context.WithoutCancel(ctx), query, args...)
}
