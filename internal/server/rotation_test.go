package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// Token rotation (issue 8): last_used_at, and the server's clock in Date.

// writeBatches counts the write transactions the server has committed so far (the committer logs each
// at debug level).
func writeBatches(h *harness) int {
	return strings.Count(h.Logs.String(), `msg="write batch"`)
}

func (h *harness) flushLastUsed(tb testing.TB) {
	tb.Helper()
	if err := h.Server.FlushLastUsed(tb.Context()); err != nil {
		tb.Fatalf("flush last used: %v", err)
	}
}

func (h *harness) apiToken(tb testing.TB, cred, orgID, id string) api.APIToken {
	tb.Helper()
	return decode[api.APIToken](tb, h.expect(tb, http.StatusOK, cred, http.MethodGet, path(api.PathAPIToken, "org_id", orgID, "token_id", id), nil))
}

// TestLastUsedAt: a token's use is recorded, then not again for a minute however often it is used (one
// write, not one per request), then again once a minute has passed; personal tokens likewise.
func TestLastUsedAt(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	tok := h.createAPIToken(t, owner.Token, org.ID, api.RoleMember)
	orgPath := path(api.PathOrganization, "org_id", org.ID)
	h.flushLastUsed(t)
	if got := h.apiToken(t, owner.Token, org.ID, tok.ID).LastUsedAt; got != nil {
		t.Fatalf("a token never used has last_used_at %v", got)
	}

	before := writeBatches(h)
	h.expect(t, http.StatusOK, tok.Token, http.MethodGet, orgPath, nil)
	firstUse := h.Clock.Now()
	for range 20 {
		// Flushed after every read, so that a use noted each time would show as a write each time.
		h.flushLastUsed(t)
		h.expect(t, http.StatusOK, tok.Token, http.MethodGet, orgPath, nil)
	}
	h.flushLastUsed(t)
	if n := writeBatches(h) - before; n != 1 {
		t.Errorf("21 reads with one token within a minute made %d writes, want 1", n)
	}
	first := h.apiToken(t, owner.Token, org.ID, tok.ID).LastUsedAt
	if first == nil || first.After(firstUse) || firstUse.Sub(*first) > time.Second {
		t.Fatalf("after the first use at about %v, last_used_at is %v", firstUse, first)
	}

	h.Clock.Advance(50 * time.Second)
	h.expect(t, http.StatusOK, tok.Token, http.MethodGet, orgPath, nil)
	h.flushLastUsed(t)
	if got := h.apiToken(t, owner.Token, org.ID, tok.ID).LastUsedAt; got == nil || !got.Equal(*first) {
		t.Errorf("a use 50s after the recorded one changed last_used_at from %v to %v; it is written at most once a minute", first, got)
	}

	h.Clock.Advance(15 * time.Second)
	h.expect(t, http.StatusOK, tok.Token, http.MethodGet, orgPath, nil)
	h.flushLastUsed(t)
	second := h.apiToken(t, owner.Token, org.ID, tok.ID).LastUsedAt
	if second == nil || second.Sub(*first) < time.Minute {
		t.Errorf("a use more than a minute after the recorded one left last_used_at at %v (first %v)", second, first)
	}
	// The token's listing carries it too (the provider reads tokens through listings).
	page := decode[api.Page[api.APIToken]](t, h.expect(t, http.StatusOK, owner.Token, http.MethodGet, path(api.PathAPITokens, "org_id", org.ID), nil))
	for _, listed := range page.Items {
		if listed.ID == tok.ID && (listed.LastUsedAt == nil || !listed.LastUsedAt.Equal(*second)) {
			t.Errorf("the listing's last_used_at %v, want %v", listed.LastUsedAt, second)
		}
	}

	pats := decode[api.Page[api.PersonalToken]](t, h.expect(t, http.StatusOK, owner.Token, http.MethodGet, api.PathPersonalTokens, nil))
	if len(pats.Items) != 1 || pats.Items[0].LastUsedAt == nil {
		t.Errorf("the owner's personal token, in use all along, reads %+v", pats.Items)
	}
	unused := h.createPersonalToken(t, owner.Token)
	h.flushLastUsed(t)
	got := decode[api.PersonalToken](t, h.expect(t, http.StatusOK, owner.Token, http.MethodGet, path(api.PathPersonalToken, "token_id", unused.ID), nil))
	if got.LastUsedAt != nil {
		t.Errorf("a personal token never used has last_used_at %v", got.LastUsedAt)
	}
}

// TestDateIsTheServersClock: clients compare the server's times with its Date, so Date comes from the
// server's clock, not the machine's.
func TestDateIsTheServersClock(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	h.Clock.Advance(1000 * time.Hour)
	want := h.Clock.Now()
	for _, cred := range []string{owner.Token, anonymous, "orgs_pat_wrong"} {
		r := h.do(t, cred, http.MethodGet, api.PathCurrentUser, nil)
		date, err := http.ParseTime(r.Header.Get("Date"))
		if err != nil {
			t.Fatalf("%s: Date %q: %v", r, r.Header.Get("Date"), err)
		}
		if d := date.Sub(want); d < -time.Second || d > time.Second {
			t.Errorf("%s: Date %v, want the server's clock %v", r, date, want)
		}
	}
}
