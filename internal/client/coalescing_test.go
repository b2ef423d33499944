package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server"
)

// coalescingWindow is long enough that goroutines started together land in one window on a busy
// machine; the tests never wait for it without a write pending.
const coalescingWindow = 500 * time.Millisecond

// requestCounter counts the requests the server receives, by "METHOD path".
type requestCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (rc *requestCounter) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc.mu.Lock()
		if rc.n == nil {
			rc.n = map[string]int{}
		}
		rc.n[r.Method+" "+r.URL.Path]++
		rc.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

func (rc *requestCounter) count(method, path string) int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.n[method+" "+path]
}

func newOrganization(t *testing.T, c *client.Client, plan api.Plan) *api.Organization {
	t.Helper()
	org, err := c.CreateOrganization(context.Background(), api.OrganizationCreate{Name: "acme", AdminContactEmails: []string{"ops@example.com"}, Plan: plan})
	if err != nil {
		t.Fatalf("CreateOrganization: %v", err)
	}
	return org
}

// createLabels creates n labels at once through w, as Terraform's parallel creates do, and returns each
// caller's outcome.
func createLabels(w *client.Writes, orgID string, n int) ([]*api.Label, []error) {
	labels, errs := make([]*api.Label, n), make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			labels[i], errs[i] = w.Labels.Create(context.Background(), orgID, api.LabelCreate{Key: fmt.Sprintf("example.test/k%02d", i), Value: "v"})
		})
	}
	wg.Wait()
	return labels, errs
}

