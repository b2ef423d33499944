package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/servertest"
)

const ownerToken = "integration-owner-token-5b1c-000000000"

// startServer runs the reference server with faults, behind wrap (which may lose answers), and returns
// a client authenticated as its owner, and its endpoint.
func startServer(t *testing.T, faults server.Faults, wrap func(http.Handler) http.Handler) (*client.Client, string) {
	t.Helper()
	opts := []servertest.Option{servertest.WithFaults(faults), servertest.WithOwner("owner@example.com", ownerToken)}
	if wrap != nil {
		opts = append(opts, servertest.WithHandler(wrap))
	}
	hs := servertest.Start(t, opts...)
	c, err := client.New(client.Config{
		Endpoint: hs.URL, Token: ownerToken, MaxRetries: 3,
		RetryWaitMin: time.Millisecond, RetryWaitMax: 20 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("client.New: %v", err)
	}
	return c, hs.URL
}

// TestLostCreateResponseMakesOneObject: the server commits every write and then answers 503 (or the
// connection drops after the commit). The client's retries carry the same Idempotency-Key, the server
// replays the first result, and exactly one organization exists.
func TestLostCreateResponseMakesOneObject(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		faults server.Faults
		wrap   func(*atomic.Int32) func(http.Handler) http.Handler
	}{
		"503 after commit": {
			faults: server.Faults{FractionCommitThen503: 1},
			wrap: func(posts *atomic.Int32) func(http.Handler) http.Handler {
				return func(next http.Handler) http.Handler {
					return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						if r.Method == http.MethodPost {
							posts.Add(1)
						}
						next.ServeHTTP(w, r)
					})
				}
			},
		},
		"connection dropped after commit": {
			wrap: func(posts *atomic.Int32) func(http.Handler) http.Handler {
				return func(next http.Handler) http.Handler {
					return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						if r.Method != http.MethodPost || posts.Add(1) > 1 {
							next.ServeHTTP(w, r)
							return
						}
						next.ServeHTTP(httptest.NewRecorder(), r) // carried out; the answer goes nowhere
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
					})
				}
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var posts atomic.Int32
			c, _ := startServer(t, tc.faults, tc.wrap(&posts))
			ctx := context.Background()

			org, err := c.CreateOrganization(ctx, api.OrganizationCreate{Name: "acme", AdminContactEmails: []string{"ops@example.com"}})
			if err != nil {
				t.Fatalf("CreateOrganization: %v", err)
			}
			if posts.Load() != 2 {
				t.Errorf("%d POST attempts, want 2 (lost, then replayed)", posts.Load())
			}
			orgs, err := c.ListOrganizations(ctx)
			if err != nil {
				t.Fatalf("ListOrganizations: %v", err)
			}
			if len(orgs) != 1 || orgs[0].ID != org.ID || org.Name != "acme" {
				t.Fatalf("organizations %+v after creating %+v, want exactly that one", orgs, org)
			}
		})
	}
}

func TestGivingUpOnRealServerReportsItsProblem(t *testing.T) {
	t.Parallel()
	c, _ := startServer(t, server.Faults{Fraction503: 1}, nil)
	_, err := c.CurrentUser(context.Background())
	var apiErr *client.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusServiceUnavailable || apiErr.Attempts != 4 {
		t.Fatalf("err = %v, want *client.Error 503 after 4 attempts", err)
	}
	if client.ProblemType(err) != api.ProblemUnavailable || !strings.HasPrefix(err.Error(), apiErr.Problem.Detail) || apiErr.Problem.Detail == "" {
		t.Errorf("error %q (type %q), want the server's detail first", err, client.ProblemType(err))
	}
}

