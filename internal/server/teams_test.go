package server_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// teamRoutes are the paths of one team and of one person's membership of it.
func teamRoutes(orgID, slug, email string) (team, members, member string) {
	return path(api.PathTeam, "org_id", orgID, "team_slug", slug),
		path(api.PathTeamMembers, "org_id", orgID, "team_slug", slug),
		path(api.PathTeamMember, "org_id", orgID, "team_slug", slug, "email", email)
}

// The life of a team: created with a slug derived from its name, read, listed, renamed and given grants
// (the slug stays), emptied of its grants, deleted; every change in the activity log under the slug.
func TestTeamLifecycle(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	env := h.createEnvironment(t, owner.Token, org.ID)
	teams := path(api.PathTeams, "org_id", org.ID)

	created := h.createTeam(t, owner.Token, org.ID, api.TeamCreate{Name: "Platform Team", Description: "runs the platform"})
	if created.Slug != "platform-team" || created.ID == "" || created.OrganizationID != org.ID || created.Role != "" ||
		created.EnvironmentRoles == nil || len(created.EnvironmentRoles) != 0 || created.CreatedAt.IsZero() {
		t.Fatalf("created team: %+v", created)
	}
	team, _, _ := teamRoutes(org.ID, created.Slug, "")
	if got := decode[api.Team](t, h.expect(t, http.StatusOK, owner.Token, http.MethodGet, team, nil)); got.ID != created.ID || got.Name != "Platform Team" {
		t.Errorf("read back: %+v", got)
	}

	name, role := "Platform Engineering", api.RoleAdmin
	envRoles := map[string]api.EnvironmentRole{env.ID: api.EnvironmentRoleRun}
	updated := decode[api.Team](t, h.expect(t, http.StatusOK, owner.Token, http.MethodPatch, team,
		api.TeamUpdate{Name: &name, Role: &role, EnvironmentRoles: &envRoles}))
	if updated.Slug != created.Slug || updated.Name != name || updated.Role != api.RoleAdmin || updated.EnvironmentRoles[env.ID] != api.EnvironmentRoleRun ||
		updated.Description != "runs the platform" {
		t.Errorf("updated team: %+v", updated)
	}
	none, noEnvs := api.Role(""), map[string]api.EnvironmentRole{}
	cleared := decode[api.Team](t, h.expect(t, http.StatusOK, owner.Token, http.MethodPatch, team, api.TeamUpdate{Role: &none, EnvironmentRoles: &noEnvs}))
	if cleared.Role != "" || len(cleared.EnvironmentRoles) != 0 || cleared.Name != name {
		t.Errorf("grants removed: %+v", cleared)
	}

	second := h.createTeam(t, owner.Token, org.ID, api.TeamCreate{Name: "SRE", Slug: "site-reliability", Role: api.RoleBiller,
		EnvironmentRoles: map[string]api.EnvironmentRole{env.ID: api.EnvironmentRoleRead}})
	listed := listAll[api.Team](t, h, owner.Token, teams, 1)
	if len(listed) != 2 || listed[0].Slug != created.Slug || listed[1].Slug != "site-reliability" || listed[1].EnvironmentRoles[env.ID] != api.EnvironmentRoleRead {
		t.Errorf("listed one per page: %+v", listed)
	}

	h.expect(t, http.StatusNoContent, owner.Token, http.MethodDelete, team, nil)
	h.expectProblem(t, http.StatusNotFound, api.ProblemNotFound, owner.Token, http.MethodGet, team, nil)
	h.expectProblem(t, http.StatusNotFound, api.ProblemNotFound, owner.Token, http.MethodDelete, team, nil)
	checkActivity(t, h, owner.Token, org.ID, []string{"team.create team/platform-team", "team.update team/platform-team", "team.update team/platform-team",
		"team.create team/" + second.Slug, "team.delete team/platform-team"})
}

