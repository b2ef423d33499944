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

// Bad input is refused with a 422 naming the field; nothing is created.
func TestTeamValidation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	other := h.createOrg(t, owner.Token, api.PlanTeam)
	otherEnv := h.createEnvironment(t, owner.Token, other.ID)
	teams := path(api.PathTeams, "org_id", org.ID)
	for name, c := range map[string]struct {
		body  any
		field string
	}{
		"blank name":                       {api.TeamCreate{Name: "   "}, "name"},
		"name too long":                    {api.TeamCreate{Name: strings.Repeat("n", 101)}, "name"},
		"invalid slug":                     {api.TeamCreate{Name: "A", Slug: "Not_A_Slug"}, "slug"},
		"owner grant":                      {api.TeamCreate{Name: "A", Role: api.RoleOwner}, "role"},
		"unknown grant":                    {map[string]any{"name": "A", "role": "superuser"}, "role"},
		"environment of another org":       {api.TeamCreate{Name: "A", EnvironmentRoles: map[string]api.EnvironmentRole{otherEnv.ID: api.EnvironmentRoleRead}}, "environment_roles"},
		"unknown environment role":         {map[string]any{"name": "A", "environment_roles": map[string]string{otherEnv.ID: "write"}}, "environment_roles"},
		"description too long":             {api.TeamCreate{Name: "A", Description: strings.Repeat("d", 1001)}, "description"},
		"a field the API does not know of": {map[string]any{"name": "A", "slugg": "a"}, "slugg"},
	} {
		p := h.expectProblem(t, http.StatusUnprocessableEntity, api.ProblemInvalid, owner.Token, http.MethodPost, teams, c.body)
		if len(p.Errors) == 0 || !strings.Contains(p.Errors[0].Location, c.field) {
			t.Errorf("%s: %+v, want an error at %s", name, p, c.field)
		}
	}
	if got := listAll[api.Team](t, h, owner.Token, teams, 0); len(got) != 0 {
		t.Errorf("refused creates left teams: %+v", got)
	}

	team := h.createTeam(t, owner.Token, org.ID, h.teamBody())
	route, members, _ := teamRoutes(org.ID, team.Slug, "")
	owner_ := api.RoleOwner
	p := h.expectProblem(t, http.StatusUnprocessableEntity, api.ProblemInvalid, owner.Token, http.MethodPatch, route, api.TeamUpdate{Role: &owner_})
	if len(p.Errors) != 1 || p.Errors[0].Location != "body.role" {
		t.Errorf("an owner grant: %+v, want one error at body.role", p)
	}
	h.expectProblem(t, http.StatusUnprocessableEntity, api.ProblemInvalid, owner.Token, http.MethodPatch, route, map[string]any{"slug": "renamed"})
	h.expectProblem(t, http.StatusUnprocessableEntity, api.ProblemInvalid, owner.Token, http.MethodPost, members, api.TeamMemberCreate{Email: "not-an-address"})
	h.expectProblem(t, http.StatusUnprocessableEntity, api.ProblemInvalid, owner.Token, http.MethodPost, members, map[string]any{"email": owner.Email, "role": "owner"})
	if got := decode[api.Team](t, h.expect(t, http.StatusOK, owner.Token, http.MethodGet, route, nil)); got.Role != "" || got.Slug != team.Slug {
		t.Errorf("after refused changes: %+v", got)
	}
}

