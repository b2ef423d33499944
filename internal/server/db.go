package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/store"
)

// querier is what *sql.DB and *sql.Tx have in common: loaders work inside a write transaction and on
// the read pool alike.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// writeState is the write transaction of one HTTP request: its turn at the writer, a savepoint in a
// batch of the committer (see groupcommit.go). The handler does its work in it; the write stage
// (writes) releases it only after the response has been produced, together with the idempotency
// record, and lets the response out only once the batch is committed: an acknowledged write is
// durable, and a replayed key finds its response exactly when its work is committed.
type writeState struct {
	turn        *writeTurn
	afterCommit []func()
	idem        *idempotencyKey // the request's Idempotency-Key, nil without one
	replayed    bool            // the response is a stored one (or the refusal to replay): nothing to commit
}

type writeStateKey struct{}

// write runs fn in the request's write transaction, beginning it if needed. Outside a request
// (Bootstrap) it commits at once.
func (s *Server) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.writeChecked(ctx, true, fn)
}

// writeChecked is write; checkCredential false leaves reading the credential again to fn, for writeOrg,
// which reads it through the transaction itself (once is enough).
func (s *Server) writeChecked(ctx context.Context, checkCredential bool, fn func(tx *sql.Tx) error) error {
	st, _ := ctx.Value(writeStateKey{}).(*writeState)
	if st != nil && st.turn != nil {
		return fn(st.turn.tx)
	}
	// The transaction must not die with the client's connection half-way: the work either happens
	// whole or not at all, whether or not anyone is still listening. (The write stage runs the
	// handler without cancellation too: an interrupted statement would end the whole batch.)
	ctx = context.WithoutCancel(ctx)
	turn, err := s.committer.begin(ctx)
	if err != nil {
		return err
	}
	// Set before fn runs, so that a nested write joins this transaction instead of waiting forever for
	// the writer this turn holds.
	if st != nil {
		st.turn = turn
	}
	fail := func(err error) error {
		turn.rollback(ctx)
		if st != nil {
			st.turn = nil
		}
		return err
	}
	// The credential is read again through the transaction: one revoked (or whose creator left) while
	// this request waited for the writer must not write.
	if p := principalFrom(ctx); checkCredential && p.kind != anonymous {
		if _, err := s.lookupCredential(ctx, turn.tx, p.hash); err != nil {
			return fail(err)
		}
	}
	if err := fn(turn.tx); err != nil {
		return fail(err)
	}
	if st != nil {
		return nil
	}
	return turn.commit(ctx)
}

// afterCommit runs f once the request's writes are committed (at once outside a request). Side
// effects that must not happen for a rolled-back write, like sending an invitation, go here.
func afterCommit(ctx context.Context, f func()) {
	if st, _ := ctx.Value(writeStateKey{}).(*writeState); st != nil {
		st.afterCommit = append(st.afterCommit, f)
		return
	}
	f()
}

// record appends to the organization's activity log, in the transaction of the change.
func (s *Server) record(ctx context.Context, tx *sql.Tx, orgID, action, objectType, objectID string) error {
	actorType, actorID := principalFrom(ctx).actor()
	return s.recordAs(ctx, tx, orgID, actorType, actorID, action, objectType, objectID)
}

