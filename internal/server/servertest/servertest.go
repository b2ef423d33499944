// Package servertest starts the reference server for tests: in-process, on a temporary database,
// behind httptest, with an owner bootstrapped, and stopped when the test ends. It is the one place
// that does this: the server's own tests, the client's integration tests and benchmarks, and the
// provider's acceptance tests (through acctest) all start their server here, so every test gets its
// own server and they run in parallel.
package servertest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server"
)

// Server is one test's reference server.
type Server struct {
	// URL is the server's base URL.
	URL string
	// DBPath is its SQLite file, for tests that open it again (restarts, the operator's commands).
	DBPath string
	// Server is the server itself, for tests that need its hooks.
	Server *server.Server
	// OwnerEmail and OwnerToken are the bootstrapped owner and their personal access token ("" with
	// WithDatabase).
	OwnerEmail string
	OwnerToken string
	// Config is the configuration the server was started with.
	Config server.Config

	// handler is what the HTTP server serves: the reference server behind the test's wrappers, swapped
	// by Restart.
	handler atomic.Pointer[http.Handler]
	wraps   []func(http.Handler) http.Handler
}

// Option adjusts the server a test starts.
type Option func(*settings)

type settings struct {
	cfg        server.Config
	owner      string
	ownerToken string
	seedUsers  []string
	noOwner    bool
	wraps      []func(http.Handler) http.Handler
}

// WithConfig changes the server's configuration.
func WithConfig(change func(*server.Config)) Option { return func(s *settings) { change(&s.cfg) } }

// WithFaults injects faults (429s, 503s, responses lost after commit, latency) into every request.
func WithFaults(f server.Faults) Option { return WithConfig(func(c *server.Config) { c.Faults = f }) }

// WithClock replaces the server's clock, for expiry.
func WithClock(now func() time.Time) Option {
	return WithConfig(func(c *server.Config) { c.Now = now })
}

// WithRateLimit turns the server's rate limit on, at its defaults unless limit says otherwise.
func WithRateLimit(limit server.RateLimit) Option {
	return WithConfig(func(c *server.Config) { c.RateLimit = limit })
}

// WithInvitationHook receives every invitation the server "emails", with its acceptance code.
func WithInvitationHook(hook func(api.InvitationEmail)) Option {
	return WithConfig(func(c *server.Config) { c.OnInvitation = hook })
}

// WithVerificationHook receives every sign-up verification code the server "emails".
func WithVerificationHook(hook func(api.VerificationEmail)) Option {
	return WithConfig(func(c *server.Config) { c.OnVerification = hook })
}

// WithInvitationTTL sets how long invitations stay acceptable.
func WithInvitationTTL(ttl time.Duration) Option {
	return WithConfig(func(c *server.Config) { c.InvitationTTL = ttl })
}

// WithAutoAcceptMemberships makes a member added by someone else active at once.
func WithAutoAcceptMemberships() Option {
	return WithConfig(func(c *server.Config) { c.AutoAcceptMemberships = true })
}

// WithDNS points the server's domain verification at a test DNS server (StartDNS).
func WithDNS(d *DNS) Option {
	return WithConfig(func(c *server.Config) { c.DNSResolver = d.Addr })
}

// WithOwner bootstraps the owner with this address and token instead of owner@example.com and a
// random token, and makes the seed users exist (in the bootstrap's one transaction: much faster than
// signing thousands up).
func WithOwner(email, token string, seedUsers ...string) Option {
	return func(s *settings) { s.owner, s.ownerToken, s.seedUsers = email, token, seedUsers }
}

// WithPrivateWebhookTargets lets webhooks deliver to loopback and private addresses, where a test's
// receiver listens.
func WithPrivateWebhookTargets() Option {
	return WithConfig(func(c *server.Config) { c.Webhooks.AllowPrivateTargets = true })
}

// WithWebhookRetry makes webhook retries fast: the first after first, doubling up to maxWait, attempts
// in all; each attempt times out after timeout (0: the server's default).
func WithWebhookRetry(first, maxWait time.Duration, attempts int, timeout time.Duration) Option {
	return WithConfig(func(c *server.Config) {
		c.Webhooks.FirstRetry, c.Webhooks.MaxRetryWait, c.Webhooks.MaxAttempts, c.Webhooks.Timeout = first, maxWait, attempts, timeout
	})
}

// WithDatabase starts the server on an existing database file (to restart a server, or to open one
// of an older schema), without bootstrapping anyone.
func WithDatabase(path string) Option {
	return func(s *settings) { s.cfg.DBPath, s.noOwner = path, true }
}

// WithHandler puts wrap between the HTTP server and the reference server: to count requests, hold
// them back, or lose their answers. Each WithHandler adds a wrapper; the first given sees a request
// first, so a counter a test kit installs still counts what a test's own wrapper then does.
func WithHandler(wrap func(http.Handler) http.Handler) Option {
	return func(s *settings) { s.wraps = append(s.wraps, wrap) }
}

