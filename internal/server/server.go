// Package server is the reference implementation of the organizations API: a real, persisted server
// (SQLite through a pure-Go driver) with authentication, roles, plan limits, idempotent creates,
// optimistic concurrency, rate limiting and fault injection. Tests start it in-process with httptest;
// internal/cmd/orgs-apiserver runs it as a program.
//
// A request goes through, outermost first (New wires the chain):
//
//   - middleware.go: panic recovery (500), the Date header from the server's clock;
//   - faults.go: fault injection (429/503 before anything else, latency);
//   - authenticate.go: the credential resolved to a principal, and the rate limit (package ratelimit)
//     taken from that principal's budget (429), then 401 for a credential that is not valid;
//   - middleware.go: the body read whole, at most api.MaxBodyBytes (413), and valid UTF-8;
//   - writes.go: the write stage: a write runs in one transaction, with its Idempotency-Key
//     (idempotency.go), and its response leaves only once the transaction is committed
//     (store.Committer: group commit, one fsync for many requests);
//   - authorize.go: the operation's policy (404 for an organization the caller cannot see, then 403),
//     checked again inside the write transaction by every write (writeOrg);
//   - operations.go, then the handlers, one file per resource (organizations.go, members.go, ...):
//     the body validated (422) and the handler run.
//
// Mechanisms that stand alone live in packages of their own: store (the database, migrations, group
// commit), ratelimit (token buckets and their headers), seal (the server key and sealed secrets).
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/ratelimit"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/seal"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/store"
)

// Config configures a Server.
type Config struct {
	DBPath string // SQLite file (required)
	// SecretKey seals the secrets the server must use again (registry credentials); seal.KeySize
	// bytes. When empty the key is read from KeyFile, which is created (mode 0600, a new random key) if
	// it does not exist; KeyFile defaults to DBPath + ".key".
	SecretKey     []byte
	KeyFile       string
	Now           func() time.Time          // nil: time.Now; tests inject a fake clock
	RateLimit     RateLimit                 // per user and per client address; zero value = generous default
	Faults        Faults                    // fault injection; zero value = off
	InvitationTTL time.Duration             // 0: 7 days
	OnInvitation  func(api.InvitationEmail) // receives the acceptance code "emailed" to the invitee
	// OnVerification receives the code "emailed" at sign-up, which proves the address.
	OnVerification func(api.VerificationEmail)
	// DNSResolver is the DNS server ("host:port") domain verification resolves TXT records through;
	// "": the system's resolver. Tests point it at a DNS server on loopback.
	DNSResolver string
	// DomainCheckInterval is how often pending domains are checked; 0: DefaultDomainCheckInterval.
	DomainCheckInterval time.Duration
	// AutoAcceptMemberships makes a member added by someone else (POST members) active at once instead
	// of pending until they accept. It gives up the protection pending memberships are for (nobody but
	// the user can use up their organization cap or keep them as a last owner): for local and CI setups
	// only, where every account belongs to the same person.
	AutoAcceptMemberships bool
	// Webhooks configures webhook delivery: retries, timeouts, and whether private targets are allowed.
	Webhooks WebhookDelivery
	Logger   *slog.Logger // nil: discard
}

// RateLimit configures the rate limit per user and per client address (package ratelimit).
type RateLimit = ratelimit.Config

// DefaultInvitationTTL is how long an invitation stays acceptable when Config.InvitationTTL is 0.
const DefaultInvitationTTL = 7 * 24 * time.Hour

// Server is the reference API server. It is an http.Handler.
type Server struct {
	cfg Config
	now func() time.Time
	log *slog.Logger
	db  *store.Store
	// reader runs the reads outside a write transaction, on the read pool.
	reader readPool
	// committer runs every write transaction, committing concurrent ones together.
	committer *store.Committer
	// auth remembers credentials and memberships on the read path until a write changes them.
	auth     *authCache
	handler  http.Handler
	openapi  []byte
	limiter  *ratelimit.Limiter
	faults   *faultInjector
	inflight *inflightKeys
	sealer   *seal.Sealer
	lastUsed *lastUsed
	resolver *net.Resolver
	// lock says, for as long as the server runs, that it runs on its database (store.LockShared).
	lock    *store.ServerLock
	domains domainChecker
	// webhooks sends the deliveries of the webhook outbox.
	webhooks *webhookDeliverer
	// idemSecret is mixed into the keys that encrypt stored idempotent responses.
	idemSecret []byte
	// lastSweep is when expired idempotency records were last deleted (Unix nanoseconds).
	lastSweep atomic.Int64
	closed    sync.Once
	closeErr  error
}

