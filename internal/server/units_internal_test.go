package server

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/seal"
)

// Unit tests of the server's internals; the HTTP contract is tested from outside in package server_test.

func newTestServer(t *testing.T) *Server {
	t.Helper()
	s, err := New(Config{DBPath: filepath.Join(t.TempDir(), "orgs.db"), RateLimit: RateLimit{Disabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// serve sends one request to h with token as the bearer credential, body as JSON and header's name,
// value pairs as headers, and returns the response.
func serve(h http.Handler, token, method, path, body string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestRateLimitFloodOfInvalidTokens (finding 7): 20,000 requests, each with a different made-up token,
// from one address draw 429s once the address's budget is spent, and the limiter keeps one bucket for
// them all.
func TestRateLimitFloodOfInvalidTokens(t *testing.T) {
	t.Parallel()
	s, err := New(Config{DBPath: filepath.Join(t.TempDir(), "orgs.db"), RateLimit: RateLimit{PerSecond: 0.001, Burst: 50}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	statuses := map[int]int{}
	for i := range 20000 {
		req := httptest.NewRequest(http.MethodGet, api.PathCurrentUser, nil)
		req.RemoteAddr = "192.0.2.7:40000"
		req.Header.Set("Authorization", fmt.Sprintf("Bearer orgs_pat_guess%06d", i))
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		statuses[rec.Code]++
	}
	if statuses[http.StatusTooManyRequests] < 19000 || statuses[http.StatusUnauthorized] > 60 {
		t.Fatalf("statuses of 20,000 guesses: %v; want 429 for all but the first 50 or so", statuses)
	}
	if n := s.limiter.Size(); n > 1 {
		t.Fatalf("the limiter holds %d buckets after guesses from one address, want 1", n)
	}
	// Another address is not held back.
	req := httptest.NewRequest(http.MethodPost, api.PathUsers, strings.NewReader(`{"email":"a@example.test"}`))
	req.RemoteAddr = "198.51.100.9:40000"
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != http.StatusCreated {
		t.Fatalf("sign-up from another address: %d %s", rec.Code, rec.Body)
	}
}

func TestPageTokens(t *testing.T) {
	t.Parallel()
	for _, seq := range []int64{1, 42, 1 << 40} {
		got, err := PageParams{PageToken: pageToken(seq)}.cursor()
		if err != nil || got != seq {
			t.Errorf("cursor(pageToken(%d)) = %d, %v", seq, got, err)
		}
	}
	if got, err := (PageParams{}).cursor(); err != nil || got != 0 {
		t.Errorf("no token: cursor = %d, %v; want 0", got, err)
	}
	for _, bad := range []string{"forged", pageToken(0), "c2VxOi0x" /* seq:-1 */, "!!!"} {
		_, err := PageParams{PageToken: bad}.cursor()
		var p *problem
		if !errors.As(err, &p) || p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Detail, "page_token") {
			t.Errorf("token %q: err = %v, want a 422 naming page_token", bad, err)
		}
	}
	items := []string{"a", "b", "c"}
	if pg := page(items, []int64{4, 7, 9}, 2); len(pg.Items) != 2 || pg.NextPageToken != pageToken(7) {
		t.Errorf("page of 2 from 3 = %+v, want 2 items and a token after seq 7", pg)
	}
	if pg := page(items, []int64{4, 7, 9}, 3); len(pg.Items) != 3 || pg.NextPageToken != "" {
		t.Errorf("last page = %+v, want every item and no token", pg)
	}
	if pg := page[string](nil, nil, 3); pg.Items == nil {
		t.Error("an empty page has null items; clients expect []")
	}
}

func TestSlugFrom(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"Production":            "production",
		"Zone 0 to 9":           "zone-0-to-9", // the ends of both ranges
		"  EU west -- 2 ":       "eu-west-2",
		"Ünïcode only ☃":        "n-code-only",
		"☃☃☃":                   "environment",
		strings.Repeat("a", 80): strings.Repeat("a", 55),
	}
	for name, want := range tests {
		got := slugFrom(name)
		if got != want {
			t.Errorf("slugFrom(%q) = %q, want %q", name, got, want)
		}
		if err := api.ValidateSlug(got); err != nil {
			t.Errorf("slugFrom(%q) = %q, which is not a valid slug: %v", name, got, err)
		}
	}
}

func TestCheckControlCharacters(t *testing.T) {
	t.Parallel()
	name := "ok"
	tests := []struct {
		body  any
		field string // "" when the body is fine
	}{
		{api.OrganizationCreate{Name: "fine", Description: "line one\nline two\ttabbed"}, ""},
		{api.OrganizationCreate{Name: "nul\x00"}, "name"},
		{api.OrganizationCreate{Name: "\x1bleading escape"}, "name"},
		{api.OrganizationCreate{Name: "x", AdminContactEmails: []string{"a@example.test", "b\x07@example.test"}}, "admin_contact_emails[1]"},
		{api.OrganizationUpdate{Name: &name, Description: ptr("del\x7f")}, "description"},
		{api.MemberCreate{EnvironmentRoles: map[string]api.EnvironmentRole{"env\x01": "read"}}, "environment_roles.(key)"},
		{api.MemberCreate{EnvironmentRoles: map[string]api.EnvironmentRole{"env": "re\x00ad"}}, "environment_roles.env"},
	}
	// The message says which of the two it found.
	for text, want := range map[string]string{
		"bell\x07":   "contains the control character U+0007 at byte 4",
		"bad\uFFFDx": "is not valid Unicode at byte 3",
	} {
		err := checkControlCharacters(reflect.ValueOf(api.OrganizationCreate{Name: text}), "")
		var p *problem
		if !errors.As(err, &p) || len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Message, want) {
			t.Errorf("name %q: err = %v, want it to say %q", text, err, want)
		}
	}
	for _, tc := range tests {
		err := checkControlCharacters(reflect.ValueOf(tc.body), "")
		if tc.field == "" {
			if err != nil {
				t.Errorf("%+v: %v", tc.body, err)
			}
			continue
		}
		var p *problem
		if !errors.As(err, &p) || len(p.Errors) != 1 || p.Errors[0].Location != "body."+tc.field {
			t.Errorf("%+v: err = %v, want a 422 at body.%s", tc.body, err, tc.field)
		}
	}
}

func TestHumaErrorsAreProblems(t *testing.T) {
	t.Parallel()
	err := huma.NewError(http.StatusUnprocessableEntity, "validation failed",
		&huma.ErrorDetail{Location: "body.admin_contact_emails[1]", Message: "expected string", Value: "secret-value"})
	p, ok := err.(*problem)
	if !ok {
		t.Fatalf("huma.NewError returned %T, want *problem", err)
	}
	if p.Type != api.ProblemInvalid || p.Status != 422 || !strings.Contains(p.Detail, "admin_contact_emails[1]") {
		t.Errorf("validation problem = %+v", p)
	}
	b, _ := json.Marshal(p)
	if bytes.Contains(b, []byte("secret-value")) {
		t.Errorf("the problem echoes the offending value: %s", b)
	}
	malformed := asProblem(t, huma.NewError(http.StatusBadRequest, "validation failed", &huma.ErrorDetail{Location: "body", Message: "unexpected EOF"}))
	if malformed.Type != api.ProblemMalformed || !strings.Contains(malformed.Detail, "not valid JSON") {
		t.Errorf("malformed problem = %+v", malformed)
	}
	internal := asProblem(t, huma.NewError(http.StatusInternalServerError, "boom", errors.New("database is on fire")))
	if strings.Contains(internal.Detail, "fire") || internal.Errors != nil {
		t.Errorf("a 500 leaks its cause: %+v", internal)
	}
}

// TestProblemTypeFor: every status huma or net/http can raise by itself gets its problem type; a status
// the API has no type for is malformed below 500 and internal from 500 on.
func TestProblemTypeFor(t *testing.T) {
	t.Parallel()
	for status, want := range map[int]string{
		400: api.ProblemMalformed, 406: api.ProblemMalformed, 408: api.ProblemMalformed, 415: api.ProblemMalformed,
		401: api.ProblemUnauthorized, 403: api.ProblemForbidden, 404: api.ProblemNotFound, 405: api.ProblemNotFound,
		409: api.ProblemConflict, 412: api.ProblemPreconditionFailed, 413: api.ProblemTooLarge,
		422: api.ProblemInvalid, 429: api.ProblemRateLimited, 503: api.ProblemUnavailable,
		418: api.ProblemMalformed, 431: api.ProblemMalformed, 499: api.ProblemMalformed,
		500: api.ProblemInternal, 501: api.ProblemInternal, 502: api.ProblemInternal, 505: api.ProblemInternal,
	} {
		if got := problemTypeFor(status); got != want {
			t.Errorf("problemTypeFor(%d) = %q, want %q", status, got, want)
		}
	}
}

// TestHumaErrorDetailNamesTheField: the detail of an error huma raised names each offending field the
// way a user knows it, whatever part of the request it is in.
func TestHumaErrorDetailNamesTheField(t *testing.T) {
	t.Parallel()
	detail := func(location, message string) *huma.ErrorDetail {
		return &huma.ErrorDetail{Location: location, Message: message}
	}
	for _, c := range []struct {
		status int
		errs   []error
		want   string
	}{
		{422, []error{detail("query.page_size", "must be at most 100")}, "invalid request: page_size (query parameter): must be at most 100"},
		{422, []error{detail("path.org_id", "too long")}, "invalid request: org_id (path parameter): too long"},
		{422, []error{detail("header.If-Match", "expected a quoted ETag")}, "invalid request: If-Match (header): expected a quoted ETag"},
		{422, []error{detail("body", "expected object")}, "invalid request: body: expected object"},
		{422, []error{detail("cookie.x", "unexpected")}, "invalid request: cookie.x: unexpected"},
		{422, []error{nil, detail("body.name", "expected string"), errors.New("and something else")},
			"invalid request: name: expected string; and something else"},
		{400, []error{detail("query.cursor", "not a page token")}, "bad request: cursor (query parameter): not a page token"},
		{404, nil, "no such route"},
		{422, nil, "validation failed"}, // no field to name: the message alone
	} {
		p := asProblem(t, huma.NewError(c.status, map[int]string{400: "bad request", 404: "no such route", 422: "validation failed"}[c.status], c.errs...))
		if p.Detail != c.want {
			t.Errorf("huma.NewError(%d, %v): detail %q, want %q", c.status, c.errs, p.Detail, c.want)
		}
	}
	if p := asProblem(t, huma.NewError(http.StatusNotFound, "")); p.Detail != "Not Found" {
		t.Errorf("an error without a message has detail %q, want its status text", p.Detail)
	}
	if p := asProblem(t, huma.NewError(422, "", nil, detail("body.name", "expected string"))); len(p.Errors) != 1 {
		t.Errorf("errors %+v, want the one that is not nil", p.Errors)
	}
}

// firstInvalidUTF8 gives the offset of a body's first byte that is not UTF-8, for the 400 that
// refuses the body (it is only called on a body utf8.Valid rejects).
func TestFirstInvalidUTF8(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]int{
		"\xff":               0,
		"ab\xffcd":           2,
		"\u00e9\xff":         2, // after a two-byte character
		"\ufffd\xff":         3, // U+FFFD itself is valid UTF-8
		"a\xe2\x82":          1, // a three-byte character cut short
		"\u00e9t\u00e9 \xc3": 6,
	} {
		if got := firstInvalidUTF8([]byte(body)); got != want {
			t.Errorf("firstInvalidUTF8(%q) = %d, want %d", body, got, want)
		}
	}
}

func TestIdempotencySealing(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest(http.MethodPost, "/api/v1/orgs", nil)
	k := newIdempotencyKey([]byte("server secret"), "user:usr_a", "key-1", r, []byte(`{}`))
	plain := []byte(`{"token":"orgs_ot_very_secret"}`)
	sealed, err := k.seal(plain)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("very_secret")) {
		t.Fatal("the sealed response holds the secret in the clear")
	}
	if got, err := k.open(sealed); err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("open = %q, %v", got, err)
	}
	other := newIdempotencyKey([]byte("server secret"), "user:usr_b", "key-1", r, []byte(`{}`))
	if other.lookup == k.lookup {
		t.Fatal("two principals share a lookup for the same key")
	}
	if _, err := other.open(sealed); err == nil {
		t.Fatal("another principal's key opened the stored response")
	}
	differentBody := newIdempotencyKey([]byte("server secret"), "user:usr_a", "key-1", r, []byte(`{"a":1}`))
	if differentBody.requestHash == k.requestHash || differentBody.lookup != k.lookup {
		t.Fatal("the request hash must change with the body and the lookup must not")
	}
}

// TestIdempotentResponseStoresNoSecret: the stored response of a token create is replayable but the
// database files never hold the token.
func TestIdempotentResponseStoresNoSecret(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	if err := s.Bootstrap(t.Context(), "owner@example.test", "bootstrap-secret-value-of-32-characters", nil); err != nil {
		t.Fatal(err)
	}
	call := func(method, path, body string, header ...string) (int, http.Header, []byte) {
		rec := serve(s, "bootstrap-secret-value-of-32-characters", method, path, body, header...)
		return rec.Code, rec.Header(), rec.Body.Bytes()
	}
	code, _, body := call(http.MethodPost, api.PathOrganizations, `{"name":"o","admin_contact_emails":["o@example.test"]}`)
	if code != http.StatusCreated {
		t.Fatalf("create organization: %d %s", code, body)
	}
	var org api.Organization
	mustUnmarshal(t, body, &org)
	tokens := strings.ReplaceAll(api.PathAPITokens, "{org_id}", org.ID)
	var first, second api.APIToken
	code, _, body = call(http.MethodPost, tokens, `{"name":"ci","role":"member"}`, api.HeaderIdempotencyKey, "k")
	if code != http.StatusCreated {
		t.Fatalf("create token: %d %s", code, body)
	}
	mustUnmarshal(t, body, &first)
	code, hdr, body := call(http.MethodPost, tokens, `{"name":"ci","role":"member"}`, api.HeaderIdempotencyKey, "k")
	mustUnmarshal(t, body, &second)
	if code != http.StatusCreated || hdr.Get(HeaderIdempotentReplayed) != "true" || second.Token != first.Token || second.ID != first.ID {
		t.Fatalf("replay: %d %v %s", code, hdr, body)
	}
	for _, suffix := range []string{"", "-wal"} {
		data, err := os.ReadFile(s.cfg.DBPath + suffix)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{first.Token, "bootstrap-secret-value-of-32-characters"} {
			if bytes.Contains(data, []byte(secret)) {
				t.Errorf("database file %s holds a secret", filepath.Base(s.cfg.DBPath+suffix))
			}
		}
	}
}

// TestNestedWriteJoinsTransaction: a write inside a write shares the request's transaction instead of
// waiting forever for the single writer connection.
// afterCommit waits for the request's commit inside a request (a write that is rolled back must not
// send its invitation), and runs at once outside one.
func TestAfterCommitWaitsForTheRequestsCommit(t *testing.T) {
	t.Parallel()
	ran := false
	st := &writeState{}
	afterCommit(context.WithValue(t.Context(), writeStateKey{}, st), func() { ran = true })
	if ran || len(st.afterCommit) != 1 {
		t.Errorf("inside a request: ran at once %v, %d functions waiting; want it waiting", ran, len(st.afterCommit))
	}
	afterCommit(t.Context(), func() { ran = true })
	if !ran {
		t.Error("outside a request it did not run at once")
	}
}

func TestNestedWriteJoinsTransaction(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	st := &writeState{}
	ctx := context.WithValue(t.Context(), writeStateKey{}, st)
	done := make(chan error, 1)
	go func() {
		done <- s.write(ctx, func(outer *sql.Tx) error {
			return s.write(ctx, func(inner *sql.Tx) error {
				if inner != outer {
					return errors.New("the nested write got another transaction")
				}
				return nil
			})
		})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("nested write deadlocked")
	}
	if st.turn == nil {
		t.Fatal("the request's transaction was not left for the write stage to commit")
	}
	st.turn.Rollback(t.Context())
}

func TestFaultsAreDeterministic(t *testing.T) {
	t.Parallel()
	draws := func(seed int64) []bool {
		f := newFaultInjector(Faults{Fraction503: 0.5, Seed: seed})
		out := make([]bool, 64)
		for i := range out {
			out[i] = f.draw(0.5)
		}
		return out
	}
	a, b, c := draws(7), draws(7), draws(8)
	if !slices.Equal(a, b) {
		t.Fatal("the same seed gave different faults")
	}
	if slices.Equal(a, c) {
		t.Fatal("different seeds gave the same 64 draws")
	}
	hits := 0
	for _, v := range a {
		if v {
			hits++
		}
	}
	if hits < 16 || hits > 48 {
		t.Fatalf("%d of 64 draws hit at fraction 0.5", hits)
	}
	if newFaultInjector(Faults{}).draw(0) {
		t.Fatal("a zero fraction injected a fault")
	}
	// A fault that is off draws nothing, so turning one on does not reshuffle the others.
	f := newFaultInjector(Faults{Seed: 7})
	for i, want := range a {
		if f.draw(0) {
			t.Fatal("a zero fraction injected a fault")
		}
		if got := f.draw(0.5); got != want {
			t.Fatalf("draw %d: %v with a zero-fraction draw before it, %v without", i, got, want)
		}
	}
}

func TestOpenAPIServedMatchesOpenAPI(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, api.PathOpenAPI, nil))
	want, err := OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rec.Body)
	if rec.Code != http.StatusOK || !bytes.Equal(got, want) {
		t.Fatalf("served document (%d, %d bytes) differs from OpenAPI() (%d bytes)", rec.Code, len(got), len(want))
	}
}

