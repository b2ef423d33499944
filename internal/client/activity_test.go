package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// TestWalkActivityPagesAndStops serves the log in pages of 3, newest first: a full walk sees every
// entry in order, and a walk that stops asks for no page after the one it stopped in.
func TestWalkActivityPagesAndStops(t *testing.T) {
	t.Parallel()
	const total, pageSize = 10, 3
	rec := &recorder{}
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		rec.add(r)
		start := 0
		if tok := r.URL.Query().Get(api.QueryPageToken); tok != "" {
			start, _ = strconv.Atoi(strings.TrimPrefix(tok, "from-"))
		}
		end := min(start+pageSize, total)
		page := api.Page[api.ActivityEntry]{Items: []api.ActivityEntry{}}
		for i := start; i < end; i++ {
			page.Items = append(page.Items, api.ActivityEntry{ID: fmt.Sprintf("act_%d", total-i), Action: "label.update"})
		}
		if end < total {
			page.NextPageToken = fmt.Sprintf("from-%d", end)
		}
		writeJSON(w, http.StatusOK, page)
	})

	var seen []string
	if err := c.WalkActivity(context.Background(), "o1", ActivityFilter{}, func(e api.ActivityEntry) bool {
		seen = append(seen, e.ID)
		return true
	}); err != nil {
		t.Fatalf("WalkActivity: %v", err)
	}
	if len(seen) != total || seen[0] != "act_10" || seen[total-1] != "act_1" {
		t.Fatalf("walked %v, want act_10 down to act_1", seen)
	}
	if got := len(rec.all()); got != 4 {
		t.Fatalf("%d requests for %d entries in pages of %d, want 4", got, total, pageSize)
	}
	for i, r := range rec.all() {
		q, _ := url.ParseQuery(r.query)
		if r.path != "/api/v1/orgs/o1/activity" || q.Get(api.QueryPageSize) != strconv.Itoa(api.MaxPageSize) {
			t.Errorf("request %d: %s?%s", i, r.path, r.query)
		}
	}

	// Stop at the fourth entry: the first page of the walk above and one more.
	before := len(rec.all())
	seen = nil
	if err := c.WalkActivity(context.Background(), "o1", ActivityFilter{}, func(e api.ActivityEntry) bool {
		seen = append(seen, e.ID)
		return len(seen) < 4
	}); err != nil {
		t.Fatalf("WalkActivity: %v", err)
	}
	if want := []string{"act_10", "act_9", "act_8", "act_7"}; fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Fatalf("walked %v, want %v", seen, want)
	}
	if got := len(rec.all()) - before; got != 2 {
		t.Fatalf("a walk that stopped at the fourth entry made %d requests, want 2", got)
	}
}

// TestWalkActivitySendsFilters: the filters travel as the server's query parameters, repeated ones
// repeated, times in RFC 3339, on every page.
func TestWalkActivitySendsFilters(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		rec.add(r)
		writeJSON(w, http.StatusOK, api.Page[api.ActivityEntry]{Items: []api.ActivityEntry{}})
	})
	since := time.Date(2030, 1, 2, 3, 4, 5, 0, time.FixedZone("CET", 3600))
	f := ActivityFilter{ObjectTypes: []string{"label"}, ObjectIDs: []string{"a", "b/c"}, Action: "label.update", ActorType: "user", ActorID: "usr_1", Since: &since}
	if err := c.WalkActivity(t.Context(), "o1", f, func(api.ActivityEntry) bool { return true }); err != nil {
		t.Fatal(err)
	}
	q, _ := url.ParseQuery(rec.all()[0].query)
	want := url.Values{
		"object_type": {"label"}, "object_id": {"a", "b/c"}, "action": {"label.update"}, "actor_type": {"user"}, "actor_id": {"usr_1"},
		"since": {"2030-01-02T02:04:05Z"}, api.QueryPageSize: {strconv.Itoa(api.MaxPageSize)},
	}
	if fmt.Sprint(q) != fmt.Sprint(want) {
		t.Fatalf("query %v, want %v", q, want)
	}
}

