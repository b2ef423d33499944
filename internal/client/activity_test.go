package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

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
	if err := c.WalkActivity(context.Background(), "o1", func(e api.ActivityEntry) bool {
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
	if err := c.WalkActivity(context.Background(), "o1", func(e api.ActivityEntry) bool {
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