func ptr[T any](v T) *T { return &v }

// TestConcurrentWritesAndReads: many clients writing and reading at once all succeed. Writes are
// serialized on the one writer connection and reads run beside them, so no request meets SQLITE_BUSY.
func TestConcurrentWritesAndReads(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	if err := s.Bootstrap(t.Context(), "owner@example.test", "owner-token-of-at-least-32-characters", nil); err != nil {
		t.Fatal(err)
	}
	call := func(method, path, body string) (int, []byte) {
		rec := serve(s, "owner-token-of-at-least-32-characters", method, path, body)
		return rec.Code, rec.Body.Bytes()
	}
	code, body := call(http.MethodPost, api.PathOrganizations, `{"name":"o","plan":"enterprise","admin_contact_emails":["o@example.test"]}`)
	if code != http.StatusCreated {
		t.Fatalf("create organization: %d %s", code, body)
	}
	var org api.Organization
	if err := json.Unmarshal(body, &org); err != nil {
		t.Fatal(err)
	}
	labels := strings.ReplaceAll(api.PathLabels, "{org_id}", org.ID)
	const workers, each = 8, 10
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				if code, body := call(http.MethodPost, labels, fmt.Sprintf(`{"key":"k%d-%d","value":"v"}`, w, i)); code != http.StatusCreated {
					t.Errorf("create label: %d %s", code, body)
				}
				if code, body := call(http.MethodGet, labels+"?page_size=3", ""); code != http.StatusOK {
					t.Errorf("list labels: %d %s", code, body)
				}
			}
		})
	}
	wg.Wait()
	code, body = call(http.MethodGet, labels+"?page_size=1000", "")
	var pg api.Page[api.Label]
	if err := json.Unmarshal(body, &pg); err != nil || code != http.StatusOK {
		t.Fatalf("list labels: %d %s", code, body)
	}
	if len(pg.Items) != workers*each {
		t.Fatalf("%d labels after %d successful creates", len(pg.Items), workers*each)
	}
}

