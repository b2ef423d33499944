package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/servertest"
)

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

// TestMembershipFromInvitationToActive (issue 18): adding an address that has no account invites it
// (no user, an expiry, a code emailed to it); the code accepts it, making the account, and the
// membership is active. An invited address that signs up instead has its membership waiting, pending,
// once the address is proven, and accepting it makes it active. Each holds one seat all along.
func TestMembershipFromInvitationToActive(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)

	first := "first-" + h.unique("n") + "@example.test"
	m := h.addMember(t, owner.Token, org.ID, first, api.RoleAdmin)
	if m.Status != api.MemberInvited || m.UserID != "" || m.ExpiresAt == nil || !m.ExpiresAt.After(h.Clock.Now().Add(6*24*time.Hour)) {
		t.Fatalf("an address without an account, added: %+v", m)
	}
	if s := h.seats(t, owner.Token, org.ID); s != (api.Seats{Active: 1, Invited: 1}) {
		t.Errorf("seats with one invited address: %+v", s)
	}
	acc := h.acceptInvitation(t, h.membershipCode(t, org.ID, first))
	if acc.Token == "" || acc.Member.Status != api.MemberActive || acc.Member.UserID != acc.User.ID || acc.Member.Role != api.RoleAdmin {
		t.Fatalf("accepting an invited membership by its code: %+v", acc)
	}
	h.expect(t, http.StatusOK, acc.Token, http.MethodGet, path(api.PathOrganization, "org_id", org.ID), nil)
	if got := h.member(t, owner.Token, org.ID, first); got.Status != api.MemberActive || got.ExpiresAt != nil {
		t.Errorf("the accepted membership: %+v", got)
	}

	second := "second-" + h.unique("n") + "@example.test"
	h.addMember(t, owner.Token, org.ID, second, api.RoleMember)
	code := h.membershipCode(t, org.ID, second)
	u := h.signupAs(t, strings.ToUpper(second))
	if got := h.member(t, owner.Token, org.ID, second); got.Status != api.MemberPending || got.UserID != u.ID {
		t.Fatalf("an invited address, once its owner proved it by signing up: %+v", got)
	}
	h.expectProblem(t, http.StatusNotFound, api.ProblemNotFound, anonymous, http.MethodPost, api.PathInvitationAccept, api.InvitationAccept{Code: code})
	h.acceptMembership(t, u.Token, org.ID)
	if s := h.seats(t, owner.Token, org.ID); s != (api.Seats{Active: 3}) {
		t.Errorf("seats once both accepted: %+v", s)
	}
}

// TestVerifiedDomainJoinsAtOnce (issue 18): in one of the organization's verified domains, a proven
// account joins at once, and an invited address joins at once when its owner proves it; outside them a
// user is pending. Removing the domain demotes no one, and a domain verified by another organization
// gives this one nothing.
func TestVerifiedDomainJoinsAtOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	d := h.verifiedDomain(t, owner.Token, org.ID)

	insider := h.signupAs(t, "in-"+h.unique("d")+"@"+strings.ToUpper(d.Domain))
	if m := h.addMember(t, owner.Token, org.ID, insider.Email, api.RoleMember); m.Status != api.MemberActive {
		t.Errorf("a proven account in a verified domain, added: %+v; want active at once", m)
	}
	outsider := h.signup(t)
	if m := h.addMember(t, owner.Token, org.ID, outsider.Email, api.RoleMember); m.Status != api.MemberPending {
		t.Errorf("an account outside the verified domains, added: %+v; want pending", m)
	}
	newcomer := "new-" + h.unique("d") + "@" + d.Domain
	if m := h.addMember(t, owner.Token, org.ID, newcomer, api.RoleMember); m.Status != api.MemberInvited {
		t.Errorf("an address in a verified domain without an account, added: %+v; want invited", m)
	}
	nu := h.signupAs(t, newcomer)
	if m := h.member(t, owner.Token, org.ID, newcomer); m.Status != api.MemberActive || m.UserID != nu.ID {
		t.Errorf("the invited address, proven by its owner: %+v; want active at once", m)
	}

	otherOwner := h.signup(t)
	other := h.createOrg(t, otherOwner.Token, api.PlanTeam)
	if m := h.addMember(t, otherOwner.Token, other.ID, h.signupAs(t, "x-"+h.unique("d")+"@"+d.Domain).Email, api.RoleMember); m.Status != api.MemberPending {
		t.Errorf("another organization adding an address in a domain this one verified: %+v; want pending", m)
	}

	h.expect(t, http.StatusNoContent, owner.Token, http.MethodDelete, path(api.PathDomain, "org_id", org.ID, "domain", d.Domain), nil)
	if m := h.member(t, owner.Token, org.ID, insider.Email); m.Status != api.MemberActive {
		t.Errorf("after the domain was removed: %+v; want still active", m)
	}
}

