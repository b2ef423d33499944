package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/servertest"
)

// Token rotation (issue 8): last_used_at, ending a token early for an overlap, and the server's clock in
// Date.

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

// TestShortenAPIToken: PATCH moves a token's expiry earlier, never later and never into the past; the
// token works until then and not after.
func TestShortenAPIToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	tokenPath := func(id string) string { return path(api.PathAPIToken, "org_id", org.ID, "token_id", id) }
	orgPath := path(api.PathOrganization, "org_id", org.ID)
	expiring := func(in time.Duration) api.APIToken {
		at := h.Clock.Now().Add(in).Truncate(time.Second)
		r := h.expect(t, http.StatusCreated, owner.Token, http.MethodPost, path(api.PathAPITokens, "org_id", org.ID),
			api.APITokenCreate{Name: h.unique("t"), Role: api.RoleMember, ExpiresAt: &at})
		return decode[api.APIToken](t, r)
	}

	t.Run("refusals", func(t *testing.T) {
		tok := expiring(48 * time.Hour)
		for _, c := range []struct {
			name   string
			at     time.Time
			detail string
		}{
			{"later than its expiry", tok.ExpiresAt.Add(time.Second), "can only move earlier"},
			{"in the past", h.Clock.Now().Add(-time.Minute), "is in the past"},
		} {
			p := h.expectProblem(t, http.StatusUnprocessableEntity, api.ProblemInvalid, owner.Token, http.MethodPatch, tokenPath(tok.ID), api.APITokenUpdate{ExpiresAt: c.at})
			if !strings.Contains(p.Detail, c.detail) {
				t.Errorf("%s: detail %q, want it to say %q", c.name, p.Detail, c.detail)
			}
		}
		h.expectProblem(t, http.StatusUnprocessableEntity, api.ProblemInvalid, owner.Token, http.MethodPatch, tokenPath(tok.ID), map[string]any{})
		h.expectProblem(t, http.StatusUnprocessableEntity, api.ProblemInvalid, owner.Token, http.MethodPatch, tokenPath(tok.ID),
			map[string]any{"expires_at": h.Clock.Now().Add(time.Hour), "name": "renamed"})
		h.expectProblem(t, http.StatusNotFound, api.ProblemNotFound, owner.Token, http.MethodPatch, tokenPath("tok_nonexistent"), api.APITokenUpdate{ExpiresAt: h.Clock.Now().Add(time.Hour)})
		if got := h.apiToken(t, owner.Token, org.ID, tok.ID); !got.ExpiresAt.Equal(*tok.ExpiresAt) {
			t.Errorf("refused updates moved the expiry from %v to %v", tok.ExpiresAt, got.ExpiresAt)
		}
	})

	t.Run("earlier, then not later again", func(t *testing.T) {
		tok := expiring(48 * time.Hour)
		end := h.Clock.Now().Add(time.Hour).Truncate(time.Second)
		got := decode[api.APIToken](t, h.expect(t, http.StatusOK, owner.Token, http.MethodPatch, tokenPath(tok.ID), api.APITokenUpdate{ExpiresAt: end}))
		if got.ExpiresAt == nil || !got.ExpiresAt.Equal(end) || !got.Active {
			t.Fatalf("after shortening to %v the token reads %+v", end, got)
		}
		// The same expiry again changes nothing (a retried request); the old one is now "later".
		h.expect(t, http.StatusOK, owner.Token, http.MethodPatch, tokenPath(tok.ID), api.APITokenUpdate{ExpiresAt: end})
		h.expectProblem(t, http.StatusUnprocessableEntity, api.ProblemInvalid, owner.Token, http.MethodPatch, tokenPath(tok.ID), api.APITokenUpdate{ExpiresAt: *tok.ExpiresAt})

		h.expect(t, http.StatusOK, tok.Token, http.MethodGet, orgPath, nil)
		h.Clock.Advance(time.Hour)
		h.expectProblem(t, http.StatusUnauthorized, api.ProblemUnauthorized, tok.Token, http.MethodGet, orgPath, nil)
		if got := h.apiToken(t, owner.Token, org.ID, tok.ID); got.Active {
			t.Errorf("past its new expiry the token reads active: %+v", got)
		}
	})

	t.Run("a token that never expires gets an expiry", func(t *testing.T) {
		tok := h.createAPIToken(t, owner.Token, org.ID, api.RoleMember)
		end := h.Clock.Now().Add(90 * 24 * time.Hour).Truncate(time.Second)
		got := decode[api.APIToken](t, h.expect(t, http.StatusOK, owner.Token, http.MethodPatch, tokenPath(tok.ID), api.APITokenUpdate{ExpiresAt: end}))
		if got.ExpiresAt == nil || !got.ExpiresAt.Equal(end) {
			t.Errorf("expiry %v, want %v", got.ExpiresAt, end)
		}
	})

	t.Run("the activity log records it", func(t *testing.T) {
		tok := expiring(time.Hour)
		h.expect(t, http.StatusOK, owner.Token, http.MethodPatch, tokenPath(tok.ID), api.APITokenUpdate{ExpiresAt: h.Clock.Now().Add(time.Minute)})
		page := decode[api.Page[api.ActivityEntry]](t, h.expect(t, http.StatusOK, owner.Token, http.MethodGet, path(api.PathActivity, "org_id", org.ID), nil))
		for _, e := range page.Items {
			if e.Action == "api_token.update" && e.ObjectID == tok.ID {
				return
			}
		}
		t.Errorf("no api_token.update entry for %s in %+v", tok.ID, page.Items)
	})
}

