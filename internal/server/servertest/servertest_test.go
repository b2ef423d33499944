package servertest_test

import (
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/servertest"
)

// currentUser asks srv who token belongs to, returning the status and the user.
func currentUser(t *testing.T, url, token string) (int, api.User) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url+api.PathCurrentUser, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var u api.User
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&u); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode, u
}

// TestStartBootstrapsTheOwnerAndRestarts: the owner's token works on the started server; a server
// started again on its database (after the first is closed) still knows the owner and bootstraps no one.
func TestStartBootstrapsTheOwnerAndRestarts(t *testing.T) {
	t.Parallel()
	first := servertest.Start(t, servertest.WithOwner("Kit.Owner@example.test", "orgs_pat_servertest-owner-token-0000000000"))
	if status, u := currentUser(t, first.URL, first.OwnerToken); status != http.StatusOK || u.Email != "Kit.Owner@example.test" {
		t.Fatalf("the owner's token: %d %+v", status, u)
	}
	if err := first.Server.Close(); err != nil {
		t.Fatal(err)
	}
	again := servertest.Start(t, servertest.WithDatabase(first.DBPath))
	if again.OwnerToken != "" || again.OwnerEmail != "" {
		t.Errorf("a restart bootstrapped %q with a token", again.OwnerEmail)
	}
	if status, u := currentUser(t, again.URL, first.OwnerToken); status != http.StatusOK || u.Email != "Kit.Owner@example.test" {
		t.Fatalf("the owner's token after the restart: %d %+v", status, u)
	}
}

// TestClock: a reading moves the clock on by its step; Advance jumps it.
func TestClock(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	c := servertest.NewClock(start, time.Millisecond)
	if got := c.Now(); !got.Equal(start.Add(time.Millisecond)) {
		t.Fatalf("first reading %v", got)
	}
	c.Advance(time.Hour)
	if got := c.Now(); !got.Equal(start.Add(time.Hour + 2*time.Millisecond)) {
		t.Fatalf("after Advance(1h): %v", got)
	}
	still := servertest.NewClock(start, 0)
	if first, second := still.Now(), still.Now(); !first.Equal(second) {
		t.Fatal("a clock without a step moved by itself")
	}
}

// TestWithHandlerWrappersNest: every WithHandler wraps the server, the first given outermost, so a
// wrapper added by a test does not take the place of one a test kit installed.
func TestWithHandlerWrappersNest(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var order []string
	mark := func(name string) servertest.Option {
		return servertest.WithHandler(func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				order = append(order, name)
				mu.Unlock()
				next.ServeHTTP(w, r)
			})
		})
	}
	srv := servertest.Start(t, mark("outer"), mark("inner"))
	if status, _ := currentUser(t, srv.URL, srv.OwnerToken); status != http.StatusOK {
		t.Fatalf("through two wrappers: %d", status)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(order) != 2 || order[0] != "outer" || order[1] != "inner" {
		t.Errorf("the wrappers saw the request in the order %v, want [outer inner]", order)
	}
}
