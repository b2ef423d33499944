package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

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

func ptr[T any](v T) *T { return &v }

func mustUnmarshal(t *testing.T, body []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
}

// TestServerKey: the key file is created on first start with mode 0600 and reused after, and the
// database records its id; a key file others can read, or one of the wrong size, stops the server; a
// configured key is used instead of the file.
func TestServerKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := Config{DBPath: filepath.Join(dir, "orgs.db"), RateLimit: RateLimit{Disabled: true}}
	start := func(cfg Config) (string, error) {
		s, err := New(cfg)
		if err != nil {
			return "", err
		}
		defer s.Close()
		return s.setting(t.Context(), settingSealKeyID)
	}
	recorded, err := start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(cfg.DBPath + ".key")
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", info, err)
	}
	first, err := seal.ReadKeyFile(cfg.DBPath + ".key")
	if err != nil || recorded != seal.KeyID(first) {
		t.Fatalf("the database records key id %q, the key file holds %q (%v)", recorded, seal.KeyID(first), err)
	}
	if _, err := start(cfg); err != nil {
		t.Fatalf("a second start: %v", err)
	}
	if again, err := seal.ReadKeyFile(cfg.DBPath + ".key"); err != nil || !bytes.Equal(first, again) {
		t.Fatalf("the key file was not reused: %v", err)
	}
	if err := os.Chmod(cfg.DBPath+".key", 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := start(cfg); err == nil || !strings.Contains(err.Error(), "readable by others") {
		t.Fatalf("a key file readable by others: %v", err)
	}
	short := filepath.Join(dir, "short.key")
	if err := os.WriteFile(short, []byte("c2hvcnQ=\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	withShort := cfg
	withShort.KeyFile = short
	if _, err := start(withShort); err == nil {
		t.Fatal("a key of the wrong size was accepted")
	}
	configured := cfg
	configured.KeyFile, configured.SecretKey = short, first
	if _, err := start(configured); err != nil {
		t.Fatalf("a configured key, with a broken key file beside it: %v", err)
	}
	if _, err := seal.ParseKey("not base64!"); err == nil {
		t.Fatal("ParseKey accepted garbage")
	}
}