func TestRealServerRefusalsAreTyped(t *testing.T) {
	t.Parallel()
	c, endpoint := startServer(t, server.Faults{}, nil)
	ctx := context.Background()

	// An organization the caller cannot see is not a deleted one.
	_, err := c.GetOrganization(ctx, "org_doesnotexist")
	var apiErr *client.Error
	if !client.IsOrganizationNotVisible(err) || client.IsNotFound(err) || !errors.As(err, &apiErr) || apiErr.OrganizationID != "org_doesnotexist" {
		t.Errorf("GetOrganization of a missing id: %#v, want organization not visible, naming org_doesnotexist", err)
	}
	org, err := c.CreateOrganization(ctx, api.OrganizationCreate{Name: "acme", AdminContactEmails: []string{"ops@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateLabel(ctx, org.ID, api.LabelCreate{Key: "example.com/team", Value: "core"}); err != nil {
		t.Fatalf("CreateLabel: %v", err)
	}
	if l, err := c.GetLabel(ctx, org.ID, "example.com/team"); err != nil || l.Value != "core" {
		t.Errorf("GetLabel with a '/' in the key = %+v, %v", l, err)
	}
	if _, err := c.CreateLabel(ctx, org.ID, api.LabelCreate{Key: "example.com/team", Value: "x"}); !client.IsConflict(err) {
		t.Errorf("duplicate label: %v, want conflict", err)
	}
	if _, err := c.CreateInvitation(ctx, org.ID, api.InvitationCreate{Email: "not-an-email", Role: api.RoleMember}); !client.IsInvalid(err) {
		t.Errorf("invalid invitation: %v, want invalid", err)
	}
	if _, err := c.GetLabel(ctx, org.ID, "missing"); !client.IsNotFound(err) || client.IsOrganizationNotVisible(err) {
		t.Errorf("GetLabel of a missing key: %v, want not found", err)
	}
	if err := c.DeleteOrganization(ctx, org.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetLabel(ctx, org.ID, "example.com/team"); !client.IsNotFound(err) || !client.IsOrganizationDeleted(err) {
		t.Errorf("GetLabel in a deleted organization: %v, want not found, the organization deleted", err)
	}
	bad, err := client.New(client.Config{Endpoint: endpoint + "/api/v1", Token: "wrong"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.CurrentUser(ctx); !client.IsUnauthorized(err) {
		t.Errorf("wrong token: %v, want unauthorized", err)
	}
}

// TestPacingAgainstTheReferenceServer: 300 reads, 10 at a time (the CLI's parallelism), against the
// reference server at its default limit (50 requests per second, burst 100), which advertises it in its
// RateLimit fields. Paced, fewer than 5% of the answers are 429 and no call fails.
func TestPacingAgainstTheReferenceServer(t *testing.T) {
	t.Parallel()
	var total, limited atomic.Int64
	count := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			total.Add(1)
			rec := servertest.NewStatusRecorder(w)
			next.ServeHTTP(rec, r)
			if rec.Status == http.StatusTooManyRequests {
				limited.Add(1)
			}
		})
	}
	// The server's default limit: 50 requests per second, burst 100.
	hs := servertest.Start(t, servertest.WithRateLimit(server.RateLimit{}), servertest.WithOwner("owner@example.com", ownerToken), servertest.WithHandler(count))
	c, err := client.New(client.Config{Endpoint: hs.URL, Token: ownerToken, MaxRetries: 5})
	if err != nil {
		t.Fatal(err)
	}
	org, err := c.CreateOrganization(t.Context(), api.OrganizationCreate{Name: "paced", AdminContactEmails: []string{"owner@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	const reads = 300
	sem := make(chan struct{}, 10)
	var wg sync.WaitGroup
	for range reads {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if _, err := c.GetOrganization(t.Context(), org.ID); err != nil {
				t.Errorf("GetOrganization: %v", err)
			}
		})
	}
	wg.Wait()
	if n, all := limited.Load(), total.Load(); float64(n) >= 0.05*float64(all) {
		t.Errorf("%d of %d responses were 429, want fewer than 5%%", n, all)
	}
}
