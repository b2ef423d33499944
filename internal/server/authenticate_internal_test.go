package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// TestRateLimitFloodOfInvalidTokens (finding 7): 20,000 requests, each with a different made-up token,
// from one address draw 429s once the address's budget is spent, and the limiter keeps one bucket for
// them all.
func TestRateLimitFloodOfInvalidTokens(t *testing.T) {
	t.Parallel()
	s, err := New(Config{DBPath: filepath.Join(t.TempDir(), "orgs.db"), RateLimit: RateLimit{PerSecond: 0.001, Burst: 50}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	statuses := map[int]int{}
	for i := range 20000 {
		req := httptest.NewRequest(http.MethodGet, api.PathCurrentUser, nil)
		req.RemoteAddr = "192.0.2.7:40000"
		req.Header.Set("Authorization", fmt.Sprintf("Bearer orgs_pat_guess%06d", i))
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		statuses[rec.Code]++
	}
	if statuses[http.StatusTooManyRequests] < 19000 || statuses[http.StatusUnauthorized] > 60 {
		t.Fatalf("statuses of 20,000 guesses: %v; want 429 for all but the first 50 or so", statuses)
	}
	if n := s.limiter.Size(); n > 1 {
		t.Fatalf("the limiter holds %d buckets after guesses from one address, want 1", n)
	}
	// Another address is not held back.
	req := httptest.NewRequest(http.MethodPost, api.PathUsers, strings.NewReader(`{"email":"a@example.test"}`))
	req.RemoteAddr = "198.51.100.9:40000"
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != http.StatusCreated {
		t.Fatalf("sign-up from another address: %d %s", rec.Code, rec.Body)
	}
}

// A credential stops working at its expiry instant, not a moment after: a personal token and an
// organization API token alike, each used for the first time at exactly that instant (so read from the
// database, not the authentication cache, which checks expiry on its own).
func TestCredentialsStopAtTheirExpiry(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	s, err := New(Config{DBPath: filepath.Join(t.TempDir(), "orgs.db"), RateLimit: RateLimit{Disabled: true},
		Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	const owner = "owner-token-of-at-least-32-characters"
	if err := s.Bootstrap(t.Context(), "owner@example.test", owner, nil); err != nil {
		t.Fatal(err)
	}
	create := func(path, body string, out any) {
		rec := serve(s, owner, http.MethodPost, path, body)
		if rec.Code != http.StatusCreated {
			t.Fatalf("POST %s: %d %s", path, rec.Code, rec.Body)
		}
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			t.Fatal(err)
		}
	}
	var org api.Organization
	create(api.PathOrganizations, `{"name":"o","plan":"starter","admin_contact_emails":["o@example.test"]}`, &org)
	expiry := now.Add(time.Hour)
	var personal api.PersonalToken
	create(api.PathPersonalTokens, fmt.Sprintf(`{"name":"pat","expires_at":%q}`, expiry.Format(time.RFC3339)), &personal)
	var orgToken api.APIToken
	create(strings.ReplaceAll(api.PathAPITokens, "{org_id}", org.ID),
		fmt.Sprintf(`{"name":"t","role":"admin","expires_at":%q}`, expiry.Format(time.RFC3339)), &orgToken)

	mu.Lock()
	now = expiry
	mu.Unlock()
	orgPath := strings.ReplaceAll(api.PathOrganization, "{org_id}", org.ID)
	for name, token := range map[string]string{"personal token": personal.Token, "organization API token": orgToken.Token} {
		if rec := serve(s, token, http.MethodGet, orgPath, ""); rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), "expired") {
			t.Errorf("a %s at its expiry instant: %d %s; want 401 saying it expired", name, rec.Code, rec.Body)
		}
	}
}
