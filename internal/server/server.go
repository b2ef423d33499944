// Package server is the reference implementation of the organizations API: a real, persisted server
// (SQLite through a pure-Go driver) with authentication, roles, plan limits, idempotent creates,
// optimistic concurrency, rate limiting and fault injection. Tests start it in-process with httptest;
// internal/cmd/orgs-apiserver runs it as a program.
//
// A request goes through, outermost first: panic recovery, fault injection (answers 429/503 before
// anything else, adds latency), authentication with the rate limit (429 per user or client address,
// then 401), the body size limit (413),
// the write stage (idempotency keys, one transaction committed before the response is written,
// commit-then-503 faults), and finally the routes, where the organization check (404, then 403)
// runs before the body is validated (422) and the handler runs.
package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/store"
)

// Config configures a Server.
type Config struct {
	DBPath string // SQLite file (required)
	// SecretKey seals the secrets the server must use again (registry credentials); SecretKeySize
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
	// AutoAcceptMemberships makes a member added by someone else (POST members) active at once instead
	// of pending until they accept. It gives up the protection pending memberships are for (nobody but
	// the user can use up their organization cap or keep them as a last owner): for local and CI setups
	// only, where every account belongs to the same person.
	AutoAcceptMemberships bool
	Logger                *slog.Logger // nil: discard
}

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
	committer *committer
	// auth remembers credentials and memberships on the read path until a write changes them.
	auth     *authCache
	handler  http.Handler
	openapi  []byte
	limiter  *rateLimiter
	faults   *faultInjector
	inflight *inflightKeys
	sealer   *sealer
	lastUsed *lastUsed
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
	key, err := loadKey(cfg)
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	if s.sealer, err = newSealer(key); err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	idem := sha256.Sum256(append([]byte("orgs idempotency responses\n"), key...))
	s.idemSecret = idem[:]
	db, err := store.Open(context.Background(), cfg.DBPath)
	if err != nil {
		return nil, err
	}
	s.useDatabase(db)
	if err := s.sealLegacySecrets(context.Background()); err != nil {
		s.committer.close()
		db.Close()
		return nil, fmt.Errorf("server: %w", err)
	}

	mux := http.NewServeMux()
	humaAPI := s.newAPI(mux)
	doc, err := marshalOpenAPI(humaAPI)
	if err != nil {
		s.committer.close()
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
	s.limiter = newRateLimiter(cfg.RateLimit)
	s.faults = newFaultInjector(cfg.Faults)
	s.inflight = newInflightKeys()
	s.lastUsed = newLastUsed()
	return s
}

// useDatabase connects the server to its open database: the prepared reads, and the committer that
// runs every write. The API server and the operator's Admin both go through it.
func (s *Server) useDatabase(db *store.Store) {
	s.db = db
	s.reader = readPool{db.Reader}
	s.auth = newAuthCache()
	authChange := db.Watch(authTables...)
	s.committer = newCommitter(db.Writer, s.log, func() {
		if authChange.Take() {
			s.auth.invalidate()
		}
	})
}

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Close closes the database. Call it after the HTTP server has stopped sending requests.
func (s *Server) Close() error {
	s.closed.Do(func() {
		usedErr := s.lastUsed.close(s)
		s.committer.close()
		s.closeErr = errors.Join(usedErr, s.db.Close())
	})
	return s.closeErr
}

// OpenAPI returns the OpenAPI 3.1 document of the API (JSON), exactly as the server serves it at
// api.PathOpenAPI. It needs no database.
func OpenAPI() ([]byte, error) {
	s := newServer(Config{})
	return marshalOpenAPI(s.newAPI(http.NewServeMux()))
}

func marshalOpenAPI(a huma.API) ([]byte, error) {
	doc, err := json.MarshalIndent(a.OpenAPI(), "", "  ")
	if err != nil {
		return nil, fmt.Errorf("marshal OpenAPI document: %w", err)
	}
	return append(doc, '\n'), nil
}

