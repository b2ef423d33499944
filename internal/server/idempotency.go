package server

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/store"
)

// HeaderIdempotentReplayed marks a response that replays the stored response to an earlier request
// with the same Idempotency-Key.
const HeaderIdempotentReplayed = "Idempotent-Replayed"

// idempotencyRetention is how long a key's response is kept for replays.
const idempotencyRetention = 24 * time.Hour

const maxIdempotencyKeyLength = 255

// storedResponse is what a replay sends back. Only successful responses are stored: a refused request
// changed nothing, so running it again is harmless and may succeed.
type storedResponse struct {
	Status int         `json:"status"`
	Header http.Header `json:"header"`
	Body   []byte      `json:"body"`
}

// replayedHeaders are the response headers worth replaying.
var replayedHeaders = []string{"Content-Type", api.HeaderETag, "Location"}

// inflightKeys are the idempotency keys whose first request is still running in this process.
type inflightKeys struct {
	mu   sync.Mutex
	keys map[string]bool
}

func newInflightKeys() *inflightKeys { return &inflightKeys{keys: map[string]bool{}} }

func (k *inflightKeys) claim(key string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.keys[key] {
		return false
	}
	k.keys[key] = true
	return true
}

func (k *inflightKeys) release(key string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.keys, key)
}

// idempotencyPrincipal scopes keys to the caller. A caller without a credential has nothing of its own
// but the request: its key is scoped to the exact request (method, path and body), so only someone who
// sends the very same body, which for accepting an invitation holds the single-use code, finds its
// response. An address would not do: everyone behind one proxy shares it. (Sign-up, whose body holds
// nothing secret, takes no key at all: see replayIfStored.)
func idempotencyPrincipal(r *http.Request) string {
	p := principalFrom(r.Context())
	if p.kind != anonymous {
		return p.key()
	}
	sum := sha256.Sum256([]byte(r.Method + " " + r.URL.EscapedPath() + "?" + r.URL.RawQuery + "\n" + string(requestBody(r))))
	return "anonymous:" + hex.EncodeToString(sum[:])
}

// replayIfStored runs once the request passed its operation's authorization: it answers with the
// stored response of the request's Idempotency-Key, if any (reporting true), or the 422 of a key
// reused for another request. The stored response is sent only if the operation's replay rules
// (policy.replayRule: the handler's own rules, with the caller's standing of now) still allow the
// request; otherwise it runs again and gets today's answer. An operation that declines keys (noReplay)
// runs as if none was sent: its response is never stored, so no one can replay it.
func (s *Server) replayIfStored(ctx context.Context, w http.ResponseWriter, pol policy, a access, body []byte) bool {
	st, _ := ctx.Value(writeStateKey{}).(*writeState)
	if st == nil || st.idem == nil {
		return false
	}
	if pol.noReplay {
		st.idem = nil
		return false
	}
	stored, err := s.loadIdempotent(ctx, st.idem)
	if err != nil {
		var prob *problem
		if errors.As(err, &prob) {
			writeProblem(w, prob)
			st.replayed = true
			return true
		}
		s.internalError(w, "load idempotency record", err)
		st.replayed = true
		return true
	}
	if stored == nil {
		return false
	}
	if pol.replayRule != nil && pol.replayRule(ctx, s, a, body) != nil {
		// Not allowed today: the request runs again, unstored, and its handler gives today's answer.
		st.idem = nil
		return false
	}
	for k, v := range stored.Header {
		w.Header()[k] = v
	}
	w.Header().Set(HeaderIdempotentReplayed, "true")
	w.WriteHeader(stored.Status)
	w.Write(stored.Body)
	st.replayed = true
	return true
}

func (s *Server) internalError(w http.ResponseWriter, what string, err error) {
	s.log.Error(what, "error", err)
	writeProblem(w, newProblem(http.StatusInternalServerError, api.ProblemInternal, "internal error; the server logged the details"))
}

func invalidHeader(name, msg string) *problem {
	p := newProblem(http.StatusUnprocessableEntity, api.ProblemInvalid, "%s header: %s", name, msg)
	p.Errors = []api.ProblemError{{Message: msg, Location: "header." + name}}
	return p
}

// idempotencyKey is one request's key, reduced to what the database may hold: a lookup hash, a hash of
// the request, and an encryption key for the stored response that only a holder of the key and the
// credential can derive. (A stored response may carry a secret shown once, such as a new token, and the
// database must never hold a secret in the clear.)
type idempotencyKey struct {
	lookup      string
	requestHash string
	cipherKey   []byte
}