// Names are unique in the organization without regard to case (as addresses are compared); slugs are
// unique too, a derived one taking the next free suffix; another organization may reuse both.
func TestTeamNamesAndSlugsAreUnique(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	teams := path(api.PathTeams, "org_id", org.ID)
	first := h.createTeam(t, owner.Token, org.ID, api.TeamCreate{Name: "Platform"})
	p := h.expectProblem(t, http.StatusConflict, api.ProblemConflict, owner.Token, http.MethodPost, teams, api.TeamCreate{Name: "PLATFORM", Slug: "other"})
	if !strings.Contains(p.Detail, `"Platform"`) {
		t.Errorf("a name taken in another case: %q, want it to name the team that has it", p.Detail)
	}
	h.expectProblem(t, http.StatusConflict, api.ProblemConflict, owner.Token, http.MethodPost, teams, api.TeamCreate{Name: "Other", Slug: first.Slug})
	if second := h.createTeam(t, owner.Token, org.ID, api.TeamCreate{Name: "platform!"}); second.Slug != "platform-2" {
		t.Errorf("a derived slug that is taken: %q, want platform-2", second.Slug)
	}
	if blank := h.createTeam(t, owner.Token, org.ID, api.TeamCreate{Name: "ÉÉÉ"}); blank.Slug != "team" {
		t.Errorf("a name without a letter a slug can hold: slug %q, want team", blank.Slug)
	}

	// A rename to another team's name in any case is refused; a change of case of its own name is not.
	route, _, _ := teamRoutes(org.ID, "platform-2", "")
	taken := "pLaTfOrM"
	h.expectProblem(t, http.StatusConflict, api.ProblemConflict, owner.Token, http.MethodPatch, route, api.TeamUpdate{Name: &taken})
	own := "PLATFORM!"
	if got := decode[api.Team](t, h.expect(t, http.StatusOK, owner.Token, http.MethodPatch, route, api.TeamUpdate{Name: &own})); got.Name != own || got.Slug != "platform-2" {
		t.Errorf("a change of case of its own name: %+v", got)
	}

	elsewhere := h.createOrg(t, owner.Token, api.PlanTeam)
	if got := h.createTeam(t, owner.Token, elsewhere.ID, api.TeamCreate{Name: "Platform"}); got.Slug != "platform" {
		t.Errorf("another organization's team: %+v", got)
	}
}

// Only active members of the organization join its teams: a pending or invited membership is refused
// with a 409 naming its state, an address that is not a member with a 422 on email.
func TestTeamMembersAreActiveMembers(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	team := h.createTeam(t, owner.Token, org.ID, h.teamBody())
	_, members, _ := teamRoutes(org.ID, team.Slug, "")
	pending := h.signup(t)
	h.addMember(t, owner.Token, org.ID, pending.Email, api.RoleMember)
	invited := h.email()
	h.addMember(t, owner.Token, org.ID, invited, api.RoleMember)
	for email, state := range map[string]string{pending.Email: "pending", invited: "invited"} {
		p := h.expectProblem(t, http.StatusConflict, api.ProblemConflict, owner.Token, http.MethodPost, members, api.TeamMemberCreate{Email: email})
		if !strings.Contains(p.Detail, "is "+state) {
			t.Errorf("adding a %s member: %q, want it to say so", state, p.Detail)
		}
	}
	stranger := h.signup(t)
	p := h.expectProblem(t, http.StatusUnprocessableEntity, api.ProblemInvalid, owner.Token, http.MethodPost, members, api.TeamMemberCreate{Email: stranger.Email})
	if len(p.Errors) != 1 || p.Errors[0].Location != "body.email" {
		t.Errorf("adding a non-member: %+v, want one error at body.email", p)
	}
	// Once accepted, the pending member joins.
	h.acceptMembership(t, pending.Token, org.ID)
	h.addTeamMember(t, owner.Token, org.ID, team.Slug, pending.Email, api.TeamRoleMember)
}