// TestMembershipsExpireAndAreOfferedAgain (issue 18): a pending or invited membership nobody accepts
// expires: it reads expired, holds no seat, cannot be accepted, and a resend offers it again (a new
// code for an invited address: the old one stops working). A resend too soon is refused.
func TestMembershipsExpireAndAreOfferedAgain(t *testing.T) {
	t.Parallel()
	h := newHarness(t, servertest.WithInvitationTTL(time.Hour))
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	u := h.signup(t)
	h.addMember(t, owner.Token, org.ID, u.Email, api.RoleMember)
	invited := "late-" + h.unique("e") + "@example.test"
	h.addMember(t, owner.Token, org.ID, invited, api.RoleMember)
	oldCode := h.membershipCode(t, org.ID, invited)

	resend := func(email string) string { return path(api.PathMemberResend, "org_id", org.ID, "email", email) }
	h.expectProblem(t, http.StatusTooManyRequests, api.ProblemRateLimited, owner.Token, http.MethodPost, resend(u.Email), nil)

	h.Clock.Advance(time.Hour)
	for _, email := range []string{u.Email, invited} {
		if m := h.member(t, owner.Token, org.ID, email); m.Status != api.MemberExpired {
			t.Errorf("%s an hour later: %+v; want expired", email, m)
		}
	}
	if s := h.seats(t, owner.Token, org.ID); s != (api.Seats{Active: 1}) {
		t.Errorf("seats with two expired memberships: %+v; want only the owner's", s)
	}
	h.expectProblem(t, http.StatusConflict, api.ProblemInvitationExpired, u.Token, http.MethodPost, path(api.PathMembershipAccept, "org_id", org.ID), nil)
	h.expectProblem(t, http.StatusConflict, api.ProblemInvitationExpired, anonymous, http.MethodPost, api.PathInvitationAccept, api.InvitationAccept{Code: oldCode})

	for _, email := range []string{u.Email, invited} {
		m := decode[api.Member](t, h.expect(t, http.StatusOK, owner.Token, http.MethodPost, resend(email), nil))
		if m.Status == api.MemberExpired || m.ExpiresAt == nil || !m.ExpiresAt.After(h.Clock.Now()) {
			t.Errorf("%s offered again: %+v", email, m)
		}
	}
	h.expectProblem(t, http.StatusNotFound, api.ProblemNotFound, anonymous, http.MethodPost, api.PathInvitationAccept, api.InvitationAccept{Code: oldCode})
	if acc := h.acceptInvitation(t, h.membershipCode(t, org.ID, invited)); acc.Member.Status != api.MemberActive {
		t.Errorf("the new code: %+v", acc)
	}
	h.acceptMembership(t, u.Token, org.ID)
}

// TestSeatsAddUp (issue 18): one rule for what holds a seat, the same in the refusal and in usage:
// active members, pending memberships, invited addresses and pending invitations; the refusal says
// what it counted and names a plan that fits, and an expired one frees its seat.
func TestSeatsAddUp(t *testing.T) {
	t.Parallel()
	h := newHarness(t, servertest.WithInvitationTTL(time.Hour))
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanStarter) // 3 members
	h.addMember(t, owner.Token, org.ID, h.signup(t).Email, api.RoleMember)
	h.createInvitation(t, owner.Token, org.ID, h.email(), api.RoleMember)
	if s := h.seats(t, owner.Token, org.ID); s != (api.Seats{Active: 1, Pending: 1, Invitations: 1}) {
		t.Fatalf("seats: %+v", s)
	}
	p := h.expectProblem(t, http.StatusConflict, api.ProblemLimitReached, owner.Token, http.MethodPost, path(api.PathMembers, "org_id", org.ID),
		api.MemberCreate{Email: h.email(), Role: api.RoleMember})
	want := `plan "starter" allows 3 members and the organization's seats are all taken: 3 seats: 1 active member, 1 pending membership, 1 pending invitation. ` +
		`Plan "startup" allows 6 members: change the organization's plan first.`
	if p.Detail != want {
		t.Errorf("the refusal:\n%s\nwant\n%s", p.Detail, want)
	}
	h.Clock.Advance(time.Hour)
	if s := h.seats(t, owner.Token, org.ID); s != (api.Seats{Active: 1}) {
		t.Errorf("seats once the pending ones expired: %+v", s)
	}
	h.addMember(t, owner.Token, org.ID, h.email(), api.RoleMember)
}
