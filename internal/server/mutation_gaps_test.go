package server_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// Behaviour that mutation testing (make mutate, contributing/testing.md) found no test pinning down.

// TestInvitationResendRenews: a resend answers with the renewed invitation (pending again, a new
// expiry), emails a new code that works while the old one no longer does, brings an expired invitation
// back, is recorded in the activity log, and is refused once the invitation was accepted.
func TestInvitationResendRenews(t *testing.T) {
	t.Parallel()
	const ttl = time.Hour
	h := newHarness(t, withInvitationTTL(ttl))
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	inv, first := h.createInvitation(t, owner.Token, org.ID, h.email(), api.RoleMember)
	resend := path(api.PathInvitationResend, "org_id", org.ID, "invitation_id", inv.ID)

	h.Clock.Advance(ttl + time.Minute)
	got := decode[api.Invitation](t, h.expect(t, http.StatusOK, owner.Token, http.MethodPost, resend, nil))
	if got.ID != inv.ID || got.Status != api.InvitationPending || got.ExpiresAt.Sub(inv.ExpiresAt) < ttl {
		t.Errorf("resent invitation %+v, want %s pending again, expiring at least %s after %s", got, inv.ID, ttl, inv.ExpiresAt)
	}
	second := h.invitationCode(t, inv.ID)
	if second == first {
		t.Fatal("the resend emailed the old code")
	}
	h.expectProblem(t, http.StatusNotFound, api.ProblemNotFound, anonymous, http.MethodPost, api.PathInvitationAccept, api.InvitationAccept{Code: first})
	h.acceptInvitation(t, second)

	entries := listAll[api.ActivityEntry](t, h, owner.Token, path(api.PathActivity, "org_id", org.ID), 0)
	if !slices.ContainsFunc(entries, func(e api.ActivityEntry) bool {
		return e.Action == "invitation.resend" && e.ActorID == owner.ID && e.ObjectType == "invitation" && e.ObjectID == inv.ID
	}) {
		t.Errorf("no invitation.resend entry by %s on %s in %+v", owner.ID, inv.ID, entries)
	}

	h.Clock.Advance(api.InvitationResendInterval)
	h.expectProblem(t, http.StatusConflict, api.ProblemConflict, owner.Token, http.MethodPost, resend, nil)
}

// TestResendingAnExpiredInvitationTakesASeatAgain: an expired invitation holds no seat, so bringing it
// back by a resend needs a free seat under the plan; a pending one already holds its seat and is
// resent even when the organization is full.
func TestResendingAnExpiredInvitationTakesASeatAgain(t *testing.T) {
	t.Parallel()
	const ttl = time.Hour
	h := newHarness(t, withInvitationTTL(ttl))
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanStarter) // 3 seats: the owner and two invitations
	expired, _ := h.createInvitation(t, owner.Token, org.ID, h.email(), api.RoleMember)
	h.Clock.Advance(ttl + time.Minute)
	pending, _ := h.createInvitation(t, owner.Token, org.ID, h.email(), api.RoleMember)
	h.createInvitation(t, owner.Token, org.ID, h.email(), api.RoleMember)
	h.Clock.Advance(api.InvitationResendInterval)

	h.expectProblem(t, http.StatusConflict, api.ProblemLimitReached, owner.Token, http.MethodPost,
		path(api.PathInvitationResend, "org_id", org.ID, "invitation_id", expired.ID), nil)
	h.expect(t, http.StatusOK, owner.Token, http.MethodPost,
		path(api.PathInvitationResend, "org_id", org.ID, "invitation_id", pending.ID), nil)
}

// TestOnlyOwnersHandleInvitationsToBecomeOwner: an admin may resend and cancel invitations, but not one
// that makes its invitee an owner (only owners make owners); an owner may.
func TestOnlyOwnersHandleInvitationsToBecomeOwner(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	admin := h.newMember(t, owner.Token, org.ID, api.RoleAdmin)
	inv, _ := h.createInvitation(t, owner.Token, org.ID, h.email(), api.RoleOwner)
	h.Clock.Advance(api.InvitationResendInterval)
	resend := path(api.PathInvitationResend, "org_id", org.ID, "invitation_id", inv.ID)
	cancel := path(api.PathInvitation, "org_id", org.ID, "invitation_id", inv.ID)

	h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, admin.Token, http.MethodPost, resend, nil)
	h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, admin.Token, http.MethodDelete, cancel, nil)
	h.expect(t, http.StatusOK, owner.Token, http.MethodPost, resend, nil)
	h.expect(t, http.StatusNoContent, owner.Token, http.MethodDelete, cancel, nil)
}

// TestMemberListingShowsEnvironmentRoles: the members' listing carries each member's environment roles,
// as reading the member does, and none for a member without any; so does the member's own listing of
// memberships.
func TestMemberListingShowsEnvironmentRoles(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	w := h.newWorld(t, api.PlanTeam)
	roles := map[string]api.EnvironmentRole{w.Environment.ID: api.EnvironmentRoleRun}
	h.expect(t, http.StatusOK, w.Owner.Token, http.MethodPatch, path(api.PathMember, "org_id", w.Org.ID, "email", w.Member.Email),
		api.MemberUpdate{EnvironmentRoles: &roles})

	found := 0
	for _, m := range listAll[api.Member](t, h, w.Owner.Token, path(api.PathMembers, "org_id", w.Org.ID), 0) {
		switch m.UserID {
		case w.Member.ID:
			found++
			if len(m.EnvironmentRoles) != 1 || m.EnvironmentRoles[w.Environment.ID] != api.EnvironmentRoleRun {
				t.Errorf("the member is listed with environment roles %v, want %v", m.EnvironmentRoles, roles)
			}
		case w.Biller.ID:
			found++
			if len(m.EnvironmentRoles) != 0 {
				t.Errorf("a member without environment roles is listed with %v", m.EnvironmentRoles)
			}
		}
	}
	if found != 2 {
		t.Fatalf("found %d of the 2 members in the listing", found)
	}
	// The member's own listing of memberships carries them too.
	mine := listAll[api.Member](t, h, w.Member.Token, api.PathMemberships, 0)
	if len(mine) != 1 || mine[0].OrganizationID != w.Org.ID || len(mine[0].EnvironmentRoles) != 1 ||
		mine[0].EnvironmentRoles[w.Environment.ID] != api.EnvironmentRoleRun {
		t.Errorf("the member's own memberships: %+v, want the one in %s with environment roles %v", mine, w.Org.ID, roles)
	}
}