func asProblem(t *testing.T, err huma.StatusError) *problem {
	t.Helper()
	p, ok := err.(*problem)
	if !ok {
		t.Fatalf("huma.NewError made a %T, not the server's *problem", err)
	}
	return p
}

func mustUnmarshal(t *testing.T, body []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
}

// TestServerKey: the key file is created on first start with mode 0600 and reused after; a key file
// others can read, or one of the wrong size, stops the server; a configured key wins over the file.
func TestServerKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := Config{DBPath: filepath.Join(dir, "orgs.db")}
	first, err := serverKey(cfg)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(cfg.DBPath + ".key")
	if err != nil || info.Mode().Perm() != 0o600 || len(first) != seal.KeySize {
		t.Fatalf("key file: %v %v, key of %d bytes", info, err, len(first))
	}
	again, err := serverKey(cfg)
	if err != nil || !bytes.Equal(first, again) {
		t.Fatalf("the key file was not reused: %v", err)
	}
	if err := os.Chmod(cfg.DBPath+".key", 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := serverKey(cfg); err == nil || !strings.Contains(err.Error(), "readable by others") {
		t.Fatalf("a key file readable by others: %v", err)
	}
	short := filepath.Join(dir, "short.key")
	if err := os.WriteFile(short, []byte("c2hvcnQ=\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := serverKey(Config{DBPath: cfg.DBPath, KeyFile: short}); err == nil {
		t.Fatal("a key of the wrong size was accepted")
	}
	if got, err := serverKey(Config{DBPath: cfg.DBPath, SecretKey: first}); err != nil || !bytes.Equal(got, first) {
		t.Fatalf("a configured key: %v", err)
	}
	if _, err := seal.ParseKey("not base64!"); err == nil {
		t.Fatal("ParseSecretKey accepted garbage")
	}
}

// A credential stops working at its expiry instant, not a moment after: a personal token and an
// organization API token alike, each used for the first time at exactly that instant (so read from the
// database, not the authentication cache, which checks expiry on its own).
func TestCredentialsStopAtTheirExpiry(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	s, err := New(Config{DBPath: filepath.Join(t.TempDir(), "orgs.db"), RateLimit: RateLimit{Disabled: true},
		Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	const owner = "owner-token-of-at-least-32-characters"
	if err := s.Bootstrap(t.Context(), "owner@example.test", owner, nil); err != nil {
		t.Fatal(err)
	}
	create := func(path, body string, out any) {
		rec := serve(s, owner, http.MethodPost, path, body)
		if rec.Code != http.StatusCreated {
			t.Fatalf("POST %s: %d %s", path, rec.Code, rec.Body)
		}
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			t.Fatal(err)
		}
	}
	var org api.Organization
	create(api.PathOrganizations, `{"name":"o","plan":"starter","admin_contact_emails":["o@example.test"]}`, &org)
	expiry := now.Add(time.Hour)
	var personal api.PersonalToken
	create(api.PathPersonalTokens, fmt.Sprintf(`{"name":"pat","expires_at":%q}`, expiry.Format(time.RFC3339)), &personal)
	var orgToken api.APIToken
	create(strings.ReplaceAll(api.PathAPITokens, "{org_id}", org.ID),
		fmt.Sprintf(`{"name":"t","role":"admin","expires_at":%q}`, expiry.Format(time.RFC3339)), &orgToken)

	mu.Lock()
	now = expiry
	mu.Unlock()
	orgPath := strings.ReplaceAll(api.PathOrganization, "{org_id}", org.ID)
	for name, token := range map[string]string{"personal token": personal.Token, "organization API token": orgToken.Token} {
		if rec := serve(s, token, http.MethodGet, orgPath, ""); rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), "expired") {
			t.Errorf("a %s at its expiry instant: %d %s; want 401 saying it expired", name, rec.Code, rec.Body)
		}
	}
}
