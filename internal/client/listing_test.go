package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// fakeMembers is an organization "org_1" of n members behind the member routes, paged like the real
// server, that counts the requests of each kind. failPage, when set, makes that page (1-based) answer
// 403, a failure no retry changes. orgAnswer, when set, is the problem every request gets, as the
// server answers for an organization the caller cannot see or that was deleted.
type fakeMembers struct {
	mu        sync.Mutex
	emails    []string
	roles     map[string]api.Role // by email; absent: member
	failPage  int
	orgAnswer *api.Problem

	lists, listRequests, gets, writes atomic.Int64
}

func newFakeMembers(n int) *fakeMembers {
	f := &fakeMembers{}
	for i := range n {
		f.emails = append(f.emails, fmt.Sprintf("member-%05d@example.com", i))
	}
	return f
}

func (f *fakeMembers) member(email string) api.Member {
	role := api.RoleMember
	if r, ok := f.roles[email]; ok {
		role = r
	}
	return api.Member{OrganizationID: "org_1", UserID: "usr_" + email, Email: email, Role: role}
}

func (f *fakeMembers) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	const prefix = "/api/v1/orgs/org_1/members"
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), prefix)
	if !ok {
		writeProblem(w, http.StatusNotFound, api.ProblemNotFound, "no such route")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if p := f.orgAnswer; p != nil {
		if rest == "" {
			f.lists.Add(1)
		} else {
			f.gets.Add(1)
		}
		writeProblem(w, p.Status, p.Type, p.Detail)
		return
	}
	switch {
	case rest == "" && r.Method == http.MethodGet:
		f.listRequests.Add(1)
		offset, _ := strconv.Atoi(r.URL.Query().Get(api.QueryPageToken))
		if offset == 0 {
			f.lists.Add(1)
		}
		size, _ := strconv.Atoi(r.URL.Query().Get(api.QueryPageSize))
		if f.failPage > 0 && offset/size+1 == f.failPage {
			writeProblem(w, http.StatusForbidden, api.ProblemForbidden, "page refused")
			return
		}
		page := api.Page[api.Member]{Items: []api.Member{}}
		for _, e := range f.emails[min(offset, len(f.emails)):min(offset+size, len(f.emails))] {
			page.Items = append(page.Items, f.member(e))
		}
		if offset+size < len(f.emails) {
			page.NextPageToken = strconv.Itoa(offset + size)
		}
		writeJSON(w, http.StatusOK, page)
	case strings.HasPrefix(rest, "/"):
		email, _ := url.PathUnescape(rest[1:])
		i := slices.IndexFunc(f.emails, func(e string) bool { return strings.EqualFold(e, email) })
		switch r.Method {
		case http.MethodGet:
			f.gets.Add(1)
		case http.MethodDelete:
			f.writes.Add(1)
			if i >= 0 {
				f.emails = slices.Delete(f.emails, i, i+1)
				w.WriteHeader(http.StatusNoContent)
				return
			}
		case http.MethodPatch:
			f.writes.Add(1)
			var body api.MemberUpdate
			if err := decodeBody(r, &body); err != nil {
				writeProblem(w, http.StatusBadRequest, api.ProblemMalformed, err.Error())
				return
			}
			if i >= 0 && body.Role != nil {
				if f.roles == nil {
					f.roles = map[string]api.Role{}
				}
				f.roles[f.emails[i]] = *body.Role
			}
		}
		if i < 0 {
			writeProblem(w, http.StatusNotFound, api.ProblemNotFound, "no member "+email)
			return
		}
		writeJSON(w, http.StatusOK, f.member(f.emails[i]))
	case rest == "" && r.Method == http.MethodPost:
		f.writes.Add(1)
		var body api.MemberCreate
		if err := decodeBody(r, &body); err != nil {
			writeProblem(w, http.StatusBadRequest, api.ProblemMalformed, err.Error())
			return
		}
		f.emails = append(f.emails, body.Email)
		writeJSON(w, http.StatusCreated, f.member(body.Email))
	default:
		writeProblem(w, http.StatusMethodNotAllowed, api.ProblemMalformed, "method")
	}
}

func newListingsFor(t *testing.T, f *fakeMembers, window time.Duration) (*Client, *Listings) {
	t.Helper()
	c := newTestClient(t, f.ServeHTTP)
	return c, NewListings(c, ListingsConfig{BatchWindow: window})
}

