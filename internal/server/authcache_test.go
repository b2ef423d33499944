package server_test

import (
	"database/sql"
	"net/http"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// The read path remembers credentials and memberships (authcache.go). Whatever it remembered, a write
// that changes them takes effect on the very next request: each case reads enough to have the
// answer remembered, makes the change, and expects the new answer at once.
func TestAuthCacheForgetsOnTheNextRequest(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanEnterprise)
	orgPath := path(api.PathOrganization, "org_id", org.ID)
	usagePath := path(api.PathUsage, "org_id", org.ID)
	warm := func(cred, route string, want int) {
		t.Helper()
		for range 3 {
			h.expect(t, want, cred, http.MethodGet, route, nil)
		}
	}

	t.Run("organization token revoked", func(t *testing.T) {
		tok := h.createAPIToken(t, owner.Token, org.ID, api.RoleAdmin)
		warm(tok.Token, orgPath, http.StatusOK)
		h.expect(t, http.StatusNoContent, owner.Token, http.MethodDelete, path(api.PathAPIToken, "org_id", org.ID, "token_id", tok.ID), nil)
		h.expectProblem(t, http.StatusUnauthorized, api.ProblemUnauthorized, tok.Token, http.MethodGet, orgPath, nil)
	})

	t.Run("personal token revoked", func(t *testing.T) {
		pat := h.createPersonalToken(t, owner.Token)
		warm(pat.Token, orgPath, http.StatusOK)
		h.expect(t, http.StatusNoContent, owner.Token, http.MethodDelete, path(api.PathPersonalToken, "token_id", pat.ID), nil)
		h.expectProblem(t, http.StatusUnauthorized, api.ProblemUnauthorized, pat.Token, http.MethodGet, orgPath, nil)
	})

	t.Run("role changed", func(t *testing.T) {
		m := h.newMember(t, owner.Token, org.ID, api.RoleMember)
		memberPath := path(api.PathMember, "org_id", org.ID, "email", m.Email)
		warm(m.Token, usagePath, http.StatusForbidden)
		warm(m.Token, orgPath, http.StatusOK)
		admin, member := api.RoleAdmin, api.RoleMember
		h.expect(t, http.StatusOK, owner.Token, http.MethodPatch, memberPath, api.MemberUpdate{Role: &admin})
		h.expect(t, http.StatusOK, m.Token, http.MethodGet, usagePath, nil)
		warm(m.Token, usagePath, http.StatusOK)
		h.expect(t, http.StatusOK, owner.Token, http.MethodPatch, memberPath, api.MemberUpdate{Role: &member})
		h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, m.Token, http.MethodGet, usagePath, nil)
	})

	t.Run("member removed", func(t *testing.T) {
		m := h.newMember(t, owner.Token, org.ID, api.RoleAdmin)
		warm(m.Token, orgPath, http.StatusOK)
		h.expect(t, http.StatusNoContent, owner.Token, http.MethodDelete, path(api.PathMember, "org_id", org.ID, "email", m.Email), nil)
		h.expectProblem(t, http.StatusNotFound, api.ProblemOrganizationNotFound, m.Token, http.MethodGet, orgPath, nil)
	})

	t.Run("token creator removed and back", func(t *testing.T) {
		m := h.newMember(t, owner.Token, org.ID, api.RoleAdmin)
		tok := h.createAPIToken(t, m.Token, org.ID, api.RoleAdmin)
		warm(tok.Token, usagePath, http.StatusOK)
		h.expect(t, http.StatusNoContent, owner.Token, http.MethodDelete, path(api.PathMember, "org_id", org.ID, "email", m.Email), nil)
		h.expectProblem(t, http.StatusUnauthorized, api.ProblemUnauthorized, tok.Token, http.MethodGet, usagePath, nil)
		// Back with a lesser role: the token works again, with at most what its creator may now.
		h.newMemberAgain(t, owner.Token, org.ID, m, api.RoleMember)
		h.expect(t, http.StatusOK, tok.Token, http.MethodGet, orgPath, nil)
		h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, tok.Token, http.MethodGet, usagePath, nil)
	})

	t.Run("creator demoted", func(t *testing.T) {
		m := h.newMember(t, owner.Token, org.ID, api.RoleAdmin)
		tok := h.createAPIToken(t, m.Token, org.ID, api.RoleAdmin)
		warm(tok.Token, usagePath, http.StatusOK)
		member := api.RoleMember
		h.expect(t, http.StatusOK, owner.Token, http.MethodPatch, path(api.PathMember, "org_id", org.ID, "email", m.Email), api.MemberUpdate{Role: &member})
		h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, tok.Token, http.MethodGet, usagePath, nil)
	})

	t.Run("expiry", func(t *testing.T) {
		soon := h.Clock.Now().Add(time.Hour)
		pat := decode[api.PersonalToken](t, h.expect(t, http.StatusCreated, owner.Token, http.MethodPost, api.PathPersonalTokens,
			api.PersonalTokenCreate{Name: h.unique("soon"), ExpiresAt: &soon}))
		tok := decode[api.APIToken](t, h.expect(t, http.StatusCreated, owner.Token, http.MethodPost, path(api.PathAPITokens, "org_id", org.ID),
			api.APITokenCreate{Name: h.unique("soon"), Role: api.RoleMember, ExpiresAt: &soon}))
		warm(pat.Token, orgPath, http.StatusOK)
		warm(tok.Token, orgPath, http.StatusOK)
		h.Clock.Advance(time.Hour) // expiry is the instant itself: no write in between
		h.expectProblem(t, http.StatusUnauthorized, api.ProblemUnauthorized, pat.Token, http.MethodGet, orgPath, nil)
		h.expectProblem(t, http.StatusUnauthorized, api.ProblemUnauthorized, tok.Token, http.MethodGet, orgPath, nil)
	})

	t.Run("token ended early", func(t *testing.T) {
		tok := h.createAPIToken(t, owner.Token, org.ID, api.RoleAdmin)
		warm(tok.Token, orgPath, http.StatusOK)
		h.expect(t, http.StatusOK, owner.Token, http.MethodPatch, path(api.PathAPIToken, "org_id", org.ID, "token_id", tok.ID),
			api.APITokenUpdate{ExpiresAt: h.Clock.Now().Add(time.Minute)})
		h.expect(t, http.StatusOK, tok.Token, http.MethodGet, orgPath, nil)
		h.Clock.Advance(time.Minute) // the new expiry, not the one remembered (none), decides
		h.expectProblem(t, http.StatusUnauthorized, api.ProblemUnauthorized, tok.Token, http.MethodGet, orgPath, nil)
	})

	t.Run("organization deleted", func(t *testing.T) {
		other := h.createOrg(t, owner.Token, api.PlanEnterprise)
		otherPath := path(api.PathOrganization, "org_id", other.ID)
		tok := h.createAPIToken(t, owner.Token, other.ID, api.RoleAdmin)
		warm(owner.Token, otherPath, http.StatusOK)
		warm(tok.Token, otherPath, http.StatusOK)
		h.expect(t, http.StatusNoContent, owner.Token, http.MethodDelete, otherPath, nil)
		h.expectProblem(t, http.StatusGone, api.ProblemOrganizationDeleted, owner.Token, http.MethodGet, otherPath, nil)
		h.expectProblem(t, http.StatusUnauthorized, api.ProblemUnauthorized, tok.Token, http.MethodGet, otherPath, nil)
	})
}