// New opens (creating and migrating if needed) the database and returns a server ready to serve.
func New(cfg Config) (*Server, error) {
	if cfg.DBPath == "" {
		return nil, errors.New("server: Config.DBPath is required")
	}
	if cfg.InvitationTTL < 0 {
		return nil, errors.New("server: Config.InvitationTTL must not be negative")
	}
	if err := cfg.Faults.validate(); err != nil {
		return nil, err
	}
	s := newServer(cfg)
	lock, err := store.LockShared(cfg.DBPath)
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	db, err := store.Open(context.Background(), cfg.DBPath)
	if err != nil {
		_ = lock.Release() // the failure to report is the open's
		return nil, err
	}
	s.lock = lock
	s.useDatabase(db)
	if err := s.startData(context.Background()); err != nil {
		s.committer.Close()
		db.Close()
		_ = lock.Release() // the failure to report is the start's
		return nil, fmt.Errorf("server: %w", err)
	}

	mux := http.NewServeMux()
	humaAPI := s.newAPI(mux)
	doc, err := marshalOpenAPI(humaAPI)
	if err != nil {
		s.committer.Close()
		db.Close()
		return nil, err
	}
	s.openapi = doc
	mux.HandleFunc("GET "+api.PathOpenAPI, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.oai.openapi+json")
		w.Write(s.openapi)
	})

	s.handler = s.recoverPanics(s.dateFromClock(s.injectFaults(s.authenticate(s.limitBody(s.writes(problemsForUnrouted(mux)))))))
	s.lastUsed.start(s)
	s.domains.start(s, s.cfg.DomainCheckInterval)
	s.webhooks.start(s)
	return s, nil
}

func newServer(cfg Config) *Server {
	s := &Server{cfg: cfg, now: cfg.Now, log: cfg.Logger}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.cfg.InvitationTTL == 0 {
		s.cfg.InvitationTTL = DefaultInvitationTTL
	}
	s.limiter = ratelimit.New(cfg.RateLimit)
	s.faults = newFaultInjector(cfg.Faults)
	s.inflight = newInflightKeys()
	s.lastUsed = newLastUsed()
	s.resolver = newResolver(cfg.DNSResolver)
	s.webhooks = newWebhookDeliverer(cfg.Webhooks, s.resolver)
	if s.cfg.DomainCheckInterval <= 0 {
		s.cfg.DomainCheckInterval = DefaultDomainCheckInterval
	}
	return s
}

// useDatabase connects the server to its open database: the prepared reads, and the committer that
// runs every write. The API server and the operator's Admin both go through it.
func (s *Server) useDatabase(db *store.Store) {
	s.db = db
	s.reader = readPool{db.Reader}
	s.auth = newAuthCache()
	authChange := db.Watch(authTables...)
	s.committer = store.NewCommitter(db.Writer, s.log, func() {
		if authChange.Take() {
			s.auth.invalidate()
		}
	})
}

// startData checks the server key against the database and upgrades what the database holds, in that
// order: nothing is written before the key is known to be the database's.
func (s *Server) startData(ctx context.Context) error {
	if err := s.useServerKey(ctx); err != nil {
		return err
	}
	return s.upgradeData(ctx)
}

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Close closes the database. Call it after the HTTP server has stopped sending requests.
func (s *Server) Close() error {
	s.closed.Do(func() {
		s.webhooks.close()
		s.domains.close()
		usedErr := s.lastUsed.close(s)
		s.committer.Close()
		s.closeErr = errors.Join(usedErr, s.db.Close(), s.lock.Release())
	})
	return s.closeErr
}
