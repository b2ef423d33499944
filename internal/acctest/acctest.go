// Package acctest runs the provider's acceptance tests against an in-process reference server: every
// test gets its own server, database and owner, so tests run in parallel and need no environment
// beyond what terraform-plugin-testing reads (TF_ACC, TF_ACC_TERRAFORM_PATH, ...).
package acctest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
	"github.com/orgs-dev/terraform-provider-orgs/internal/provider"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/servertest"
)

// ProtoV6ProviderFactories serves the provider in-process to terraform-plugin-testing under the name
// "orgs". Each call builds a fresh provider, so tests share nothing through it.
var ProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"orgs": providerserver.NewProtocol6WithError(provider.New("test")()),
}

// Env is one test's reference server and the owner user bootstrapped in it.
type Env struct {
	// Endpoint is the server's base URL, for the provider block.
	Endpoint string
	// Token is the owner's personal access token.
	Token string
	// OwnerEmail is the owner's address.
	OwnerEmail string
	// Client is authenticated as the owner: for CheckDestroy, for changes behind Terraform's back and
	// for checking what the server holds.
	Client *client.Client
	// Server is the server itself, for tests that need its hooks.
	Server *server.Server
	// DNS is the DNS server the reference server verifies domains through (a test's own: SetTXT
	// publishes a verification record, or PublishVerificationRecords all of them). No test's domain is
	// ever looked up on the real DNS.
	DNS *servertest.DNS
	// srv is the running reference server, for Restart.
	srv *servertest.Server
	// publishRecords: see PublishVerificationRecords.
	publishRecords atomic.Bool

	requests atomic.Int64
	limited  atomic.Int64
	latency  atomic.Int64 // a time.Duration added before each request from now on

	mu            sync.Mutex
	arrivals      []time.Time // when each request reached the server
	paths         []string    // the path of each request, in the same order
	delayed       []DelayedRequest
	verifications map[string]string // user id -> the code the server emailed at sign-up
}

// DelayedRequest is a request held back by SetLatency, and how long its client waited for it.
type DelayedRequest struct {
	Method, Path string
	// Waited is how long the request was held before the client hung up, or the whole latency.
	Waited time.Duration
	GaveUp bool // the client hung up before the latency ran out
}

// DelayedRequests returns the requests held back by SetLatency so far.
func (e *Env) DelayedRequests() []DelayedRequest {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]DelayedRequest(nil), e.delayed...)
}

// SetLatency delays every request that reaches the server from now on by d (until the client gives up),
// for tests of timeouts after a quick setup.
func (e *Env) SetLatency(d time.Duration) { e.latency.Store(int64(d)) }

// Requests returns how many requests reached the server so far, and how many of them it answered 429.
func (e *Env) Requests() (total, tooMany int64) { return e.requests.Load(), e.limited.Load() }

// Arrivals returns when each request reached the server, in order, from since on: to measure a
// client's request rate where the server sees it.
func (e *Env) Arrivals(since time.Time) []time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []time.Time
	for _, at := range e.arrivals {
		if !at.Before(since) {
			out = append(out, at)
		}
	}
	return out
}

// RequestsTo returns how many requests reached the server so far whose path ends with suffix (such as
// "/activity"): to count what a command asked of one part of the API.
func (e *Env) RequestsTo(suffix string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, p := range e.paths {
		if strings.HasSuffix(p, suffix) {
			n++
		}
	}
	return n
}

// count is the server's handler, counting requests and 429s.
func (e *Env) count(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.arrivals = append(e.arrivals, time.Now())
		e.paths = append(e.paths, r.URL.Path)
		e.mu.Unlock()
		e.requests.Add(1)
		if d := time.Duration(e.latency.Load()); d > 0 {
			// Read the body first: only then does net/http watch the connection, and end the request's
			// context when the client hangs up.
			body, err := io.ReadAll(r.Body)
			if err != nil {
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			start := time.Now()
			gaveUp := false
			select {
			case <-time.After(d):
			case <-r.Context().Done():
				gaveUp = true
			}
			e.mu.Lock()
			e.delayed = append(e.delayed, DelayedRequest{Method: r.Method, Path: r.URL.Path, Waited: time.Since(start), GaveUp: gaveUp})
			e.mu.Unlock()
			if gaveUp {
				return // there is no one to answer
			}
		}
		rec := servertest.NewStatusRecorder(w)
		next.ServeHTTP(rec, r)
		if rec.Status == http.StatusTooManyRequests {
			e.limited.Add(1)
		}
	})
}

// Option adjusts the server a test starts: any of servertest's options.
type Option = servertest.Option

// WithPendingMemberships keeps the server's default: a member added by someone else is pending until
// they accept. Without it, New turns Config.AutoAcceptMemberships on, so that adding a signed-up user
// makes an active member at once, as the provider's tests expect of a test server.
func WithPendingMemberships() Option {
	return servertest.WithConfig(func(c *server.Config) { c.AutoAcceptMemberships = false })
}