// Another process writing the same file (the operator's subcommands do) is not seen by this server's
// writer: what it takes away must still stop working within a bounded time (a second).
func TestAuthCacheSeesAnotherProcessWithinASecond(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanEnterprise)
	orgPath := path(api.PathOrganization, "org_id", org.ID)
	tok := h.createAPIToken(t, owner.Token, org.ID, api.RoleAdmin)
	for range 3 {
		h.expect(t, http.StatusOK, tok.Token, http.MethodGet, orgPath, nil)
	}
	db, err := sql.Open("sqlite", "file:"+h.DBPath+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`DELETE FROM api_tokens WHERE id = ?`, tok.ID); err != nil {
		t.Fatal(err)
	}
	revoked := time.Now()
	for {
		r := h.do(t, tok.Token, http.MethodGet, orgPath, nil)
		if r.Status == http.StatusUnauthorized {
			break
		}
		if r.Status != http.StatusOK {
			t.Fatalf("unexpected answer: %s", r)
		}
		if time.Since(revoked) > 3*time.Second {
			t.Fatalf("a token deleted by another process still works %v later", time.Since(revoked))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// newMemberAgain adds an existing user back to the organization and has them accept.
func (h *harness) newMemberAgain(tb testing.TB, cred, orgID string, u user, role api.Role) {
	tb.Helper()
	if m := h.addMember(tb, cred, orgID, u.Email, role); m.Status == api.MemberPending {
		h.acceptMembership(tb, u.Token, orgID)
	}
}
