package client_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/servertest"
)

// benchOrgMembers is the size of organization the roadmap's "refresh of thousands of members in a few
// list requests" is about; the owner is one of them.
const benchOrgMembers = 5000

// BenchmarkListMembers refreshes the whole membership of a 5,000-member organization through the client,
// against the real in-process server, and counts the HTTP requests that reach the server. Pages of
// api.MaxPageSize make that 5 requests; the benchmark fails if a walk takes more, so a regression in
// pagination (a smaller page size, a lost page token, retries) shows up as a failure, not a slow number.
func BenchmarkListMembers(b *testing.B) {
	c, orgID, requests := seededServer(b, benchOrgMembers)
	ctx := context.Background()
	wantRequests := int64((benchOrgMembers + api.MaxPageSize - 1) / api.MaxPageSize)

	var total int64
	b.ReportAllocs()
	for b.Loop() {
		before := requests.Load()
		members, err := c.ListMembers(ctx, orgID)
		if err != nil {
			b.Fatalf("ListMembers: %v", err)
		}
		n := requests.Load() - before
		if n > wantRequests {
			b.Fatalf("refreshing %d members took %d requests, want at most %d", benchOrgMembers, n, wantRequests)
		}
		if len(members) != benchOrgMembers {
			b.Fatalf("ListMembers returned %d members, want %d", len(members), benchOrgMembers)
		}
		if last := members[len(members)-1]; len(last.EnvironmentRoles) != 1 {
			b.Fatalf("the last member %s came back with environment roles %v, want the one it was added with", last.Email, last.EnvironmentRoles)
		}
		total += n
	}
	b.ReportMetric(float64(total)/float64(b.N), "requests/op")
}

// seededServer starts the reference server (temp database, no rate limit) behind a handler that counts
// requests, seeds an enterprise organization of n members, and returns a client authenticated as its
// owner. Each member holds a role in the default environment, as a member with role "member" needs one
// to do anything. The users come from Bootstrap in one transaction, since signing 5,000 users up one
// commit at a time would double a setup the memberships (API only, about 20 s) already dominate; the
// memberships are added through the client.
func seededServer(b *testing.B, n int) (c *client.Client, orgID string, requests *atomic.Int64) {
	b.Helper()
	const ownerToken = "bench-owner-token-9d2e-0000000000000000"
	emails := make([]string, n-1)
	for i := range emails {
		emails[i] = fmt.Sprintf("bench-member-%05d@example.test", i)
	}
	ctx := context.Background()
	requests = &atomic.Int64{}
	count := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			requests.Add(1)
			next.ServeHTTP(w, r)
		})
	}
	hs := servertest.Start(b, servertest.WithOwner("bench-owner@example.test", ownerToken, emails...), servertest.WithHandler(count))
	c, err := client.New(client.Config{
		Endpoint: hs.URL, Token: ownerToken, UserAgent: "terraform-provider-orgs/bench", MaxRetries: 3,
		RetryWaitMin: time.Millisecond, RetryWaitMax: 20 * time.Millisecond,
	})
	if err != nil {
		b.Fatalf("client.New: %v", err)
	}
	org, err := c.CreateOrganization(ctx, api.OrganizationCreate{
		Name: "bench", AdminContactEmails: []string{"bench-owner@example.test"}, Plan: api.PlanEnterprise,
	})
	if err != nil {
		b.Fatalf("CreateOrganization: %v", err)
	}

	envs, err := c.ListEnvironments(ctx, org.ID)
	if err != nil {
		b.Fatalf("ListEnvironments: %v", err)
	}
	envRoles := map[string]api.EnvironmentRole{}
	for _, e := range envs {
		if e.Default {
			envRoles[e.ID] = api.EnvironmentRoleRead
		}
	}
	if len(envRoles) == 0 {
		b.Fatal("a new organization has no default environment")
	}

	// Two workers keep the server's single writer busy while the other request is in HTTP and JSON.
	const workers = 2
	jobs := make(chan string)
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for email := range jobs {
				if failed.Load() != nil {
					continue
				}
				if _, err := c.AddMember(ctx, org.ID, api.MemberCreate{Email: email, Role: api.RoleMember, EnvironmentRoles: envRoles}); err != nil {
					err = fmt.Errorf("add member %s: %w", email, err)
					failed.CompareAndSwap(nil, &err)
				}
			}
		})
	}
	for _, e := range emails {
		jobs <- e
	}
	close(jobs)
	wg.Wait()
	if err := failed.Load(); err != nil {
		b.Fatalf("seed members: %v", *err)
	}
	return c, org.ID, requests
}

// refreshRequestBudget is what a refresh of 1,000 members may cost in requests (the goal of the
// batched refresh: a listing and a few single reads, not one GET per member).
const refreshRequestBudget = 20

// BenchmarkRefreshMembers is the provider's refresh of 1,000 members of one organization: every member
// read through one Listings (as one provider process does), 10 at a time (the CLI's parallelism),
// against the real server. It fails if the refresh takes more than refreshRequestBudget requests.
func BenchmarkRefreshMembers(b *testing.B) {
	const n = 1000
	c, orgID, requests := seededServer(b, n)
	ctx := context.Background()
	members, err := c.ListMembers(ctx, orgID)
	if err != nil {
		b.Fatal(err)
	}
	var total int64
	b.ReportAllocs()
	for b.Loop() {
		before := requests.Load()
		listings := client.NewListings(c, client.ListingsConfig{})
		sem := make(chan struct{}, 10)
		var wg sync.WaitGroup
		for _, m := range members {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				if _, err := listings.Members.Get(ctx, orgID, m.Email); err != nil {
					b.Errorf("read %s: %v", m.Email, err)
				}
			})
		}
		wg.Wait()
		got := requests.Load() - before
		if got > refreshRequestBudget {
			b.Fatalf("refreshing %d members took %d requests, want at most %d", n, got, refreshRequestBudget)
		}
		total += got
	}
	b.ReportMetric(float64(total)/float64(b.N), "requests/op")
}
