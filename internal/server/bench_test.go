package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server"
)

// Benchmarks of the server's hot paths. Setup goes through the harness over HTTP, like any client; the
// measured requests go straight to the server's handler, so the figures (time and allocations) are the
// server's own work, not a loopback connection's or an HTTP client's. Every benchmark uses b.Loop, which
// runs the benchmark function once per measurement: heavy setup is built once, without shared state.

// benchOrgMembers is the size of organization the roadmap's "refresh of thousands of members in a few
// list requests" is about; the owner is one of them.
const benchOrgMembers = 5000

// serve sends one request to the handler and fails the benchmark unless it answers want.
func serve(b *testing.B, h *harness, want int, cred, method, target string, body []byte, header ...string) *httptest.ResponseRecorder {
	var req *http.Request
	if body != nil {
		req = httptest.NewRequest(method, target, bytes.NewReader(body))
		req.Header.Set("Content-Type", api.ContentTypeJSON)
	} else {
		req = httptest.NewRequest(method, target, nil)
	}
	req.Header.Set("Authorization", "Bearer "+cred)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.Server.ServeHTTP(rec, req)
	if rec.Code != want {
		b.Fatalf("%s %s: want %d, got %d %s", method, target, want, rec.Code, rec.Body.Bytes())
	}
	return rec
}

func mustJSON(b *testing.B, v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// BenchmarkGetOrganization is the read every refresh of an orgs_organization makes: authenticate the
// bearer token (hash lookup), check membership, load and encode the organization.
func BenchmarkGetOrganization(b *testing.B) {
	h := newHarness(b)
	owner := h.signup(b)
	org := h.createOrg(b, owner.Token, api.PlanEnterprise)
	orgToken := h.createAPIToken(b, owner.Token, org.ID, api.RoleAdmin)
	target := path(api.PathOrganization, "org_id", org.ID)

	for _, c := range []struct{ name, cred string }{{"personal-token", owner.Token}, {"org-token", orgToken.Token}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				serve(b, h, http.StatusOK, c.cred, http.MethodGet, target, nil)
			}
		})
	}
}

// BenchmarkCreateLabel is one create per iteration, each with its own key and Idempotency-Key, so each
// runs the whole write path: idempotency lookup, limit check, insert, activity record, stored response,
// commit. An enterprise organization holds api.PlanLimits[enterprise].Labels labels; when it is full,
// it is deleted and replaced (timer stopped), so the plan limit never ends the benchmark.
func BenchmarkCreateLabel(b *testing.B) {
	h := newHarness(b)
	owner := h.signup(b)
	limit := int(api.PlanLimits[api.PlanEnterprise].Labels)
	org := h.createOrg(b, owner.Token, api.PlanEnterprise)
	inOrg := 0
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		if inOrg == limit {
			b.StopTimer()
			h.expect(b, http.StatusNoContent, owner.Token, http.MethodDelete, path(api.PathOrganization, "org_id", org.ID), nil)
			org = h.createOrg(b, owner.Token, api.PlanEnterprise)
			inOrg = 0
			b.StartTimer()
		}
		i++
		inOrg++
		body := mustJSON(b, api.LabelCreate{Key: "bench.example.test/k" + strconv.Itoa(i), Value: "v" + strconv.Itoa(i)})
		serve(b, h, http.StatusCreated, owner.Token, http.MethodPost, path(api.PathLabels, "org_id", org.ID), body,
			api.HeaderIdempotencyKey, "bench-create-label-"+strconv.Itoa(i))
	}
}

// BenchmarkIdempotentReplay is a retried create whose first attempt succeeded: the same key and body
// again, answered from the stored response without touching the labels.
func BenchmarkIdempotentReplay(b *testing.B) {
	h := newHarness(b)
	owner := h.signup(b)
	org := h.createOrg(b, owner.Token, api.PlanEnterprise)
	target := path(api.PathLabels, "org_id", org.ID)
	body := mustJSON(b, h.labelBody())
	const key = "bench-replay"
	first := serve(b, h, http.StatusCreated, owner.Token, http.MethodPost, target, body, api.HeaderIdempotencyKey, key)
	if first.Header().Get(server.HeaderIdempotentReplayed) != "" {
		b.Fatalf("the first request with a key was answered as a replay")
	}
	b.ReportAllocs()
	for b.Loop() {
		rec := serve(b, h, http.StatusCreated, owner.Token, http.MethodPost, target, body, api.HeaderIdempotencyKey, key)
		if rec.Header().Get(server.HeaderIdempotentReplayed) != "true" {
			b.Fatalf("a repeated Idempotency-Key was not replayed: %s", rec.Body.Bytes())
		}
	}
}

