package client

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

const testToken = "tok_client_credential_7f3a9c"

// newTestClient starts an httptest server with h and returns a client for it with fast backoff.
func newTestClient(t *testing.T, h http.HandlerFunc, mods ...func(*Config)) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg := Config{
		Endpoint:     srv.URL,
		Token:        testToken,
		UserAgent:    "terraform-provider-orgs/test",
		MaxRetries:   3,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 20 * time.Millisecond,
	}
	for _, m := range mods {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", api.ContentTypeJSON)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeProblem(w http.ResponseWriter, status int, typ, detail string) {
	w.Header().Set("Content-Type", api.ContentTypeError)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(api.Problem{Type: typ, Title: http.StatusText(status), Status: status, Detail: detail})
}

// dropConnection closes the connection without answering, as a crashed server or a proxy would.
func dropConnection(t *testing.T, w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		t.Error("response writer cannot hijack")
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return
	}
	conn.Close()
}

// recorder counts what a test server receives; handlers run on other goroutines.
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	method, path, rawPath, query string
	header                       http.Header
	body                         []byte
}

func (r *recorder) add(req *http.Request) int {
	var body bytes.Buffer
	_, _ = body.ReadFrom(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = append(r.reqs, recorded{
		method: req.Method, path: req.URL.Path, rawPath: req.URL.EscapedPath(), query: req.URL.RawQuery,
		header: req.Header.Clone(), body: body.Bytes(),
	})
	return len(r.reqs)
}

func (r *recorder) all() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.reqs...)
}

// logCapture is a context whose tflog output lands in a buffer, at TRACE.
type logCapture struct {
	ctx context.Context
	buf *bytes.Buffer
}

func newLogCapture() logCapture {
	var buf bytes.Buffer
	return logCapture{ctx: tflogtest.RootLogger(context.Background(), &buf), buf: &buf}
}

func (l logCapture) entries(t *testing.T) []map[string]any {
	t.Helper()
	entries, err := tflogtest.MultilineJSONDecode(bytes.NewReader(l.buf.Bytes()))
	if err != nil {
		t.Fatalf("decode logs: %v", err)
	}
	return entries
}

// signalWriter closes seen the first time a log line holding match is written.
type signalWriter struct {
	match string
	seen  chan struct{}
	once  sync.Once
}

func (w *signalWriter) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte(w.match)) {
		w.once.Do(func() { close(w.seen) })
	}
	return len(p), nil
}