// checkActivity asserts the organization's activity entries of teams and team members, oldest first, as
// "action object_type/object_id".
func checkActivity(t *testing.T, h *harness, cred, orgID string, want []string) {
	t.Helper()
	var got []string
	for _, e := range listAll[api.ActivityEntry](t, h, cred, path(api.PathActivity, "org_id", orgID), 0) {
		if strings.HasPrefix(e.Action, "team") {
			got = append(got, e.Action+" "+e.ObjectType+"/"+e.ObjectID)
		}
	}
	slices.Reverse(got)
	if !slices.Equal(got, want) {
		t.Errorf("team activity:\n got %q\nwant %q", got, want)
	}
}

// Team members: added by email (any case), read, listed per team and organization-wide, their role
// changed, removed; every change in the activity log as <team slug>/<user id>.
func TestTeamMembers(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	alice := h.newMember(t, owner.Token, org.ID, api.RoleMember)
	bob := h.newMember(t, owner.Token, org.ID, api.RoleBiller)
	red := h.createTeam(t, owner.Token, org.ID, h.teamBody())
	blue := h.createTeam(t, owner.Token, org.ID, h.teamBody())
	_, redMembers, aliceInRed := teamRoutes(org.ID, red.Slug, strings.ToUpper(alice.Email))

	added := h.addTeamMember(t, owner.Token, org.ID, red.Slug, strings.ToUpper(alice.Email), "")
	if added.Email != alice.Email || added.UserID != alice.ID || added.Role != api.TeamRoleMember || added.TeamSlug != red.Slug ||
		added.OrganizationID != org.ID || added.CreatedAt.IsZero() {
		t.Errorf("added: %+v", added)
	}
	h.expectProblem(t, http.StatusConflict, api.ProblemConflict, owner.Token, http.MethodPost, redMembers, api.TeamMemberCreate{Email: alice.Email})
	h.addTeamMember(t, owner.Token, org.ID, red.Slug, bob.Email, api.TeamRoleMaintainer)
	h.addTeamMember(t, owner.Token, org.ID, blue.Slug, alice.Email, api.TeamRoleMaintainer)

	if got := decode[api.TeamMember](t, h.expect(t, http.StatusOK, owner.Token, http.MethodGet, aliceInRed, nil)); got != added {
		t.Errorf("read back %+v, want %+v", got, added)
	}
	inRed := listAll[api.TeamMember](t, h, bob.Token, redMembers, 1)
	if len(inRed) != 2 || inRed[0].Email != alice.Email || inRed[1].Email != bob.Email || inRed[1].Role != api.TeamRoleMaintainer {
		t.Errorf("red's members: %+v", inRed)
	}
	all := listAll[api.TeamMember](t, h, bob.Token, path(api.PathTeamMemberships, "org_id", org.ID), 2)
	if len(all) != 3 || all[2].TeamSlug != blue.Slug || all[2].Email != alice.Email {
		t.Errorf("every team membership: %+v", all)
	}

	maintainer := api.TeamRoleMaintainer
	if got := decode[api.TeamMember](t, h.expect(t, http.StatusOK, owner.Token, http.MethodPatch, aliceInRed, api.TeamMemberUpdate{Role: &maintainer})); got.Role != maintainer {
		t.Errorf("role changed: %+v", got)
	}
	h.expect(t, http.StatusNoContent, owner.Token, http.MethodDelete, aliceInRed, nil)
	h.expectProblem(t, http.StatusNotFound, api.ProblemNotFound, owner.Token, http.MethodGet, aliceInRed, nil)
	if got := listAll[api.TeamMember](t, h, owner.Token, redMembers, 0); len(got) != 1 || got[0].Email != bob.Email {
		t.Errorf("red after alice left: %+v", got)
	}
	checkActivity(t, h, owner.Token, org.ID, []string{
		"team.create team/" + red.Slug, "team.create team/" + blue.Slug,
		"team_member.create team_member/" + red.Slug + "/" + alice.ID,
		"team_member.create team_member/" + red.Slug + "/" + bob.ID,
		"team_member.create team_member/" + blue.Slug + "/" + alice.ID,
		"team_member.update team_member/" + red.Slug + "/" + alice.ID,
		"team_member.delete team_member/" + red.Slug + "/" + alice.ID,
	})
}