// TestLastChangesOneRequestPerBatch: questions about one organization asked together share one
// request that names all their objects, and each gets the newest entry about its own object; another
// organization has its own request; a question asked after the batch ran makes the next one.
func TestLastChangesOneRequestPerBatch(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	log := map[string][]api.ActivityEntry{ // newest first, as the server lists it
		"o1": {
			{ID: "3", ObjectType: "label", ObjectID: "team", Action: "label.delete", ActorID: "usr_bob"},
			{ID: "2", ObjectType: "member", ObjectID: "usr_alice", Action: "member.update", ActorID: "usr_bob"},
			{ID: "1", ObjectType: "label", ObjectID: "team", Action: "label.create", ActorID: "usr_carol"},
		},
		"o2": {{ID: "9", ObjectType: "environment", ObjectID: "env_1", Action: "environment.update", ActorID: "tok_1"}},
	}
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		rec.add(r)
		org := strings.Split(r.URL.Path, "/")[4]
		ids := r.URL.Query()[api.QueryActivityObjectID]
		page := api.Page[api.ActivityEntry]{Items: []api.ActivityEntry{}}
		for _, e := range log[org] {
			if slices.Contains(ids, e.ObjectID) {
				page.Items = append(page.Items, e)
			}
		}
		writeJSON(w, http.StatusOK, page)
	})
	lc := NewLastChanges(c, 50*time.Millisecond)
	questions := []struct {
		org    string
		obj    ActivityObject
		wantID string
	}{
		{"o1", ActivityObject{Type: "label", IDs: []string{"team"}}, "3"},
		{"o1", ActivityObject{Type: "member", IDs: []string{"usr_alice", "alice@example.com"}}, "2"},
		{"o1", ActivityObject{Type: "label", IDs: []string{"never-changed"}}, ""},
		{"o2", ActivityObject{Type: "environment", IDs: []string{"env_1"}}, "9"},
	}
	var wg sync.WaitGroup
	for _, q := range questions {
		wg.Go(func() {
			e, err := lc.Last(t.Context(), q.org, q.obj)
			switch {
			case err != nil:
				t.Errorf("%+v: %v", q.obj, err)
			case q.wantID == "" && e != nil:
				t.Errorf("%+v: got entry %+v, want none", q.obj, e)
			case q.wantID != "" && (e == nil || e.ID != q.wantID):
				t.Errorf("%+v: got entry %+v, want %s", q.obj, e, q.wantID)
			}
		})
	}
	wg.Wait()
	reqs := rec.all()
	if len(reqs) != 2 {
		t.Fatalf("%d requests for two organizations' questions asked together, want 2: %+v", len(reqs), reqs)
	}
	for _, r := range reqs {
		if strings.Contains(r.path, "/o1/") {
			q, _ := url.ParseQuery(r.query)
			if got := q[api.QueryActivityObjectID]; len(got) != 4 {
				t.Errorf("the request for o1 names objects %v, want the four ids asked about", got)
			}
		}
	}
	if _, err := lc.Last(t.Context(), "o1", ActivityObject{Type: "label", IDs: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	if got := len(rec.all()); got != 3 {
		t.Fatalf("a question after the batch ran made %d requests in all, want 3", got)
	}
}

// TestLastChangesForbidden: a caller that may not read the log gets the 403 as an error IsForbidden
// recognizes, for every question of the batch.
func TestLastChangesForbidden(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusForbidden, api.Problem{Type: api.ProblemForbidden, Title: "Forbidden", Status: http.StatusForbidden, Detail: "may not read activity"})
	})
	lc := NewLastChanges(c, time.Millisecond)
	_, err := lc.Last(t.Context(), "o1", ActivityObject{Type: "label", IDs: []string{"team"}})
	if !IsForbidden(err) {
		t.Fatalf("got %v, want a 403", err)
	}
}