// TestShortenAPITokenRights: ending a token early takes the rights of revoking it, checked in the write
// transaction, so an admin token cannot shorten tokens once its creator is demoted.
func TestShortenAPITokenRights(t *testing.T) {
	t.Parallel()
	h := newHarness(t, servertest.WithAutoAcceptMemberships())
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	target := h.createAPIToken(t, owner.Token, org.ID, api.RoleBiller)
	// Each successful call moves the expiry earlier, so each asks for an earlier one still.
	end := h.Clock.Now().Add(time.Hour)
	body := func() api.APITokenUpdate { end = end.Add(-time.Minute); return api.APITokenUpdate{ExpiresAt: end} }
	tokenPath := path(api.PathAPIToken, "org_id", org.ID, "token_id", target.ID)

	admin := h.newMember(t, owner.Token, org.ID, api.RoleAdmin)
	adminToken := h.createAPIToken(t, admin.Token, org.ID, api.RoleAdmin)
	member := h.newMember(t, owner.Token, org.ID, api.RoleMember)
	biller := h.newMember(t, owner.Token, org.ID, api.RoleBiller)
	memberToken := h.createAPIToken(t, owner.Token, org.ID, api.RoleMember)
	outsider := h.signup(t)

	h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, member.Token, http.MethodPatch, tokenPath, body())
	h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, biller.Token, http.MethodPatch, tokenPath, body())
	h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, target.Token, http.MethodPatch, tokenPath, body())
	h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, memberToken.Token, http.MethodPatch, tokenPath, body())
	h.expectProblem(t, http.StatusNotFound, api.ProblemOrganizationNotFound, outsider.Token, http.MethodPatch, tokenPath, body())
	h.expectProblem(t, http.StatusUnauthorized, api.ProblemUnauthorized, anonymous, http.MethodPatch, tokenPath, body())
	h.expect(t, http.StatusOK, adminToken.Token, http.MethodPatch, tokenPath, body())
	h.expect(t, http.StatusOK, admin.Token, http.MethodPatch, tokenPath, body())

	demoted := api.RoleMember
	h.expect(t, http.StatusOK, owner.Token, http.MethodPatch, path(api.PathMember, "org_id", org.ID, "email", admin.Email), api.MemberUpdate{Role: &demoted})
	h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, adminToken.Token, http.MethodPatch, tokenPath, body())
}

// TestExpiredTokensHoldNoSlot: a rotated-out token that has expired does not count against the plan's
// token limit, so a small plan can keep rotating.
func TestExpiredTokensHoldNoSlot(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanHobby)
	tokens := path(api.PathAPITokens, "org_id", org.ID)
	var made []api.APIToken
	for range api.PlanLimits[api.PlanHobby].APITokens {
		made = append(made, h.createAPIToken(t, owner.Token, org.ID, api.RoleMember))
	}
	h.expectProblem(t, http.StatusConflict, api.ProblemLimitReached, owner.Token, http.MethodPost, tokens, api.APITokenCreate{Name: "one-more", Role: api.RoleMember})

	h.expect(t, http.StatusOK, owner.Token, http.MethodPatch, path(api.PathAPIToken, "org_id", org.ID, "token_id", made[0].ID),
		api.APITokenUpdate{ExpiresAt: h.Clock.Now().Add(time.Hour)})
	// Still working during its overlap: it still holds its slot.
	h.expectProblem(t, http.StatusConflict, api.ProblemLimitReached, owner.Token, http.MethodPost, tokens, api.APITokenCreate{Name: "one-more", Role: api.RoleMember})
	h.Clock.Advance(time.Hour)
	h.expect(t, http.StatusCreated, owner.Token, http.MethodPost, tokens, api.APITokenCreate{Name: "one-more", Role: api.RoleMember})
	usage := decode[api.Usage](t, h.expect(t, http.StatusOK, owner.Token, http.MethodGet, path(api.PathUsage, "org_id", org.ID), nil))
	for _, q := range usage.Quantities {
		if q.Name == api.QuantityAPITokens && q.Used != api.PlanLimits[api.PlanHobby].APITokens {
			t.Errorf("usage counts %d API tokens, want %d (the expired one left out)", q.Used, api.PlanLimits[api.PlanHobby].APITokens)
		}
	}
	// The expired token is still listed, inactive, for reviewers.
	if got := h.apiToken(t, owner.Token, org.ID, made[0].ID); got.Active {
		t.Errorf("the expired token reads active: %+v", got)
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