// TestCoalescedCreates: ten creates at once are one bulk request, and each caller gets its own label; a
// lone create is its plain request.
func TestCoalescedCreates(t *testing.T) {
	t.Parallel()
	var rc requestCounter
	c, _ := startServer(t, server.Faults{}, rc.wrap)
	org := newOrganization(t, c, api.PlanTeam)
	w := client.NewWrites(c, client.WritesConfig{Window: coalescingWindow})

	labels, errs := createLabels(w, org.ID, 10)
	for i, l := range labels {
		if errs[i] != nil || l == nil || l.Key != fmt.Sprintf("example.test/k%02d", i) {
			t.Errorf("create %d: %+v, %v", i, l, errs[i])
		}
	}
	bulkPath := strings.ReplaceAll(api.PathBulkLabels, "{org_id}", org.ID)
	plainPath := strings.ReplaceAll(api.PathLabels, "{org_id}", org.ID)
	if n, plain := rc.count(http.MethodPost, bulkPath), rc.count(http.MethodPost, plainPath); n != 1 || plain != 0 {
		t.Errorf("10 creates at once made %d bulk and %d plain requests, want 1 and 0", n, plain)
	}

	if _, err := w.Labels.Create(context.Background(), org.ID, api.LabelCreate{Key: "example.test/alone", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	if n := rc.count(http.MethodPost, plainPath); n != 1 {
		t.Errorf("a lone create made %d plain requests, want 1", n)
	}
	// Updates and deletes are coalesced too.
	var wg sync.WaitGroup
	v := "changed"
	wg.Go(func() {
		if l, err := w.Labels.Update(context.Background(), org.ID, labels[0].Key, api.LabelUpdate{Value: &v}); err != nil || l.Value != v {
			t.Errorf("coalesced update: %+v, %v", l, err)
		}
	})
	wg.Go(func() {
		if err := w.Labels.Delete(context.Background(), org.ID, labels[1].Key); err != nil {
			t.Errorf("coalesced delete: %v", err)
		}
	})
	wg.Go(func() {
		err := w.Labels.Delete(context.Background(), org.ID, "example.test/never")
		if !client.IsNotFound(err) {
			t.Errorf("coalesced delete of a missing label: %v, want not found", err)
		}
	})
	wg.Wait()
	if n := rc.count(http.MethodPost, bulkPath); n != 2 {
		t.Errorf("%d bulk requests after an update and two deletes at once, want 2", n)
	}
}

// TestCoalescedItemFailsAlone: on a plan that holds 10 labels, 12 creates at once: exactly two fail,
// each with the error its plain call would give (the server's problem, naming the plan); the rest are
// made.
func TestCoalescedItemFailsAlone(t *testing.T) {
	t.Parallel()
	c, _ := startServer(t, server.Faults{}, nil)
	org := newOrganization(t, c, api.PlanHobby)
	w := client.NewWrites(c, client.WritesConfig{Window: coalescingWindow})

	labels, errs := createLabels(w, org.ID, 12)
	failed := 0
	for i, err := range errs {
		if err == nil {
			if labels[i] == nil {
				t.Errorf("create %d: no label and no error", i)
			}
			continue
		}
		failed++
		var apiErr *client.Error
		if !errors.As(err, &apiErr) || client.ProblemType(err) != api.ProblemLimitReached || apiErr.StatusCode != http.StatusConflict ||
			apiErr.Method != http.MethodPost || apiErr.OrganizationID != org.ID || !strings.Contains(err.Error(), `plan "hobby"`) {
			t.Errorf("create %d: %#v, want the plain create's limit-reached error", i, err)
		}
	}
	if failed != 2 {
		t.Errorf("%d creates failed, want the 2 past the plan's 10 labels", failed)
	}
	_, plainErr := c.CreateLabel(context.Background(), org.ID, api.LabelCreate{Key: "example.test/one-more", Value: "v"})
	if plainErr == nil || client.ProblemDetail(plainErr) != client.ProblemDetail(errs[firstError(errs)]) {
		t.Errorf("the plain create says %v; the coalesced one said %v", plainErr, errs[firstError(errs)])
	}
}

func firstError(errs []error) int {
	for i, err := range errs {
		if err != nil {
			return i
		}
	}
	return 0
}

// TestCoalescedCreatesRetriedOnce: every write is committed and its answer lost (503); the bulk
// request's retry carries its Idempotency-Key, is answered from the first attempt, and no label is made
// twice.
func TestCoalescedCreatesRetriedOnce(t *testing.T) {
	t.Parallel()
	var bulkPosts atomic.Int32
	c, _ := startServer(t, server.Faults{FractionCommitThen503: 1}, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.URL.Path, "/bulk/") {
				bulkPosts.Add(1)
			}
			next.ServeHTTP(w, r)
		})
	})
	org := newOrganization(t, c, api.PlanTeam)
	w := client.NewWrites(c, client.WritesConfig{Window: coalescingWindow})
	_, errs := createLabels(w, org.ID, 10)
	for i, err := range errs {
		if err != nil {
			t.Errorf("create %d: %v", i, err)
		}
	}
	if n := bulkPosts.Load(); n != 2 {
		t.Errorf("%d bulk attempts, want 2 (lost, then replayed)", n)
	}
	all, err := c.ListLabels(context.Background(), org.ID)
	if err != nil || len(all) != 10 {
		t.Fatalf("%d labels (%v) after 10 creates retried, want 10", len(all), err)
	}
}

// TestCoalescedWriteMakesListingsStale: a listing taken before a coalesced write is not used after it.
func TestCoalescedWriteMakesListingsStale(t *testing.T) {
	t.Parallel()
	c, _ := startServer(t, server.Faults{}, nil)
	org := newOrganization(t, c, api.PlanTeam)
	listings := client.NewListings(c, client.ListingsConfig{})
	w := client.NewWrites(c, client.WritesConfig{Window: coalescingWindow})
	if all, err := listings.Labels.All(context.Background(), org.ID); err != nil || len(all) != 0 {
		t.Fatalf("the first listing: %+v, %v", all, err)
	}
	createLabels(w, org.ID, 3)
	all, err := listings.Labels.All(context.Background(), org.ID)
	if err != nil || len(all) != 3 {
		t.Errorf("the listing after 3 coalesced creates holds %d labels (%v), want 3", len(all), err)
	}
}