// TestLastChangesLastOf: several objects asked about in one call join the batch of the questions asked
// with them (one request), each answered by its index; objects whose ids would overflow the batch's
// one request go in a batch of their own.
func TestLastChangesLastOf(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	log := []api.ActivityEntry{ // newest first
		{ID: "3", ObjectType: "member", ObjectID: "usr_bob", Action: "member.update"},
		{ID: "2", ObjectType: "label", ObjectID: "team", Action: "label.update"},
		{ID: "1", ObjectType: "member", ObjectID: "eve@example.com", Action: "member.create"},
	}
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		rec.add(r)
		ids := r.URL.Query()[api.QueryActivityObjectID]
		page := api.Page[api.ActivityEntry]{Items: []api.ActivityEntry{}}
		for _, e := range log {
			if slices.Contains(ids, e.ObjectID) {
				page.Items = append(page.Items, e)
			}
		}
		writeJSON(w, http.StatusOK, page)
	})
	lc := NewLastChanges(c, 50*time.Millisecond)
	var wg sync.WaitGroup
	wg.Go(func() {
		if e, err := lc.Last(t.Context(), "o1", ActivityObject{Type: "label", IDs: []string{"team"}}); err != nil || e == nil || e.ID != "2" {
			t.Errorf("the label's last change: %+v, %v; want entry 2", e, err)
		}
	})
	latest, err := lc.LastOf(t.Context(), "o1", []ActivityObject{
		{Type: "member", IDs: []string{"eve@example.com"}},
		{Type: "member", IDs: []string{"dan@example.com", "usr_dan"}},
		{Type: "member", IDs: []string{"bob@example.com", "usr_bob"}},
	})
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	got := make([]string, len(latest))
	for i, e := range latest {
		if e != nil {
			got[i] = e.ID
		}
	}
	if want := []string{"1", "", "3"}; !slices.Equal(got, want) {
		t.Errorf("LastOf answered entries %q, want %q", got, want)
	}
	if n := len(rec.all()); n != 1 {
		t.Errorf("a Last and a LastOf asked together made %d requests, want 1", n)
	}

	// A batch full to the limit: the next question goes in a batch of its own.
	full := make([]ActivityObject, api.MaxActivityObjectIDs)
	for i := range full {
		full[i] = ActivityObject{Type: "member", IDs: []string{fmt.Sprintf("usr_%d", i)}}
	}
	before := len(rec.all())
	wg.Go(func() {
		if _, err := lc.LastOf(t.Context(), "o1", full); err != nil {
			t.Error(err)
		}
	})
	time.Sleep(10 * time.Millisecond) // the full batch is open first
	if _, err := lc.Last(t.Context(), "o1", ActivityObject{Type: "label", IDs: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if n := len(rec.all()) - before; n != 2 {
		t.Errorf("a question that does not fit in the open batch: %d requests in all, want 2", n)
	}
}

// TestLastChangesStopsOnceEveryObjectIsFound: the log is read newest first, so once each object asked
// about has its latest entry, older pages cannot change an answer and are not asked for. A log of many
// pages whose first page answers both questions costs one request.
func TestLastChangesStopsOnceEveryObjectIsFound(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		rec.add(r)
		page := api.Page[api.ActivityEntry]{Items: []api.ActivityEntry{
			{ID: "act_9", ObjectType: "label", ObjectID: "team", Action: "label.update"},
			{ID: "act_8", ObjectType: "member", ObjectID: "usr_alice", Action: "member.update"},
		}}
		if r.URL.Query().Get(api.QueryPageToken) == "" {
			page.NextPageToken = "older" // and older pages forever: a walk that does not stop never ends
		} else {
			page.NextPageToken = r.URL.Query().Get(api.QueryPageToken) + "-older"
		}
		writeJSON(w, http.StatusOK, page)
	})
	lc := NewLastChanges(c, time.Millisecond)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	latest, err := lc.LastOf(ctx, "o1", []ActivityObject{
		{Type: "label", IDs: []string{"team"}},
		{Type: "member", IDs: []string{"usr_alice"}},
	})
	if err != nil {
		t.Fatalf("LastOf: %v (after %d requests)", err, len(rec.all()))
	}
	if len(latest) != 2 || latest[0] == nil || latest[0].ID != "act_9" || latest[1] == nil || latest[1].ID != "act_8" {
		t.Fatalf("latest changes %+v, want act_9 and act_8", latest)
	}
	if got := len(rec.all()); got != 1 {
		t.Errorf("%d requests for two objects both answered by the first page, want 1", got)
	}
}

// TestLastChangesZeroWindowTakesTheDefault: NewLastChanges(c, 0) batches with DefaultChangesWindow, so
// a question asked shortly after another joins its request instead of making one of its own.
func TestLastChangesZeroWindowTakesTheDefault(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		rec.add(r)
		writeJSON(w, http.StatusOK, api.Page[api.ActivityEntry]{Items: []api.ActivityEntry{}})
	})
	lc := NewLastChanges(c, 0)
	var wg sync.WaitGroup
	for i, delay := range []time.Duration{0, DefaultChangesWindow / 10} {
		wg.Go(func() {
			time.Sleep(delay)
			if _, err := lc.Last(t.Context(), "o1", ActivityObject{Type: "label", IDs: []string{fmt.Sprint("k", i)}}); err != nil {
				t.Errorf("question %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if got := len(rec.all()); got != 1 {
		t.Errorf("two questions %s apart made %d requests, want 1 (the default window is %s)", DefaultChangesWindow/10, got, DefaultChangesWindow)
	}
}
