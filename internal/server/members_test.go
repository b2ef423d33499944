package server_test

import (
	"net/http"
	"testing"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
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