// Start starts a reference server on a temporary database behind httptest, bootstraps its owner (unless
// WithDatabase), and
// stops both when the test ends. Rate limiting is off unless an option turns it back on, so that tests
// making many calls measure what they are about, not the limiter. Connections come through
// server.Listener, as in the real program.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s := settings{
		cfg:   server.Config{DBPath: filepath.Join(tb.TempDir(), "orgs.db"), RateLimit: server.RateLimit{Disabled: true}},
		owner: "owner@example.com",
	}
	for _, opt := range opts {
		opt(&s)
	}
	if s.ownerToken == "" {
		s.ownerToken = "orgs_pat_" + RandomHex(tb, 20)
	}
	srv, err := server.New(s.cfg)
	if err != nil {
		tb.Fatalf("start the reference server: %v", err)
	}
	// Cleanups run last-registered first: stop serving, then close the database.
	tb.Cleanup(func() {
		if err := srv.Close(); err != nil {
			tb.Errorf("close the reference server: %v", err)
		}
	})
	if !s.noOwner {
		if err := srv.Bootstrap(context.Background(), s.owner, s.ownerToken, s.seedUsers); err != nil {
			tb.Fatalf("bootstrap the owner: %v", err)
		}
	}
	out := &Server{DBPath: s.cfg.DBPath, Server: srv, Config: s.cfg, wraps: s.wraps}
	out.serve(srv)
	hs := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*out.handler.Load()).ServeHTTP(w, r) }))
	hs.Listener = server.Listener(hs.Listener)
	hs.Start()
	tb.Cleanup(hs.Close)
	out.URL = hs.URL
	if !s.noOwner {
		out.OwnerEmail, out.OwnerToken = s.owner, s.ownerToken
	}
	return out
}

// serve makes srv, behind the test's wrappers, what the HTTP server serves.
func (s *Server) serve(srv http.Handler) {
	h := srv
	for i := len(s.wraps) - 1; i >= 0; i-- {
		h = s.wraps[i](h)
	}
	s.handler.Store(&h)
}

// Restart stops the reference server and starts it again on the same database, at the same URL, as
// an operator's restart would: what it had acknowledged must be there, and its background work (domain
// checks, webhook deliveries) must carry on. While it restarts, requests are answered 503 with
// Retry-After, which clients retry.
func (s *Server) Restart(tb testing.TB) {
	tb.Helper()
	s.handler.Store(&unavailable)
	if err := s.Server.Close(); err != nil {
		tb.Fatalf("restart: close the reference server: %v", err)
	}
	srv, err := server.New(s.Config)
	if err != nil {
		tb.Fatalf("restart: start the reference server again: %v", err)
	}
	tb.Cleanup(func() {
		// This runs before the HTTP server stops (cleanups run last-registered first): requests that
		// still arrive get a 503, not a closed database.
		s.handler.Store(&unavailable)
		if err := srv.Close(); err != nil {
			tb.Errorf("close the restarted reference server: %v", err)
		}
	})
	s.Server = srv
	s.serve(srv)
}

// unavailable answers while the reference server restarts: a 503 problem with Retry-After.
var unavailable http.Handler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set(api.HeaderRetryAfter, "1")
	w.Header().Set("Content-Type", api.ContentTypeError)
	w.WriteHeader(http.StatusServiceUnavailable)
	fmt.Fprintf(w, `{"type":%q,"title":"Service Unavailable","status":503,"detail":"the server is restarting; retry"}`, api.ProblemUnavailable)
})

// RandomHex is n random bytes in hex, for unique names and tokens.
func RandomHex(tb testing.TB, n int) string {
	tb.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		tb.Fatalf("random: %v", err)
	}
	return hex.EncodeToString(b)
}

// Clock is a server clock the test moves forward. Each reading moves it on by its step (zero: it
// stands still), so that objects written one after the other can get distinct timestamps, as on a real
// clock; Advance jumps it forward to expire things without waiting.
type Clock struct {
	mu   sync.Mutex
	now  time.Time
	step time.Duration
}

// NewClock is a clock at start that moves on by step at each reading.
func NewClock(start time.Time, step time.Duration) *Clock {
	return &Clock{now: start.UTC(), step: step}
}

// Now reads the clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(c.step)
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// LogBuffer collects a server's log output, which it writes from many goroutines.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Logger is a debug-level text logger writing to b.
func (b *LogBuffer) Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// StatusRecorder passes a response through and remembers its status.
type StatusRecorder struct {
	http.ResponseWriter
	Status int
}

// NewStatusRecorder records w's status, 200 until a handler sets another.
func NewStatusRecorder(w http.ResponseWriter) *StatusRecorder {
	return &StatusRecorder{ResponseWriter: w, Status: http.StatusOK}
}

func (r *StatusRecorder) WriteHeader(status int) {
	r.Status = status
	r.ResponseWriter.WriteHeader(status)
}

// Unwrap lets http.ResponseController reach the real writer.
func (r *StatusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