func (s *Server) recordAs(ctx context.Context, tx *sql.Tx, orgID, actorType, actorID, action, objectType, objectID string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO activity (id, organization_id, actor_type, actor_id, action, object_type, object_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		newID(prefixActivity), orgID, actorType, actorID, action, objectType, objectID, store.FormatTime(s.now()))
	if err != nil {
		return fmt.Errorf("record activity %s: %w", action, err)
	}
	return nil
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

// ---- Pagination ----

// pageParams are the query parameters of every list.
type PageParams struct {
	PageSize  int    `query:"page_size" minimum:"1" maximum:"1000" default:"100" doc:"How many items to return, 1 to 1000."`
	PageToken string `query:"page_token" maxLength:"200" doc:"The next_page_token of the previous page; absent for the first page."`
}

// cursor decodes the page token: the seq of the last item of the previous page (0: first page).
func (p PageParams) cursor() (int64, error) {
	if p.PageToken == "" {
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(p.PageToken)
	if err == nil {
		if rest, ok := strings.CutPrefix(string(raw), "seq:"); ok {
			if n, err := strconv.ParseInt(rest, 10, 64); err == nil && n > 0 {
				return n, nil
			}
		}
	}
	p2 := newProblem(http.StatusUnprocessableEntity, api.ProblemInvalid, "page_token: not a token this server issued; pass next_page_token from the previous page")
	p2.Errors = []api.ProblemError{{Message: "invalid page token", Location: "query.page_token"}}
	return 0, p2
}

func pageToken(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("seq:" + strconv.FormatInt(seq, 10)))
}

// page cuts a result fetched with LIMIT size+1 down to size, returning the next page token.
func page[T any](items []T, seqs []int64, size int) api.Page[T] {
	out := api.Page[T]{Items: items}
	if out.Items == nil {
		out.Items = []T{}
	}
	if len(items) > size {
		out.Items = items[:size]
		out.NextPageToken = pageToken(seqs[size-1])
	}
	return out
}

// ---- ETags ----

// encodeJSON is the JSON form a response body is sent in: what huma's JSON format writes (HTML
// characters not escaped), without the trailing newline.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// etagOfJSON is a strong entity tag over an object's JSON form: it changes whenever anything a client
// can see changes.
func etagOfJSON(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// etagOf is the entity tag of v, as a response carrying v is tagged (see sendWithETag).
func etagOf(v any) string {
	b, err := encodeJSON(v)
	if err != nil {
		panic(fmt.Sprintf("etag: %v", err))
	}
	return etagOfJSON(b)
}

// etagPending is what newObjectOutput puts in the ETag header: sendWithETag, which encodes the body,
// replaces it with the tag of the exact bytes it sends, so an object is encoded once per response.
const etagPending = "orgs-etag-pending"

// sendWithETag is a huma transformer: for a response whose ETag is pending it encodes the body once,
// sets the ETag from those bytes, and hands them on as they are (jsonFormat writes them unchanged).
func sendWithETag(ctx huma.Context, _ string, v any) (any, error) {
	_, w := humago.Unwrap(ctx)
	if w.Header().Get(api.HeaderETag) != etagPending {
		return v, nil
	}
	b, err := encodeJSON(v)
	if err != nil {
		return nil, err
	}
	w.Header().Set(api.HeaderETag, etagOfJSON(b))
	return json.RawMessage(b), nil
}

// jsonFormat is huma's JSON format, except that a body sendWithETag already encoded is written as is.
var jsonFormat = huma.Format{
	Marshal: func(w io.Writer, v any) error {
		if raw, ok := v.(json.RawMessage); ok {
			_, err := w.Write(append(raw, '\n'))
			return err
		}
		return huma.DefaultJSONFormat.Marshal(w, v)
	},
	Unmarshal: huma.DefaultJSONFormat.Unmarshal,
}

// checkIfMatch compares an If-Match header with the current representation's tag (412 on mismatch).
func checkIfMatch(ifMatch string, current any) error {
	if ifMatch == "" {
		return nil
	}
	tag := etagOf(current)
	for _, candidate := range strings.Split(ifMatch, ",") {
		candidate = strings.TrimSpace(candidate)
		if candidate == "*" || candidate == tag {
			return nil
		}
	}
	return newProblem(http.StatusPreconditionFailed, api.ProblemPreconditionFailed,
		"the object changed since it was read (If-Match %s, current ETag %s); read it again and retry", ifMatch, tag)
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

// rowScanner is a *sql.Row or *sql.Rows.
type rowScanner interface{ Scan(...any) error }

// queryPage runs a list query (rows in seq order, at most one past the page, so page can tell whether
// another follows) and reads each row with scan.
func queryPage[T any](ctx context.Context, q querier, scan func(rowScanner) (T, int64, error), query string, args ...any) ([]T, []int64, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var items []T
	var seqs []int64
	for rows.Next() {
		item, seq, err := scan(rows)
		if err != nil {
			return nil, nil, err
		}
		items, seqs = append(items, item), append(seqs, seq)
	}
	return items, seqs, rows.Err()
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