// readConcurrently reads emails through l with n at a time, as the CLI refreshes, and fails the test on
// any error.
func readConcurrently(t *testing.T, l *Listings, emails []string, n int) {
	t.Helper()
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for _, e := range emails {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			m, err := l.Members.Get(t.Context(), "org_1", e)
			if err != nil {
				t.Errorf("read %s: %v", e, err)
				return
			}
			if m.Email != e {
				t.Errorf("read %s: got %s", e, m.Email)
			}
		})
	}
	wg.Wait()
}

// TestListingsConfigZeroValueTakesTheDefaults: ListingsConfig's zero value (and a negative one) means
// the defaults, and values given are kept.
func TestListingsConfigZeroValueTakesTheDefaults(t *testing.T) {
	t.Parallel()
	c, err := New(Config{Endpoint: "http://127.0.0.1:8080"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ in, want ListingsConfig }{
		{ListingsConfig{}, ListingsConfig{BatchWindow: DefaultBatchWindow, BatchThreshold: DefaultBatchThreshold}},
		{ListingsConfig{BatchWindow: -1, BatchThreshold: -1}, ListingsConfig{BatchWindow: DefaultBatchWindow, BatchThreshold: DefaultBatchThreshold}},
		{ListingsConfig{BatchWindow: time.Second, BatchThreshold: 7}, ListingsConfig{BatchWindow: time.Second, BatchThreshold: 7}},
	} {
		if got := NewListings(c, tc.in).Members.cfg; got != tc.want {
			t.Errorf("NewListings(%+v) uses %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestListingsRefreshManyInOneListing(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1000, 5000} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			t.Parallel()
			f := newFakeMembers(n)
			_, l := newListingsFor(t, f, 0)
			readConcurrently(t, l, f.emails, 10)
			pages := int64((n + api.MaxPageSize - 1) / api.MaxPageSize)
			if got := f.lists.Load(); got != 1 {
				t.Errorf("%d reads made %d listings, want 1", n, got)
			}
			if got := f.listRequests.Load(); got != pages {
				t.Errorf("the listing took %d requests, want %d pages", got, pages)
			}
			if got := f.gets.Load(); got > DefaultBatchThreshold {
				t.Errorf("%d reads made %d single GETs, want at most %d", n, got, DefaultBatchThreshold)
			}
		})
	}
}

// Reads that arrive together (the CLI sends up to 10 at once) share one listing even though none was
// there when they came.
func TestListingsConcurrentMissesShareOneListing(t *testing.T) {
	t.Parallel()
	f := newFakeMembers(2500)
	_, l := newListingsFor(t, f, 200*time.Millisecond)
	readConcurrently(t, l, f.emails[:10], 10)
	if f.lists.Load() != 1 || f.gets.Load() != 0 {
		t.Errorf("10 concurrent reads made %d listings and %d GETs, want 1 listing and no GET", f.lists.Load(), f.gets.Load())
	}
}

func TestListingsOneReadInAHugeOrganizationIsOneGet(t *testing.T) {
	t.Parallel()
	f := newFakeMembers(10000)
	_, l := newListingsFor(t, f, 0)
	readConcurrently(t, l, f.emails[4321:4322], 1)
	if f.gets.Load() != 1 || f.listRequests.Load() != 0 {
		t.Errorf("one read made %d GETs and %d list requests, want 1 GET and no listing", f.gets.Load(), f.listRequests.Load())
	}
}

// Reads that come one at a time (-parallelism=1) switch to the listing once they are many.
func TestListingsSerialReadsSwitchToListing(t *testing.T) {
	t.Parallel()
	f := newFakeMembers(300)
	_, l := newListingsFor(t, f, time.Millisecond)
	readConcurrently(t, l, f.emails, 1)
	if got, want := f.gets.Load(), int64(DefaultBatchThreshold-1); got != want {
		t.Errorf("300 serial reads made %d GETs, want %d before the listing", got, want)
	}
	if f.lists.Load() != 1 {
		t.Errorf("300 serial reads made %d listings, want 1", f.lists.Load())
	}
}

// TestListingsThresholdReadListsAtOnce: the read that brings an organization to BatchThreshold reads
// lists at once; it does not wait another batching window first.
func TestListingsThresholdReadListsAtOnce(t *testing.T) {
	t.Parallel()
	const window = time.Second
	f := newFakeMembers(5)
	_, l := newListingsFor(t, f, window)
	// Two reads together share a window and, being fewer than the threshold, make their GETs.
	readConcurrently(t, l, f.emails[:DefaultBatchThreshold-1], DefaultBatchThreshold-1)
	ctx, cancel := context.WithTimeout(t.Context(), window/2)
	defer cancel()
	if _, err := l.Members.Get(ctx, "org_1", f.emails[DefaultBatchThreshold-1]); err != nil {
		t.Fatalf("the read that reaches the threshold: %v (did it wait a window?)", err)
	}
	if f.lists.Load() != 1 {
		t.Errorf("%d listings, want 1", f.lists.Load())
	}
}

// TestListingsExactlyThresholdReadsShareOneListing: as many concurrent reads as BatchThreshold, no more,
// are enough to list: the ones that waited in the window use that listing instead of making GETs.
func TestListingsExactlyThresholdReadsShareOneListing(t *testing.T) {
	t.Parallel()
	f := newFakeMembers(50)
	_, l := newListingsFor(t, f, 500*time.Millisecond)
	readConcurrently(t, l, f.emails[:DefaultBatchThreshold], DefaultBatchThreshold)
	if f.lists.Load() != 1 || f.gets.Load() != 0 {
		t.Errorf("%d concurrent reads made %d listings and %d GETs, want 1 listing and no GET", DefaultBatchThreshold, f.lists.Load(), f.gets.Load())
	}
}

// TestListingsEveryLoneReadWaitsForCompany: below the threshold, each read that finds no listing waits
// a batching window of its own for others to join it, not only the first one.
func TestListingsEveryLoneReadWaitsForCompany(t *testing.T) {
	t.Parallel()
	const window = 200 * time.Millisecond
	f := newFakeMembers(5)
	_, l := newListingsFor(t, f, window)
	for i := range DefaultBatchThreshold - 1 {
		start := time.Now()
		if _, err := l.Members.Get(t.Context(), "org_1", f.emails[i]); err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took < window {
			t.Errorf("read %d took %v, less than the %v window", i+1, took, window)
		}
	}
}

func TestListingsMissingFromCompleteListingIsNotFound(t *testing.T) {
	t.Parallel()
	f := newFakeMembers(1500)
	_, l := newListingsFor(t, f, 0)
	if _, err := l.Members.All(t.Context(), "org_1"); err != nil {
		t.Fatal(err)
	}
	_, err := l.Members.Get(t.Context(), "org_1", "gone@example.com")
	if !IsNotFound(err) {
		t.Fatalf("a member missing from a complete listing: got %v, want not found", err)
	}
	if !strings.Contains(err.Error(), "gone@example.com") {
		t.Errorf("the not-found error does not name the member: %v", err)
	}
	// Emails are compared regardless of case, as the server does.
	m, err := l.Members.Get(t.Context(), "org_1", "MEMBER-01234@Example.COM")
	if err != nil || m.Email != "member-01234@example.com" {
		t.Errorf("a member read in another case: %v, %v", m, err)
	}
	if f.gets.Load() != 0 {
		t.Errorf("reads served by the listing made %d GETs", f.gets.Load())
	}
}

// A listing that fails on its second page fails every read that waited on it; none of them is told
// that its object does not exist, and the next read lists again.
func TestListingsPartialListingFailureIsAnError(t *testing.T) {
	t.Parallel()
	f := newFakeMembers(2500)
	f.failPage = 2
	_, l := newListingsFor(t, f, 100*time.Millisecond)
	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := range errs {
		wg.Go(func() {
			// Members on the first page, which did arrive, and on the third, which never did.
			email := f.emails[i*250]
			_, errs[i] = l.Members.Get(t.Context(), "org_1", email)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err == nil || IsNotFound(err) || !IsForbidden(err) {
			t.Errorf("read %d after a failed listing: got %v, want the listing's 403", i, err)
		}
	}
	f.mu.Lock()
	f.failPage = 0
	f.mu.Unlock()
	before := f.lists.Load()
	if _, err := l.Members.Get(t.Context(), "org_1", f.emails[2400]); err != nil {
		t.Errorf("a read after the failure cleared: %v", err)
	}
	if f.lists.Load() != before+1 || f.gets.Load() != 0 {
		t.Errorf("the read after the failure made %d listings and %d GETs, want 1 new listing (the failed one is not kept)",
			f.lists.Load()-before, f.gets.Load())
	}
}

// An organization-level answer reaches every read as it is, whether the reads were served by one
// listing or each by its GET: an organization the caller cannot see is never "every object not found"
// (which would remove them all from state), and a deleted one is "not found" for each.
func TestListingsOrganizationLevelAnswerReachesEveryRead(t *testing.T) {
	t.Parallel()
	answers := []struct {
		problem     api.Problem
		notFound    bool
		notVisible  bool
		orgDeletion bool
	}{
		{api.Problem{Status: http.StatusNotFound, Type: api.ProblemOrganizationNotFound, Detail: `organization "org_1" not found`}, false, true, false},
		{api.Problem{Status: http.StatusGone, Type: api.ProblemOrganizationDeleted, Detail: `organization "org_1" was deleted`}, true, false, true},
	}
	for _, a := range answers {
		for _, reads := range []int{1, 10} { // one read is one GET; ten share one listing
			t.Run(fmt.Sprintf("%s/%d reads", a.problem.Type, reads), func(t *testing.T) {
				t.Parallel()
				f := newFakeMembers(100)
				f.orgAnswer = &a.problem
				_, l := newListingsFor(t, f, 50*time.Millisecond)
				errs := make([]error, reads)
				var wg sync.WaitGroup
				for i := range errs {
					wg.Go(func() { _, errs[i] = l.Members.Get(t.Context(), "org_1", f.emails[i]) })
				}
				wg.Wait()
				for i, err := range errs {
					e, ok := asError(err)
					if !ok || IsNotFound(err) != a.notFound || IsOrganizationNotVisible(err) != a.notVisible ||
						IsOrganizationDeleted(err) != a.orgDeletion || e.OrganizationID != "org_1" {
						t.Errorf("read %d: got %#v, want the organization's answer %s for org_1", i, err, a.problem.Type)
					}
				}
				// Both paths ran: a failed listing is not kept, so a read arriving after it lists again.
				if reads == 1 && (f.gets.Load() != 1 || f.lists.Load() != 0) || reads > 1 && (f.lists.Load() == 0 || f.gets.Load() != 0) {
					t.Errorf("%d reads made %d listings and %d GETs", reads, f.lists.Load(), f.gets.Load())
				}
				if _, err := l.Members.All(t.Context(), "org_1"); IsNotFound(err) != a.notFound || IsOrganizationNotVisible(err) != a.notVisible {
					t.Errorf("All: got %v, want the organization's answer %s", err, a.problem.Type)
				}
			})
		}
	}
}

// After the client's own write to an organization (a create, an update or a delete), no read is
// served from a listing made before it.
func TestListingsNeverStaleAfterOwnWrite(t *testing.T) {
	t.Parallel()
	f := newFakeMembers(100)
	c, l := newListingsFor(t, f, 0)
	ctx := t.Context()
	victim := f.emails[7]
	if _, err := l.Members.All(ctx, "org_1"); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveMember(ctx, "org_1", victim); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Members.Get(ctx, "org_1", victim); !IsNotFound(err) {
		t.Errorf("read after removing %s: got %v, want not found", victim, err)
	}
	if _, err := c.AddMember(ctx, "org_1", api.MemberCreate{Email: "new@example.com", Role: api.RoleMember}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Members.Get(ctx, "org_1", "new@example.com"); err != nil {
		t.Errorf("read after adding new@example.com: %v", err)
	}
	all, err := l.Members.All(ctx, "org_1")
	if err != nil || len(all) != 100 {
		t.Errorf("All after one removal and one addition: %d members, %v; want 100", len(all), err)
	}

	// An update (PATCH), after the listing just made: both a read and All see the new role.
	promoted := f.emails[3]
	admin := api.RoleAdmin
	if _, err := c.UpdateMember(ctx, "org_1", promoted, api.MemberUpdate{Role: &admin}); err != nil {
		t.Fatal(err)
	}
	if m, err := l.Members.Get(ctx, "org_1", promoted); err != nil || m.Role != api.RoleAdmin {
		t.Errorf("read after making %s an admin: %+v, %v; want role admin", promoted, m, err)
	}
	promoted = f.emails[4]
	if _, err := c.UpdateMember(ctx, "org_1", promoted, api.MemberUpdate{Role: &admin}); err != nil {
		t.Fatal(err)
	}
	all, err = l.Members.All(ctx, "org_1")
	if err != nil {
		t.Fatal(err)
	}
	switch i := slices.IndexFunc(all, func(m api.Member) bool { return m.Email == promoted }); {
	case i < 0:
		t.Errorf("All after making %s an admin does not hold them", promoted)
	case all[i].Role != api.RoleAdmin:
		t.Errorf("All after making %s an admin holds them as %s", promoted, all[i].Role)
	}
}

// TestListingsAllReusesOnlyAFreshListing: All answers from the current listing while no write of this
// client made it older, and lists again after one.
func TestListingsAllReusesOnlyAFreshListing(t *testing.T) {
	t.Parallel()
	f := newFakeMembers(20)
	c, l := newListingsFor(t, f, 0)
	ctx := t.Context()
	for range 2 {
		if all, err := l.Members.All(ctx, "org_1"); err != nil || len(all) != 20 {
			t.Fatalf("All: %d members, %v; want 20", len(all), err)
		}
	}
	if f.lists.Load() != 1 {
		t.Errorf("two All without a write in between made %d listings, want 1", f.lists.Load())
	}
	if err := c.RemoveMember(ctx, "org_1", f.emails[0]); err != nil {
		t.Fatal(err)
	}
	if all, err := l.Members.All(ctx, "org_1"); err != nil || len(all) != 19 {
		t.Errorf("All after a removal: %d members, %v; want 19", len(all), err)
	}
	if f.lists.Load() != 2 {
		t.Errorf("All after a write made %d listings in all, want 2", f.lists.Load())
	}
}

// A reader that gives up does not fail the others waiting on the same listing.
func TestListingsCallerCancelLeavesOthersServed(t *testing.T) {
	t.Parallel()
	f := newFakeMembers(500)
	_, l := newListingsFor(t, f, 50*time.Millisecond)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := l.Members.Get(ctx, "org_1", f.emails[0])
		done <- err
	}()
	cancel()
	if err := <-done; err == nil {
		t.Error("a canceled read returned no error")
	}
	readConcurrently(t, l, f.emails[1:20], 10)
}

func decodeBody(r *http.Request, v any) error {
	return json.NewDecoder(r.Body).Decode(v)
}

// GetForCheck reads like Get until the client writes to the organization; after that it answers from a
// listing newer than the write or not at all, so plan-time checks re-run during an apply do not list
// the organization once per created object.
func TestListingsGetForCheckAfterWrites(t *testing.T) {
	t.Parallel()
	f := newFakeMembers(50)
	c, l := newListingsFor(t, f, 0)
	ctx := t.Context()
	if _, checked, err := l.Members.GetForCheck(ctx, "org_1", f.emails[3]); !checked || err != nil {
		t.Fatalf("before any write: checked %v, %v; want a read", checked, err)
	}
	for i := range 5 {
		if _, err := c.AddMember(ctx, "org_1", api.MemberCreate{Email: fmt.Sprintf("new-%d@example.com", i), Role: api.RoleMember}); err != nil {
			t.Fatal(err)
		}
		before := f.listRequests.Load() + f.gets.Load()
		if _, checked, _ := l.Members.GetForCheck(ctx, "org_1", f.emails[3]); checked {
			t.Errorf("after write %d the check read again", i)
		}
		if after := f.listRequests.Load() + f.gets.Load(); after != before {
			t.Errorf("after write %d the check made %d requests, want none", i, after-before)
		}
	}
	// A listing made after the writes answers again.
	if _, err := l.Members.All(ctx, "org_1"); err != nil {
		t.Fatal(err)
	}
	if m, checked, err := l.Members.GetForCheck(ctx, "org_1", "new-4@example.com"); !checked || err != nil || m == nil {
		t.Errorf("with a fresh listing: %v, %v, %v; want the new member", m, checked, err)
	}
}