// New starts a reference server for the test (servertest.Start: a temporary database, an owner with a
// random personal token, rate limiting off unless an option turns it back on), counting its requests,
// with a DNS server of its own (Env.DNS), and stops them when the test ends. Members added by someone
// else are active at once unless WithPendingMemberships.
func New(t *testing.T, opts ...Option) *Env {
	t.Helper()
	env := &Env{verifications: map[string]string{}, DNS: servertest.StartDNS(t)}
	// The server "emails" the code that proves a sign-up's address here; SignUp uses it.
	verifications := servertest.WithVerificationHook(func(e api.VerificationEmail) {
		env.mu.Lock()
		defer env.mu.Unlock()
		env.verifications[e.UserID] = e.Code
	})
	defaults := []Option{
		servertest.WithAutoAcceptMemberships(), verifications, servertest.WithDNS(env.DNS),
		servertest.WithHandler(env.count), servertest.WithHandler(env.publishVerificationRecords),
	}
	srv := servertest.Start(t, append(defaults, opts...)...)
	env.Endpoint = srv.URL
	env.Token = srv.OwnerToken
	env.OwnerEmail = srv.OwnerEmail
	env.Server = srv.Server
	env.srv = srv
	env.Client = env.NewClient(t, env.Token)
	return env
}

// Restart stops the reference server and starts it again on its database, at the same endpoint
// (servertest.Server.Restart); Server is the new one afterwards.
func (e *Env) Restart(t *testing.T) {
	t.Helper()
	e.srv.Restart(t)
	e.Server = e.srv.Server
}

// NewClient returns a client of this server acting with token ("" for none). It retries quickly, so
// tests with injected faults stay fast.
func (e *Env) NewClient(t *testing.T, token string) *client.Client {
	t.Helper()
	c, err := client.New(client.Config{
		Endpoint:     e.Endpoint,
		Token:        token,
		UserAgent:    "terraform-provider-orgs-acctest",
		MaxRetries:   5,
		RetryWaitMin: 5 * time.Millisecond,
		RetryWaitMax: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	return c
}

// ProviderBlock is the HCL provider block for this server, acting as the owner.
func (e *Env) ProviderBlock() string { return e.ProviderBlockWithToken(e.Token) }

// ProviderBlockWithToken is the provider block acting with another credential.
func (e *Env) ProviderBlockWithToken(token string) string {
	return fmt.Sprintf("provider \"orgs\" {\n  endpoint = %q\n  token    = %q\n}\n", e.Endpoint, token)
}

// SignUp creates a user, proves their address with the code the server emailed, and returns the user
// with its first personal token.
func (e *Env) SignUp(t *testing.T, email string) (api.User, string) {
	t.Helper()
	resp, err := e.NewClient(t, "").Signup(t.Context(), api.SignupRequest{Email: email})
	if err != nil {
		t.Fatalf("sign up %s: %v", email, err)
	}
	e.mu.Lock()
	code, ok := e.verifications[resp.User.ID]
	e.mu.Unlock()
	if !ok {
		t.Fatalf("sign up %s: the server emailed no verification code", email)
	}
	u, err := e.NewClient(t, resp.Token).VerifyEmail(t.Context(), code)
	if err != nil {
		t.Fatalf("verify %s: %v", email, err)
	}
	return *u, resp.Token
}

// CreateOrganization creates an organization on plan, owned by the owner, through the API.
func (e *Env) CreateOrganization(t *testing.T, plan api.Plan) api.Organization {
	t.Helper()
	org, err := e.Client.CreateOrganization(t.Context(), api.OrganizationCreate{
		Name:               "acctest-" + servertest.RandomHex(t, 4),
		AdminContactEmails: []string{e.OwnerEmail},
		Plan:               plan,
	})
	if err != nil {
		t.Fatalf("create organization: %v", err)
	}
	return *org
}

// CheckDestroy asks the server about every resource of type typ left in the final state; get fetches
// one from its attributes. It fails unless each answers 404, and when there was none to ask about.
func (e *Env) CheckDestroy(typ string, get func(ctx context.Context, c *client.Client, attrs map[string]string) error) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		checked := 0
		for name, rs := range s.RootModule().Resources {
			if rs.Type != typ || rs.Primary == nil {
				continue
			}
			checked++
			err := get(context.Background(), e.Client, rs.Primary.Attributes)
			switch {
			case err == nil:
				return fmt.Errorf("%s still exists on the server after destroy", name)
			case !client.IsNotFound(err):
				return fmt.Errorf("%s: asking the server after destroy: %w", name, err)
			}
		}
		if checked == 0 {
			// Without this the check would pass having checked nothing.
			return fmt.Errorf("no %s was in the state before destroy", typ)
		}
		return nil
	}
}

// Capture copies an attribute of a resource in state into dst, for a later step's PreConfig (which
// sees no state).
func Capture(resourceName, attr string, dst *string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[resourceName]
		if !ok {
			return fmt.Errorf("%s is not in state", resourceName)
		}
		v, ok := rs.Primary.Attributes[attr]
		if !ok {
			return fmt.Errorf("%s has no attribute %s", resourceName, attr)
		}
		*dst = v
		return nil
	}
}

// ImportID returns an ImportStateIdFunc that builds a composite import ID from attributes of a resource
// in state, joined by '/': ImportID("orgs_member.m", "organization_id", "email").
func ImportID(resourceName string, attrs ...string) resource.ImportStateIdFunc {
	return func(s *terraform.State) (string, error) {
		rs, ok := s.RootModule().Resources[resourceName]
		if !ok {
			return "", fmt.Errorf("%s is not in state", resourceName)
		}
		parts := make([]string, len(attrs))
		for i, a := range attrs {
			parts[i] = rs.Primary.Attributes[a]
			if parts[i] == "" {
				return "", fmt.Errorf("%s has no %s", resourceName, a)
			}
		}
		return strings.Join(parts, "/"), nil
	}
}