// BenchmarkListMembers walks every page of an organization of benchOrgMembers members at the largest
// page size, as a refresh of the whole membership does; one walk per iteration.
func BenchmarkListMembers(b *testing.B) {
	h := newHarness(b)
	ownerToken, orgID := seedOrganization(b, h, benchOrgMembers)
	route := path(api.PathMembers, "org_id", orgID)

	wantPages := (benchOrgMembers + api.MaxPageSize - 1) / api.MaxPageSize
	requests := 0
	b.ReportAllocs()
	for b.Loop() {
		members, withRoles, pages := 0, 0, 0
		token := ""
		for {
			q := url.Values{api.QueryPageSize: {strconv.Itoa(api.MaxPageSize)}}
			if token != "" {
				q.Set(api.QueryPageToken, token)
			}
			rec := serve(b, h, http.StatusOK, ownerToken, http.MethodGet, route+"?"+q.Encode(), nil)
			pages++
			// Only what the checks need, so the figures stay the server's rather than this decoder's.
			var page struct {
				Items []struct {
					EnvironmentRoles map[string]api.EnvironmentRole `json:"environment_roles"`
				} `json:"items"`
				NextPageToken string `json:"next_page_token"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
				b.Fatalf("decode page %d: %v", pages, err)
			}
			members += len(page.Items)
			for _, m := range page.Items {
				if len(m.EnvironmentRoles) > 0 {
					withRoles++
				}
			}
			if page.NextPageToken == "" {
				break
			}
			token = page.NextPageToken
		}
		if members != benchOrgMembers || pages != wantPages {
			b.Fatalf("a walk found %d members in %d pages, want %d in %d", members, pages, benchOrgMembers, wantPages)
		}
		if withRoles != benchOrgMembers-1 {
			b.Fatalf("a walk found %d members with environment roles, want %d (all but the owner)", withRoles, benchOrgMembers-1)
		}
		requests += pages
	}
	b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
}

// seedOrganization makes an enterprise organization of n members on the harness's fresh database and
// returns its owner's token and its id. Each member holds a role in the default environment, as a
// member with role "member" needs one to do anything. The users come from Bootstrap, in one
// transaction: signing 5,000 users up one request (and one fsync'd commit) at a time would double a
// setup that the memberships, which only the API can make, already hold at about 20 s. The memberships
// are added through the API, one request each, as a client would.
func seedOrganization(b *testing.B, h *harness, n int) (ownerToken, orgID string) {
	b.Helper()
	ownerToken = "orgs_pat_bench-owner-token-" + h.unique("t")
	emails := make([]string, n-1)
	for i := range emails {
		emails[i] = fmt.Sprintf("bench-member-%05d@example.test", i)
	}
	if err := h.Server.Bootstrap(context.Background(), "bench-owner@example.test", ownerToken, emails); err != nil {
		b.Fatalf("Bootstrap: %v", err)
	}
	orgID = h.createOrg(b, ownerToken, api.PlanEnterprise).ID
	defaultEnv := ""
	for _, e := range listAll[api.Environment](b, h, ownerToken, path(api.PathEnvironments, "org_id", orgID), 0) {
		if e.Default {
			defaultEnv = e.ID
		}
	}
	if defaultEnv == "" {
		b.Fatal("a new organization has no default environment")
	}
	members := path(api.PathMembers, "org_id", orgID)
	envRoles := map[string]api.EnvironmentRole{defaultEnv: api.EnvironmentRoleRead}
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
				r, err := h.send(ownerToken, http.MethodPost, members, api.MemberCreate{Email: email, Role: api.RoleMember, EnvironmentRoles: envRoles})
				if err == nil && r.Status != http.StatusCreated {
					err = fmt.Errorf("add member: %s", r)
				}
				if err != nil {
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
	return ownerToken, orgID
}

// BenchmarkBulkCreate is one bulk request of api.MaxBulkItems creates per iteration (labels; members at
// addresses without an account, which is what a first apply of orgs_member sends), each item the whole
// single-create path in its own savepoint, then one commit. Between iterations (timer stopped) a bulk
// delete empties the organization again. It reports the 99th percentile of the requests' times.
func BenchmarkBulkCreate(b *testing.B) {
	h := newHarness(b)
	owner := h.signup(b)
	org := h.createOrg(b, owner.Token, api.PlanEnterprise)
	var seq atomic.Int64
	cases := []struct {
		name    string
		route   string
		creates func() (body []byte, keys []string)
	}{
		{"labels", api.PathBulkLabels, func() ([]byte, []string) {
			items := make([]api.BulkItem[api.LabelCreate, api.LabelUpdate], api.MaxBulkItems)
			keys := make([]string, len(items))
			for i := range items {
				keys[i] = fmt.Sprintf("bench.example/k%d", seq.Add(1))
				items[i] = api.BulkItem[api.LabelCreate, api.LabelUpdate]{Op: api.BulkCreate, Create: &api.LabelCreate{Key: keys[i], Value: "v"}}
			}
			return mustJSON(b, api.BulkRequest[api.LabelCreate, api.LabelUpdate]{Items: items}), keys
		}},
		{"members", api.PathBulkMembers, func() ([]byte, []string) {
			items := make([]api.BulkItem[api.MemberCreate, api.MemberUpdate], api.MaxBulkItems)
			keys := make([]string, len(items))
			for i := range items {
				keys[i] = fmt.Sprintf("bench-%d@example.test", seq.Add(1))
				items[i] = api.BulkItem[api.MemberCreate, api.MemberUpdate]{Op: api.BulkCreate, Create: &api.MemberCreate{Email: keys[i], Role: api.RoleMember}}
			}
			return mustJSON(b, api.BulkRequest[api.MemberCreate, api.MemberUpdate]{Items: items}), keys
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			target := path(c.route, "org_id", org.ID)
			var times []time.Duration
			for b.Loop() {
				b.StopTimer()
				body, keys := c.creates()
				b.StartTimer()
				start := time.Now()
				rec := serve(b, h, http.StatusOK, owner.Token, http.MethodPost, target, body, api.HeaderIdempotencyKey, h.unique("idem"))
				times = append(times, time.Since(start))
				b.StopTimer()
				var resp api.BulkResponse[json.RawMessage]
				if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil || len(resp.Items) != len(keys) || resp.Items[len(keys)-1].Status != http.StatusCreated {
					b.Fatalf("bulk create: %v %.300s", err, rec.Body.Bytes())
				}
				deletes := make([]map[string]string, len(keys))
				for i, k := range keys {
					deletes[i] = map[string]string{"op": "delete", "key": k}
				}
				serve(b, h, http.StatusOK, owner.Token, http.MethodPost, target, mustJSON(b, map[string]any{"items": deletes}))
				b.StartTimer()
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[(len(times)*99)/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
		})
	}
}