// The encryption key also mixes in the server's secret (derived from the server key), so that a copy
// of the database does not open stored responses by guessing Idempotency-Keys.
func newIdempotencyKey(serverSecret []byte, principalKey, key string, r *http.Request, body []byte) *idempotencyKey {
	sum := func(parts ...string) []byte {
		h := sha256.New()
		for _, p := range parts {
			h.Write([]byte(strconv.Itoa(len(p))))
			h.Write([]byte{':'})
			h.Write([]byte(p))
		}
		return h.Sum(nil)
	}
	lookup := sum("lookup", principalKey, key)
	request := sum("request", r.Method, r.URL.EscapedPath(), r.URL.RawQuery, string(body))
	return &idempotencyKey{
		lookup:      hex.EncodeToString(lookup),
		requestHash: hex.EncodeToString(request),
		cipherKey:   sum("cipher", string(serverSecret), principalKey, key),
	}
}

func (k *idempotencyKey) seal(plain []byte) ([]byte, error) {
	gcm, err := k.aead()
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize())
	rand.Read(nonce)
	return gcm.Seal(nonce, nonce, plain, []byte(k.lookup)), nil
}

func (k *idempotencyKey) open(sealed []byte) ([]byte, error) {
	gcm, err := k.aead()
	if err != nil {
		return nil, err
	}
	if len(sealed) < gcm.NonceSize() {
		return nil, errors.New("stored response is truncated")
	}
	return gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], []byte(k.lookup))
}

func (k *idempotencyKey) aead() (cipher.AEAD, error) {
	block, err := aes.NewCipher(k.cipherKey)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func (s *Server) loadIdempotent(ctx context.Context, k *idempotencyKey) (*storedResponse, error) {
	var requestHash string
	var sealed []byte
	err := s.reader.QueryRowContext(ctx, `SELECT request_hash, response FROM idempotency WHERE lookup = ? AND created_at > ?`,
		k.lookup, store.FormatTime(time.Now().Add(-idempotencyRetention))).Scan(&requestHash, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if requestHash != k.requestHash {
		return nil, newProblem(http.StatusUnprocessableEntity, api.ProblemIdempotencyReused,
			"this Idempotency-Key was already used for a different request; use a new key for a new request")
	}
	plain, err := k.open(sealed)
	if err != nil {
		return nil, fmt.Errorf("decrypt stored response: %w", err)
	}
	var resp storedResponse
	if err := json.Unmarshal(plain, &resp); err != nil {
		return nil, fmt.Errorf("decode stored response: %w", err)
	}
	return &resp, nil
}

func (s *Server) storeIdempotent(ctx context.Context, tx *sql.Tx, k *idempotencyKey, rec *responseRecorder) error {
	resp := storedResponse{Status: rec.status, Header: http.Header{}, Body: rec.body.Bytes()}
	for _, h := range replayedHeaders {
		if v := rec.header.Values(h); len(v) > 0 {
			resp.Header[h] = v
		}
	}
	plain, err := json.Marshal(resp)
	if err != nil {
		return err
	}
	sealed, err := k.seal(plain)
	if err != nil {
		return err
	}
	// Wall-clock time, not the configurable clock: retention is about the server's storage, and a
	// test's fake clock must not make keys vanish or live forever.
	now := time.Now()
	if err := s.sweepIdempotency(ctx, tx, now); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT OR REPLACE INTO idempotency (lookup, request_hash, response, created_at) VALUES (?, ?, ?, ?)`,
		k.lookup, k.requestHash, sealed, store.FormatTime(now))
	return err
}

// idempotencySweepEvery is how often expired idempotency records are deleted, and
// idempotencySweepBatch how many at most at a time. Expired records are never replayed (loadIdempotent
// looks only within the retention), so deleting them is only about space: a write that stores a record
// sweeps at most once per interval, and a bounded batch, instead of scanning on every write.
const (
	idempotencySweepEvery = time.Minute
	idempotencySweepBatch = 1000
)

func (s *Server) sweepIdempotency(ctx context.Context, tx *sql.Tx, now time.Time) error {
	last := s.lastSweep.Load()
	if now.UnixNano()-last < int64(idempotencySweepEvery) || !s.lastSweep.CompareAndSwap(last, now.UnixNano()) {
		return nil
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM idempotency WHERE lookup IN
		(SELECT lookup FROM idempotency WHERE created_at <= ? ORDER BY created_at LIMIT ?)`,
		store.FormatTime(now.Add(-idempotencyRetention)), idempotencySweepBatch)
	if err != nil {
		return fmt.Errorf("sweep expired idempotency records: %w", err)
	}
	return nil
}