// newAPI builds the huma API on mux and registers every operation.
func (s *Server) newAPI(mux *http.ServeMux) huma.API {
	config := huma.DefaultConfig("Organizations API", "1.0.0")
	config.Info.Description = "The organization API of the terraform-provider-orgs reference server: organizations, " +
		"members, invitations, API tokens, container registries, labels, environments, usage and activity. " +
		"Authenticate with `Authorization: Bearer <token>` (a personal access token or an organization API token). " +
		"Errors are RFC 9457 problem documents (application/problem+json) with a stable `type`."
	// The document is served by the server itself at api.PathOpenAPI; huma's docs UI, schema routes and
	// the $schema links it adds to every response body are not wanted.
	config.OpenAPIPath = ""
	config.DocsPath = ""
	config.SchemasPath = ""
	config.CreateHooks = nil
	config.Formats = map[string]huma.Format{"application/json": jsonFormat, "json": jsonFormat}
	config.Transformers = append(config.Transformers, sendWithETag)
	config.RejectUnknownQueryParameters = true
	config.Info.License = &huma.License{Name: "MPL-2.0", Identifier: "MPL-2.0"}
	// Where `make server` and the program's default -listen put it; a client points at its own.
	config.Servers = []*huma.Server{{URL: "http://127.0.0.1:8080", Description: "A local reference server (orgs-apiserver's default address)."}}
	config.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		securityScheme: {Type: "http", Scheme: "bearer", Description: "A personal access token (orgs_pat_...) or an organization API token (orgs_ot_...)."},
	}
	registerEnumSchemas(config.Components.Schemas)
	a := humago.New(mux, config)
	a.UseMiddleware(s.checkAccess)
	s.registerUsers(a)
	s.registerOrganizations(a)
	s.registerMembers(a)
	s.registerInvitations(a)
	s.registerAPITokens(a)
	s.registerContainerRegistries(a)
	s.registerLabels(a)
	s.registerEnvironments(a)
	s.registerUsage(a)
	s.registerActivity(a)
	return a
}

// recoverPanics turns a panic into a 500 problem (logged with its stack) so that no input can take the
// server down or leave a client without an answer.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(v)
				}
				s.log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				writeProblem(w, newProblem(http.StatusInternalServerError, api.ProblemInternal, "internal error; the server logged the details"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// dateFromClock sets every response's Date from the server's clock (net/http would use the machine's):
// clients compare times the server returns (expires_at) with the server's now, so the Date they see must
// be that now, with an injected clock in tests as in production.
func (s *Server) dateFromClock(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", s.now().UTC().Format(http.TimeFormat))
		next.ServeHTTP(w, r)
	})
}

// limitBody reads the whole body (at most api.MaxBodyBytes) before anything else looks at it, so an
// oversized body is a 413 wherever it is sent, and the idempotency stage can hash the exact bytes.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, api.MaxBodyBytes))
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				writeProblem(w, newProblem(http.StatusRequestEntityTooLarge, api.ProblemTooLarge, "the request body is larger than %d bytes", api.MaxBodyBytes))
				return
			}
			writeProblem(w, newProblem(http.StatusBadRequest, api.ProblemMalformed, "the request body could not be read: %v", err))
			return
		}
		// encoding/json would read invalid UTF-8 as U+FFFD and the server would store a name nobody sent.
		if !utf8.Valid(body) {
			writeProblem(w, newProblem(http.StatusBadRequest, api.ProblemMalformed, "the request body is not valid UTF-8 (the first bad byte is at offset %d)", firstInvalidUTF8(body)))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r = r.WithContext(context.WithValue(r.Context(), bodyKey{}, body))
		next.ServeHTTP(w, r)
	})
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// cleanPath is the canonical form of p, as the mux computes it: path.Clean, keeping a trailing slash.
func cleanPath(p string) string {
	np := path.Clean(p)
	if strings.HasSuffix(p, "/") && np != "/" {
		np += "/"
	}
	return np
}

type bodyKey struct{}

func requestBody(r *http.Request) []byte {
	b, _ := r.Context().Value(bodyKey{}).([]byte)
	return b
}

// problemsForUnrouted gives requests no route matches (404, 405) a problem document instead of the
// mux's plain-text answer.
func problemsForUnrouted(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The mux would redirect a path with '.', '..' or empty segments to its cleaned form. Paths name
		// objects exactly as sent; such a path is a malformed request, not a move.
		if p := r.URL.Path; p != "" && cleanPath(p) != p {
			writeProblem(w, newProblem(http.StatusBadRequest, api.ProblemMalformed,
				"the path %q is not in canonical form (it has '.', '..' or empty segments); send the path itself", r.URL.EscapedPath()))
			return
		}
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code < 400 {
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			w.Write(rec.Body.Bytes())
			return
		}
		if allow := rec.Header().Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		detail := fmt.Sprintf("no such route: %s %s", r.Method, r.URL.Path)
		if rec.Code == http.StatusMethodNotAllowed {
			detail = fmt.Sprintf("method %s is not allowed on %s", r.Method, r.URL.Path)
		}
		writeProblem(w, newProblem(rec.Code, problemTypeFor(rec.Code), "%s", detail))
	})
}
