package client

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// TestServerTimeFollowsDate: the client's idea of the server's time is the Date of its latest response,
// error responses included, however far the local clock is from it.
func TestServerTimeFollowsDate(t *testing.T) {
	t.Parallel()
	var serverNow atomic.Int64
	serverNow.Store(time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC).Unix())
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", time.Unix(serverNow.Load(), 0).UTC().Format(http.TimeFormat))
		if r.URL.Path == "/api/v1/orgs/gone" {
			writeProblem(w, http.StatusNotFound, api.ProblemNotFound, "no such organization")
			return
		}
		writeJSON(w, http.StatusOK, api.Organization{ID: "org_1"})
	})
	if got, ok := c.ServerTime(); ok {
		t.Fatalf("before any response ServerTime = %v, true; want false", got)
	}
	near := func(want time.Time) {
		t.Helper()
		got, ok := c.ServerTime()
		if !ok || got.Before(want) || got.Sub(want) > 5*time.Second {
			t.Errorf("ServerTime = %v, %v; want about %v", got, ok, want)
		}
	}
	if _, err := c.GetOrganization(t.Context(), "org_1"); err != nil {
		t.Fatal(err)
	}
	near(time.Unix(serverNow.Load(), 0))

	serverNow.Add(int64(40 * 24 * time.Hour / time.Second))
	if _, err := c.GetOrganization(t.Context(), "gone"); !IsNotFound(err) {
		t.Fatalf("want a 404, got %v", err)
	}
	near(time.Unix(serverNow.Load(), 0))
}