// TestCoalescedMembersAndInvitations: the other coalesced kinds reach their bulk endpoints and give
// each caller its object.
func TestCoalescedMembersAndInvitations(t *testing.T) {
	t.Parallel()
	c, _ := startServer(t, server.Faults{}, nil)
	org := newOrganization(t, c, api.PlanTeam)
	w := client.NewWrites(c, client.WritesConfig{Window: coalescingWindow})
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() {
			email := fmt.Sprintf("m%d@example.test", i)
			if m, err := w.Members.Create(context.Background(), org.ID, api.MemberCreate{Email: email, Role: api.RoleMember}); err != nil || m.Email != email {
				t.Errorf("member %d: %+v, %v", i, m, err)
			}
		})
		wg.Go(func() {
			email := fmt.Sprintf("i%d@example.test", i)
			if inv, err := w.Invitations.Create(context.Background(), org.ID, api.InvitationCreate{Email: email, Role: api.RoleMember}); err != nil || inv.Email != email {
				t.Errorf("invitation %d: %+v, %v", i, inv, err)
			}
		})
	}
	wg.Wait()
}

// TestCoalescedBatchGoesOutAsLargeAsTheLargestSoFar: a lone write does not stop later writes from being
// coalesced, and once a batch of some size has gone out, the next batch that reaches that size goes out
// at once instead of waiting out its window: Terraform's parallel creates come back together from one
// bulk request, and the next ones arrive together too.
func TestCoalescedBatchGoesOutAsLargeAsTheLargestSoFar(t *testing.T) {
	t.Parallel()
	var rc requestCounter
	c, _ := startServer(t, server.Faults{}, rc.wrap)
	org := newOrganization(t, c, api.PlanTeam)
	const window = 2 * time.Second
	w := client.NewWrites(c, client.WritesConfig{Window: window})
	bulkPath := strings.ReplaceAll(api.PathBulkLabels, "{org_id}", org.ID)
	plainPath := strings.ReplaceAll(api.PathLabels, "{org_id}", org.ID)
	createFour := func(round string) time.Duration {
		start := time.Now()
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Go(func() {
				if _, err := w.Labels.Create(context.Background(), org.ID, api.LabelCreate{Key: fmt.Sprintf("example.test/%s-%d", round, i), Value: "v"}); err != nil {
					t.Errorf("%s create %d: %v", round, i, err)
				}
			})
		}
		wg.Wait()
		return time.Since(start)
	}

	if _, err := w.Labels.Create(context.Background(), org.ID, api.LabelCreate{Key: "example.test/alone", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	createFour("first")
	if bulk, plain := rc.count(http.MethodPost, bulkPath), rc.count(http.MethodPost, plainPath); bulk != 1 || plain != 1 {
		t.Fatalf("a lone create, then four at once: %d bulk and %d plain requests, want 1 and 1", bulk, plain)
	}
	took := createFour("second")
	if bulk := rc.count(http.MethodPost, bulkPath); bulk != 2 {
		t.Fatalf("four more creates at once: %d bulk requests in all, want 2", bulk)
	}
	if took >= window/2 {
		t.Errorf("four creates, as many as the largest batch so far, took %s: they waited for the window (%s) instead of going out together at once", took, window)
	}
}

// TestCoalescedWritesZeroConfigTakesTheDefaultWindow: WritesConfig{} means DefaultWriteWindow, so
// creates arriving a few milliseconds apart, as Terraform's do, still share requests.
func TestCoalescedWritesZeroConfigTakesTheDefaultWindow(t *testing.T) {
	t.Parallel()
	var rc requestCounter
	c, _ := startServer(t, server.Faults{}, rc.wrap)
	org := newOrganization(t, c, api.PlanTeam)
	w := client.NewWrites(c, client.WritesConfig{})
	const creates = 5
	var wg sync.WaitGroup
	for i := range creates {
		wg.Go(func() {
			time.Sleep(time.Duration(i) * client.DefaultWriteWindow / 20)
			if _, err := w.Labels.Create(context.Background(), org.ID, api.LabelCreate{Key: fmt.Sprintf("example.test/k%d", i), Value: "v"}); err != nil {
				t.Errorf("create %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	bulk := rc.count(http.MethodPost, strings.ReplaceAll(api.PathBulkLabels, "{org_id}", org.ID))
	plain := rc.count(http.MethodPost, strings.ReplaceAll(api.PathLabels, "{org_id}", org.ID))
	if bulk == 0 || bulk+plain >= creates {
		t.Errorf("%d creates %s apart made %d bulk and %d plain requests: the zero configuration does not coalesce (its window should be %s)",
			creates, client.DefaultWriteWindow/20, bulk, plain, client.DefaultWriteWindow)
	}
}
