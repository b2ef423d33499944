package server

import (
	"bytes"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/store"
)

// keyedOperation is a POST operation behind the write stage that changes nothing in the database: it
// counts its runs and answers 201 with a Location and a body, the way a create does.
func keyedOperation(s *Server) (http.Handler, *int) {
	runs := 0
	return s.writes(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.replayIfStored(r.Context(), w, policy{}, access{}, nil) {
			return
		}
		runs++
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Location", "/v1/things/1")
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte(`{"id":"1"}`))
	})), &runs
}

// postWithKey is a call of keyedOperation's POST with an Idempotency-Key (the write stage alone does
// not read the credential).
func postWithKey(h http.Handler, key string) *httptest.ResponseRecorder {
	return serve(h, "", http.MethodPost, "/v1/things", `{}`, api.HeaderIdempotencyKey, key)
}

// A keyed POST that succeeded is stored even when it wrote nothing itself (the write stage then opens a
// transaction only to store it), and its replay carries the first response's headers as well as its
// status and body.
func TestIdempotentReplayOfAWriteThatChangedNothing(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	h, runs := keyedOperation(s)
	first := postWithKey(h, "k1")
	replay := postWithKey(h, "k1")
	if *runs != 1 {
		t.Fatalf("the operation ran %d times for a call and its replay, want 1", *runs)
	}
	if replay.Header().Get(HeaderIdempotentReplayed) != "true" || first.Header().Get(HeaderIdempotentReplayed) != "" {
		t.Errorf("Idempotent-Replayed: first %q, replay %q; want only the replay marked",
			first.Header().Get(HeaderIdempotentReplayed), replay.Header().Get(HeaderIdempotentReplayed))
	}
	if replay.Code != http.StatusCreated || replay.Body.String() != `{"id":"1"}` {
		t.Errorf("replay = %d %s, want the first response", replay.Code, replay.Body)
	}
	for _, name := range []string{"Content-Type", "Location"} {
		if got, want := replay.Header().Get(name), first.Header().Get(name); got != want || want == "" {
			t.Errorf("replayed %s = %q, first response had %q", name, got, want)
		}
	}
}

// Expired idempotency records are deleted by a write that stores one, at most once per
// idempotencySweepEvery; records still within the retention are kept and still replayed.
func TestIdempotencyRecordsAreSweptOncePerInterval(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	ctx := t.Context()
	insert := func(lookup string, age time.Duration) {
		t.Helper()
		err := s.write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO idempotency (lookup, request_hash, response, created_at) VALUES (?, '', x'00', ?)`,
				lookup, store.FormatTime(time.Now().Add(-age)))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	present := func(lookup string) bool {
		t.Helper()
		var n int
		if err := s.reader.QueryRowContext(ctx, `SELECT count(*) FROM idempotency WHERE lookup = ?`, lookup).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	h, runs := keyedOperation(s)
	if postWithKey(h, "recent").Code != http.StatusCreated {
		t.Fatal("first keyed call failed")
	}
	insert("expired", idempotencyRetention+time.Hour)
	insert("within-retention", idempotencyRetention-time.Hour)
	// The first keyed write of this server swept, a moment ago; one a minute later sweeps again.
	s.lastSweep.Store(time.Now().Add(-idempotencySweepEvery - time.Second).UnixNano())
	if postWithKey(h, "sweeps").Code != http.StatusCreated {
		t.Fatal("keyed call failed")
	}
	if present("expired") {
		t.Error("an expired record outlived a sweep")
	}
	if !present("within-retention") {
		t.Error("a record within the retention was swept")
	}
	if replay := postWithKey(h, "recent"); replay.Header().Get(HeaderIdempotentReplayed) != "true" || *runs != 2 {
		t.Errorf("a recent key was not replayed after the sweep (%d runs)", *runs)
	}
	// Within the interval, nothing is swept.
	insert("expired-since", idempotencyRetention+time.Hour)
	if postWithKey(h, "does-not-sweep").Code != http.StatusCreated {
		t.Fatal("keyed call failed")
	}
	if !present("expired-since") {
		t.Error("a second sweep ran within idempotencySweepEvery of the first")
	}
}

// A handler that panics in the middle of its write does not leave the writer held inside its
// savepoint: the panic goes on up (net/http answers it by closing the connection), and the next write
// gets the writer.
func TestPanicInAWriteFreesTheWriter(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	panicking := s.writes(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		_ = s.write(r.Context(), func(*sql.Tx) error { panic("handler bug") })
	}))
	func() {
		defer func() {
			if v := recover(); v != "handler bug" {
				t.Errorf("the handler's panic came out as %v", v)
			}
		}()
		serve(panicking, "", http.MethodPost, "/v1/things", `{}`)
	}()
	h, _ := keyedOperation(s)
	done := make(chan int, 1)
	go func() { done <- postWithKey(h, "after-the-panic").Code }()
	select {
	case code := <-done:
		if code != http.StatusCreated {
			t.Errorf("the write after a panic answered %d, want 201", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the write after a panic still waits for the writer after 10 s")
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
