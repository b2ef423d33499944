package client_test

import (
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/servertest"
)

// TestDomainsAgainstTheReferenceServer: a claim is pending with its record; verifying before the
// record holds the value is the typed "not verified yet", naming the record; with it, verified. Reads
// find a domain by any spelling (a Unicode or upper-case one), through a GET and through the shared
// listing; a removed domain is not found, and removing it again is a 404.
func TestDomainsAgainstTheReferenceServer(t *testing.T) {
	t.Parallel()
	dns := servertest.StartDNS(t)
	srv := servertest.Start(t, servertest.WithDNS(dns))
	c, err := client.New(client.Config{Endpoint: srv.URL, Token: srv.OwnerToken, MaxRetries: 2, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	org, err := c.CreateOrganization(ctx, api.OrganizationCreate{Name: "acme", AdminContactEmails: []string{"ops@example.com"}, Plan: api.PlanTeam})
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.CreateDomain(ctx, org.ID, api.DomainCreate{Domain: "Bücher.Example"})
	if err != nil {
		t.Fatalf("CreateDomain: %v", err)
	}
	if d.Domain != "xn--bcher-kva.example" || d.Status != api.DomainPending || d.VerificationRecordName != "_orgs-verification.xn--bcher-kva.example" {
		t.Fatalf("the claim: %+v", d)
	}

	_, err = c.VerifyDomain(ctx, org.ID, d.Domain)
	var apiErr *client.Error
	if !client.IsDomainNotVerified(err) || !errors.As(err, &apiErr) || !strings.Contains(apiErr.Problem.Detail, d.VerificationRecordName) {
		t.Fatalf("verifying without the record: %v, want not verified yet, naming the record", err)
	}
	dns.SetTXT(d.VerificationRecordName, d.VerificationRecordValue)
	verified, err := c.VerifyDomain(ctx, org.ID, "BÜCHER.example")
	if err != nil || verified.Status != api.DomainVerified || verified.VerifiedAt == nil {
		t.Fatalf("verifying with the record: %+v, %v", verified, err)
	}

	if got, err := c.GetDomain(ctx, org.ID, "bücher.EXAMPLE"); err != nil || got.ID != d.ID {
		t.Errorf("GetDomain by a Unicode spelling: %+v, %v", got, err)
	}
	all, err := c.ListDomains(ctx, org.ID)
	if err != nil || len(all) != 1 || all[0].Status != api.DomainVerified {
		t.Errorf("ListDomains: %+v, %v", all, err)
	}
	listings := client.NewListings(c, client.ListingsConfig{BatchThreshold: 1})
	if got, err := listings.Domains.Get(ctx, org.ID, "Bücher.example"); err != nil || got.ID != d.ID {
		t.Errorf("Listings.Domains.Get by a Unicode spelling: %+v, %v", got, err)
	}
	if _, err := listings.Domains.Get(ctx, org.ID, "other.example"); !client.IsNotFound(err) {
		t.Errorf("Listings.Domains.Get of a domain not claimed: %v, want not found", err)
	}

	if err := c.DeleteDomain(ctx, org.ID, d.Domain); err != nil {
		t.Fatalf("DeleteDomain: %v", err)
	}
	if _, err := c.GetDomain(ctx, org.ID, d.Domain); !client.IsNotFound(err) {
		t.Errorf("GetDomain after the delete: %v, want not found", err)
	}
	if err := c.DeleteDomain(ctx, org.ID, d.Domain); !client.IsNotFound(err) {
		t.Errorf("DeleteDomain again: %v, want not found", err)
	}
}

// TestVerifyDomainLostAnswerIsRetried: a verification the server made but whose answer was lost (a
// 503 after the commit) is retried, and the retry answers with the verified domain.
func TestVerifyDomainLostAnswerIsRetried(t *testing.T) {
	t.Parallel()
	dns := servertest.StartDNS(t)
	var lose atomic.Bool
	var verifies atomic.Int32
	srv := servertest.Start(t, servertest.WithDNS(dns), servertest.WithHandler(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/verify") {
				verifies.Add(1)
				if lose.CompareAndSwap(true, false) {
					next.ServeHTTP(discard{header: http.Header{}}, r)
					w.Header().Set("Retry-After", "0")
					w.WriteHeader(http.StatusServiceUnavailable)
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}))
	c, err := client.New(client.Config{Endpoint: srv.URL, Token: srv.OwnerToken, MaxRetries: 2, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	org, err := c.CreateOrganization(ctx, api.OrganizationCreate{Name: "acme", AdminContactEmails: []string{"ops@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.CreateDomain(ctx, org.ID, api.DomainCreate{Domain: "example.com"})
	if err != nil {
		t.Fatal(err)
	}
	dns.SetTXT(d.VerificationRecordName, d.VerificationRecordValue)
	lose.Store(true)
	got, err := c.VerifyDomain(ctx, org.ID, d.Domain)
	if err != nil || got.Status != api.DomainVerified {
		t.Fatalf("VerifyDomain after a lost answer: %+v, %v", got, err)
	}
	if n := verifies.Load(); n != 2 {
		t.Errorf("%d verify requests, want 2 (the lost one and its retry)", n)
	}
}

// discard is a response writer that drops the answer, as a connection lost after the commit would.
type discard struct{ header http.Header }

func (d discard) Header() http.Header         { return d.header }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}