// What goes with what: deleting a team removes its memberships and its members' grants; leaving the
// organization, or being removed from it, removes the person's team memberships; deleting an
// environment removes what teams granted there. Each removed membership leaves its activity entry.
func TestTeamCascades(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	env := h.createEnvironment(t, owner.Token, org.ID)
	leaver := h.newMember(t, owner.Token, org.ID, api.RoleMember)
	removed := h.newMember(t, owner.Token, org.ID, api.RoleMember)
	stays := h.newMember(t, owner.Token, org.ID, api.RoleMember)
	admins := h.createTeam(t, owner.Token, org.ID, api.TeamCreate{Name: "Admins", Role: api.RoleAdmin,
		EnvironmentRoles: map[string]api.EnvironmentRole{env.ID: api.EnvironmentRoleAdmin}})
	doomed := h.createTeam(t, owner.Token, org.ID, api.TeamCreate{Name: "Doomed", Role: api.RoleAdmin})
	for _, u := range []user{leaver, removed, stays} {
		h.addTeamMember(t, owner.Token, org.ID, admins.Slug, u.Email, api.TeamRoleMember)
	}
	h.addTeamMember(t, owner.Token, org.ID, doomed.Slug, stays.Email, api.TeamRoleMaintainer)
	memberships := path(api.PathTeamMemberships, "org_id", org.ID)

	h.expect(t, http.StatusNoContent, leaver.Token, http.MethodDelete, path(api.PathMember, "org_id", org.ID, "email", leaver.Email), nil)
	h.expect(t, http.StatusNoContent, owner.Token, http.MethodDelete, path(api.PathMember, "org_id", org.ID, "email", removed.Email), nil)
	doomedRoute, _, _ := teamRoutes(org.ID, doomed.Slug, "")
	h.expect(t, http.StatusNoContent, owner.Token, http.MethodDelete, doomedRoute, nil)
	got := listAll[api.TeamMember](t, h, owner.Token, memberships, 0)
	if len(got) != 1 || got[0].Email != stays.Email || got[0].TeamSlug != admins.Slug {
		t.Errorf("team memberships left: %+v", got)
	}
	// Rejoining does not bring team memberships back.
	h.addMember(t, owner.Token, org.ID, removed.Email, api.RoleMember)
	h.acceptMembership(t, removed.Token, org.ID)
	if got := listAll[api.TeamMember](t, h, owner.Token, memberships, 0); len(got) != 1 {
		t.Errorf("after a removed member rejoined: %+v", got)
	}
	h.expect(t, http.StatusNoContent, owner.Token, http.MethodDelete, path(api.PathEnvironment, "org_id", org.ID, "environment_id", env.ID), nil)
	adminsRoute, _, _ := teamRoutes(org.ID, admins.Slug, "")
	if team := decode[api.Team](t, h.expect(t, http.StatusOK, owner.Token, http.MethodGet, adminsRoute, nil)); len(team.EnvironmentRoles) != 0 {
		t.Errorf("a deleted environment's grant is left: %+v", team)
	}
	checkActivity(t, h, owner.Token, org.ID, []string{
		"team.create team/" + admins.Slug, "team.create team/" + doomed.Slug,
		"team_member.create team_member/" + admins.Slug + "/" + leaver.ID,
		"team_member.create team_member/" + admins.Slug + "/" + removed.ID,
		"team_member.create team_member/" + admins.Slug + "/" + stays.ID,
		"team_member.create team_member/" + doomed.Slug + "/" + stays.ID,
		"team_member.delete team_member/" + admins.Slug + "/" + leaver.ID,
		"team_member.delete team_member/" + admins.Slug + "/" + removed.ID,
		"team_member.delete team_member/" + doomed.Slug + "/" + stays.ID,
		"team.delete team/" + doomed.Slug,
	})
}

// A team's maintainers manage that team's membership (add, change, remove anyone, whatever their own
// organization role), and nothing else: not another team's, not the team itself; through their own
// account only (an organization token carries no team role). A plain team member may only leave.
// Losing maintainership ends it at once, replays of stored responses included.
func TestTeamMaintainers(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	maintainer := h.newMember(t, owner.Token, org.ID, api.RoleBiller)
	plain := h.newMember(t, owner.Token, org.ID, api.RoleMember)
	newcomer := h.newMember(t, owner.Token, org.ID, api.RoleMember)
	theirs := h.createTeam(t, owner.Token, org.ID, h.teamBody())
	other := h.createTeam(t, owner.Token, org.ID, h.teamBody())
	h.addTeamMember(t, owner.Token, org.ID, theirs.Slug, maintainer.Email, api.TeamRoleMaintainer)
	h.addTeamMember(t, owner.Token, org.ID, theirs.Slug, plain.Email, api.TeamRoleMember)
	team, members, newcomerIn := teamRoutes(org.ID, theirs.Slug, newcomer.Email)
	_, otherMembers, _ := teamRoutes(org.ID, other.Slug, "")

	h.addTeamMember(t, maintainer.Token, org.ID, theirs.Slug, newcomer.Email, api.TeamRoleMember)
	promoted := api.TeamRoleMaintainer
	h.expect(t, http.StatusOK, maintainer.Token, http.MethodPatch, newcomerIn, api.TeamMemberUpdate{Role: &promoted})
	h.expect(t, http.StatusNoContent, maintainer.Token, http.MethodDelete, newcomerIn, nil)

	p := h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, maintainer.Token, http.MethodPost, otherMembers, api.TeamMemberCreate{Email: newcomer.Email})
	if !strings.Contains(p.Detail, "maintainers") {
		t.Errorf("a maintainer of another team: %q, want it to say who may", p.Detail)
	}
	d := "renamed by a maintainer"
	h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, maintainer.Token, http.MethodPatch, team, api.TeamUpdate{Description: &d})
	h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, maintainer.Token, http.MethodDelete, team, nil)
	h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, plain.Token, http.MethodPost, members, api.TeamMemberCreate{Email: newcomer.Email})
	_, _, maintainerIn := teamRoutes(org.ID, theirs.Slug, maintainer.Email)
	h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, plain.Token, http.MethodDelete, maintainerIn, nil)
	// The owner's organization token: what it may do is the token's organization role, not the team role
	// of the person who made it.
	ownerMemberToken := h.createAPIToken(t, owner.Token, org.ID, api.RoleMember)
	h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, ownerMemberToken.Token, http.MethodPost, members, api.TeamMemberCreate{Email: newcomer.Email})

	// A stored response is not replayed to a maintainer who is one no more.
	key := []string{api.HeaderIdempotencyKey, h.unique("key")}
	h.expect(t, http.StatusCreated, maintainer.Token, http.MethodPost, members, api.TeamMemberCreate{Email: newcomer.Email}, key...)
	h.expect(t, http.StatusNoContent, maintainer.Token, http.MethodDelete, newcomerIn, nil)
	demoted := api.TeamRoleMember
	h.expect(t, http.StatusOK, owner.Token, http.MethodPatch, maintainerIn, api.TeamMemberUpdate{Role: &demoted})
	h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, maintainer.Token, http.MethodPost, members, api.TeamMemberCreate{Email: newcomer.Email}, key...)
	h.expectProblem(t, http.StatusNotFound, api.ProblemNotFound, owner.Token, http.MethodGet, newcomerIn, nil)

	// Anyone may leave a team.
	_, _, plainIn := teamRoutes(org.ID, theirs.Slug, plain.Email)
	h.expect(t, http.StatusNoContent, plain.Token, http.MethodDelete, plainIn, nil)
}

// A person's rights are their own role's and every grant of their teams: a member whose team grants
// admin does what an admin does, through their own account and through a token they made; a team's
// biller grant gives billing; an environment grant shows the environment. Removing them from the team
// takes it all away at once, their token's power included. Members are still listed with their own role.
func TestTeamGrants(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	env := h.createEnvironment(t, owner.Token, org.ID)
	labels := path(api.PathLabels, "org_id", org.ID)
	envs := path(api.PathEnvironments, "org_id", org.ID)
	envRoute := path(api.PathEnvironment, "org_id", org.ID, "environment_id", env.ID)
	orgRoute := path(api.PathOrganization, "org_id", org.ID)
	planChange := func(plan api.Plan) api.OrganizationUpdate { return api.OrganizationUpdate{Plan: &plan} }
	member := h.newMember(t, owner.Token, org.ID, api.RoleMember)
	admins := h.createTeam(t, owner.Token, org.ID, api.TeamCreate{Name: "Admins", Role: api.RoleAdmin})
	billing := h.createTeam(t, owner.Token, org.ID, api.TeamCreate{Name: "Billing", Role: api.RoleBiller})
	runners := h.createTeam(t, owner.Token, org.ID, api.TeamCreate{Name: "Runners", EnvironmentRoles: map[string]api.EnvironmentRole{env.ID: api.EnvironmentRoleRun}})
	_, _, inAdmins := teamRoutes(org.ID, admins.Slug, member.Email)
	_, _, inBilling := teamRoutes(org.ID, billing.Slug, member.Email)
	_, _, inRunners := teamRoutes(org.ID, runners.Slug, member.Email)

	p := h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, member.Token, http.MethodPost, labels, h.labelBody())
	if !strings.Contains(p.Detail, "the role member may not") {
		t.Errorf("before any team: %q", p.Detail)
	}
	h.addTeamMember(t, owner.Token, org.ID, admins.Slug, member.Email, api.TeamRoleMember)
	h.createLabel(t, member.Token, org.ID)
	token := h.createAPIToken(t, member.Token, org.ID, api.RoleAdmin)
	h.createLabel(t, token.Token, org.ID)
	if m := h.member(t, owner.Token, org.ID, member.Email); m.Role != api.RoleMember {
		t.Errorf("a member with a team's admin grant is listed with role %s, want their own (member)", m.Role)
	}
	// Billing is not an admin right: the admin grant gives none, the biller grant does.
	h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, member.Token, http.MethodPatch, orgRoute, planChange(api.PlanEnterprise))
	h.addTeamMember(t, owner.Token, org.ID, billing.Slug, member.Email, api.TeamRoleMember)
	h.expect(t, http.StatusOK, member.Token, http.MethodPatch, orgRoute, planChange(api.PlanEnterprise))
	// Holding admin (from one team) and billing (from another), they may give a token billing.
	h.createAPIToken(t, member.Token, org.ID, api.RoleBiller)

	// A read the admin grant allows, which the read path then remembers; a change to a team must make it
	// forget, at once.
	tokens := path(api.PathAPITokens, "org_id", org.ID)
	h.expect(t, http.StatusOK, member.Token, http.MethodGet, tokens, nil)
	h.expect(t, http.StatusNoContent, owner.Token, http.MethodDelete, inAdmins, nil)
	h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, member.Token, http.MethodGet, tokens, nil)
	p = h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, member.Token, http.MethodPost, labels, h.labelBody())
	if !strings.Contains(p.Detail, "the roles member and biller (your own role and what your teams grant) may not") {
		t.Errorf("out of the admins team, in the billing team: %q", p.Detail)
	}
	p = h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, token.Token, http.MethodPost, labels, h.labelBody())
	if !strings.Contains(p.Detail, "its creator's roles member and biller may not") {
		t.Errorf("their admin token once they left the admins team: %q", p.Detail)
	}
	h.expect(t, http.StatusNoContent, owner.Token, http.MethodDelete, inBilling, nil)
	h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, member.Token, http.MethodPatch, orgRoute, planChange(api.PlanTeam))

	// Environments: a team's grant shows the environment to its members, and only while they are in it.
	seen := func() []string {
		var ids []string
		for _, e := range listAll[api.Environment](t, h, member.Token, envs, 0) {
			ids = append(ids, e.ID)
		}
		return ids
	}
	if got := seen(); len(got) != 0 {
		t.Errorf("a member without environment roles sees %v", got)
	}
	h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, member.Token, http.MethodGet, envRoute, nil)
	h.addTeamMember(t, owner.Token, org.ID, runners.Slug, member.Email, api.TeamRoleMember)
	if got := seen(); !slices.Equal(got, []string{env.ID}) {
		t.Errorf("a member of a team granted run in %s sees %v", env.ID, got)
	}
	h.expect(t, http.StatusOK, member.Token, http.MethodGet, envRoute, nil)
	h.expect(t, http.StatusNoContent, owner.Token, http.MethodDelete, inRunners, nil)
	h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, member.Token, http.MethodGet, envRoute, nil)
}

// Lost access and not-found, as for every other object: an unknown team or team member inside an
// organization the caller belongs to is a 404 not-found; another organization's teams are a 404
// organization-not-found, whoever asks; a deleted organization's, a 410 for its former members.
func TestTeamNotFoundAndLostAccess(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	team := h.createTeam(t, owner.Token, org.ID, h.teamBody())
	member := h.newMember(t, owner.Token, org.ID, api.RoleMember)
	h.addTeamMember(t, owner.Token, org.ID, team.Slug, member.Email, api.TeamRoleMember)
	route, members, memberIn := teamRoutes(org.ID, team.Slug, member.Email)
	missing, missingMembers, missingMember := teamRoutes(org.ID, "no-such-team", member.Email)
	_, _, notInTeam := teamRoutes(org.ID, team.Slug, owner.Email)

	for _, r := range []struct{ method, route string }{
		{http.MethodGet, missing}, {http.MethodPatch, missing}, {http.MethodDelete, missing},
		{http.MethodGet, missingMembers}, {http.MethodGet, missingMember}, {http.MethodDelete, missingMember},
		{http.MethodGet, notInTeam}, {http.MethodDelete, notInTeam},
	} {
		var body any
		if r.method == http.MethodPatch {
			body = api.TeamUpdate{}
		}
		h.expectProblem(t, http.StatusNotFound, api.ProblemNotFound, owner.Token, r.method, r.route, body)
	}
	outsider := h.signup(t)
	for _, r := range []string{route, members, memberIn, path(api.PathTeamMemberships, "org_id", org.ID)} {
		h.expectProblem(t, http.StatusNotFound, api.ProblemOrganizationNotFound, outsider.Token, http.MethodGet, r, nil)
	}
	h.expect(t, http.StatusNoContent, owner.Token, http.MethodDelete, path(api.PathOrganization, "org_id", org.ID), nil)
	for _, r := range []string{route, members, memberIn} {
		h.expectProblem(t, http.StatusGone, api.ProblemOrganizationDeleted, member.Token, http.MethodGet, r, nil)
	}
}

// The teams limit is the plan's, like the others: a plan that allows fewer teams than the organization
// has cannot be chosen, one that allows exactly as many can.
func TestTeamLimitOnPlanChange(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanStartup)
	orgRoute := path(api.PathOrganization, "org_id", org.ID)
	var last api.Team
	for range api.PlanLimits[api.PlanStarter].Teams + 1 {
		last = h.createTeam(t, owner.Token, org.ID, h.teamBody())
	}
	starter := api.PlanStarter
	p := h.expectProblem(t, http.StatusConflict, api.ProblemLimitReached, owner.Token, http.MethodPatch, orgRoute, api.OrganizationUpdate{Plan: &starter})
	if !strings.Contains(p.Detail, "teams") || !strings.Contains(p.Detail, `"starter"`) {
		t.Errorf("a downgrade below the teams the organization has: %q, want it to name teams and the plan", p.Detail)
	}
	team, _, _ := teamRoutes(org.ID, last.Slug, "")
	h.expect(t, http.StatusNoContent, owner.Token, http.MethodDelete, team, nil)
	h.expect(t, http.StatusOK, owner.Token, http.MethodPatch, orgRoute, api.OrganizationUpdate{Plan: &starter})
}
