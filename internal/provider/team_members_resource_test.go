package provider_test

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
)

// teamRoster is orgs_team "ops" with orgs_team_members.test holding members (email = role lines).
func teamRosterConfig(env *acctest.Env, orgID string, members ...string) string {
	return env.ProviderBlock() + fmt.Sprintf(`
resource "orgs_team" "ops" {
  organization_id = %[1]q
  name            = "Ops"
}

resource "orgs_team_members" "test" {
  organization_id = %[1]q
  team_slug       = orgs_team.ops.slug
  members = {
    %[2]s
  }
}
`, orgID, strings.Join(members, "\n    "))
}

// expectTeamMembersOnServer checks who is in team ops on the server, by email (lower case) and role.
func expectTeamMembersOnServer(ctx context.Context, c *client.Client, orgID string, want map[string]api.TeamRole) error {
	got, err := c.ListTeamMembers(ctx, orgID, "ops")
	if err != nil {
		return err
	}
	held := map[string]api.TeamRole{}
	for _, m := range got {
		held[strings.ToLower(m.Email)] = m.Role
	}
	if !maps.Equal(held, want) {
		return fmt.Errorf("team ops holds %v on the server, want %v", held, want)
	}
	return nil
}

// TestAccTeamMembers_authoritative: a team's whole membership in one resource. Created, imported (its
// state verified), a role changed in place, an address in another case no change; someone added to
// the team outside Terraform shows in the plan as a removal, and the apply removes them; someone who
// is not a member of the organization is refused by the server for that person alone, and the others'
// changes are recorded.
func TestAccTeamMembers_authoritative(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanTeam)
	for _, email := range []string{"ann@example.com", "ben@example.com", "eve@example.com"} {
		env.SignUp(t, email)
		if _, err := env.Client.AddMember(t.Context(), org.ID, api.MemberCreate{Email: email, Role: api.RoleMember}); err != nil {
			t.Fatal(err)
		}
	}
	const addr = "orgs_team_members.test"
	server := func(want map[string]api.TeamRole) resource.TestCheckFunc {
		return func(*terraform.State) error { return expectTeamMembersOnServer(t.Context(), env.Client, org.ID, want) }
	}
	two := teamRosterConfig(env, org.ID, `"ann@example.com" = "maintainer"`, `"ben@example.com" = "member"`)
	promoted := teamRosterConfig(env, org.ID, `"ann@example.com" = "maintainer"`, `"Ben@Example.com" = "maintainer"`)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			return expectNotFound(env.Client.GetTeam(context.Background(), org.ID, "ops"))
		},
		Steps: []resource.TestStep{
			{
				Config: two,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(org.ID+"/ops")),
					statecheck.ExpectIdentity(addr, map[string]knownvalue.Check{
						"organization_id": knownvalue.StringExact(org.ID),
						"team_slug":       knownvalue.StringExact("ops"),
					}),
				},
				Check: server(map[string]api.TeamRole{"ann@example.com": api.TeamRoleMaintainer, "ben@example.com": api.TeamRoleMember}),
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateId:     org.ID + "/ops",
				ImportStateVerify: true,
			},
			{
				ResourceName:    addr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
			{
				// Ben promoted, and written in another letter case: one role changes, nothing else.
				Config: promoted,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				Check: server(map[string]api.TeamRole{"ann@example.com": api.TeamRoleMaintainer, "ben@example.com": api.TeamRoleMaintainer}),
			},
			{
				Config:           promoted,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// Eve added to the team outside Terraform: the plan removes her.
				PreConfig: func() {
					if _, err := env.Client.AddTeamMember(t.Context(), org.ID, "ops", api.TeamMemberCreate{Email: "eve@example.com"}); err != nil {
						t.Fatalf("add eve to the team outside Terraform: %v", err)
					}
				},
				Config: promoted,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					expectRosterChange(addr, "eve@example.com"),
				}},
				Check: server(map[string]api.TeamRole{"ann@example.com": api.TeamRoleMaintainer, "ben@example.com": api.TeamRoleMaintainer}),
			},
			{
				// A stranger is refused by the server, for that person alone: Ben's demotion is made.
				Config:      teamRosterConfig(env, org.ID, `"ann@example.com" = "maintainer"`, `"Ben@Example.com" = "member"`, `"stranger@example.com" = "member"`),
				ExpectError: regexp.MustCompile(`add stranger@example.com:`),
				Check:       server(map[string]api.TeamRole{"ann@example.com": api.TeamRoleMaintainer, "ben@example.com": api.TeamRoleMember}),
			},
			{
				Config:           teamRosterConfig(env, org.ID, `"ann@example.com" = "maintainer"`, `"Ben@Example.com" = "member"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            server(map[string]api.TeamRole{"ann@example.com": api.TeamRoleMaintainer, "ben@example.com": api.TeamRoleMember}),
			},
			{
				Config:      teamRosterConfig(env, org.ID, `"ann@example.com" = "maintainer"`, `"ANN@example.com" = "member"`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`The same person twice`),
			},
		},
	})
}

// expectRosterChange passes when the plan of a whole-list resource takes email out of members: the
// state before holds them, the plan does not.
func expectRosterChange(addr, email string) plancheck.PlanCheck {
	return rosterRemoval{addr: addr, email: email}
}

type rosterRemoval struct{ addr, email string }

func (c rosterRemoval) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != c.addr {
			continue
		}
		members := func(v any) []string {
			m, _ := v.(map[string]any)
			mm, _ := m["members"].(map[string]any)
			return slices.Sorted(maps.Keys(mm))
		}
		before, after := members(rc.Change.Before), members(rc.Change.After)
		if !slices.Contains(before, c.email) || slices.Contains(after, c.email) {
			resp.Error = fmt.Errorf("%s: members %v before, %v after; want %s removed", c.addr, before, after, c.email)
		}
		return
	}
	resp.Error = fmt.Errorf("%s is not in the plan", c.addr)
}

// TestAccTeamMembers_bulk: the changes of one apply go out in one bulk request, however many people
// they add, and no single team-member write is made; an item the server refuses (an address that is
// not a member of the organization) fails naming that person alone, the others' changes in the same
// request are made, and the next apply without them converges.
func TestAccTeamMembers_bulk(t *testing.T) {
	t.Parallel()
	writes := &writeCounter{}
	env := acctest.New(t, writes.option())
	org := env.CreateOrganization(t, api.PlanTeam)
	people := []string{"ann@example.com", "ben@example.com", "cat@example.com", "dan@example.com"}
	for _, email := range people {
		env.SignUp(t, email)
		if _, err := env.Client.AddMember(t.Context(), org.ID, api.MemberCreate{Email: email, Role: api.RoleMember}); err != nil {
			t.Fatal(err)
		}
	}
	bulkPath := "/teams/ops/bulk/members"
	server := func(want map[string]api.TeamRole) resource.TestCheckFunc {
		return func(*terraform.State) error { return expectTeamMembersOnServer(t.Context(), env.Client, org.ID, want) }
	}
	// step counts, around one apply, the bulk requests and the single team-member writes it made.
	var bulkBefore, writesBefore int
	mark := func() { bulkBefore = env.RequestsTo(bulkPath); _, writesBefore = writes.since(0) }
	oneBulk := func(*terraform.State) error {
		if n := env.RequestsTo(bulkPath) - bulkBefore; n != 1 {
			return fmt.Errorf("the apply made %d requests to %s, want 1", n, bulkPath)
		}
		since, _ := writes.since(writesBefore)
		for _, w := range since {
			if strings.Contains(w, "/teams/ops/members") {
				return fmt.Errorf("the apply made a single team-member write: %s (all writes: %v)", w, since)
			}
		}
		return nil
	}
	all := map[string]api.TeamRole{"ann@example.com": api.TeamRoleMaintainer, "ben@example.com": api.TeamRoleMember,
		"cat@example.com": api.TeamRoleMember, "dan@example.com": api.TeamRoleMember}
	four := teamRosterConfig(env, org.ID, `"ann@example.com" = "maintainer"`, `"ben@example.com" = "member"`, `"cat@example.com" = "member"`, `"dan@example.com" = "member"`)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: teamRosterConfig(env, org.ID, `"ann@example.com" = "maintainer"`),
				Check:  server(map[string]api.TeamRole{"ann@example.com": api.TeamRoleMaintainer}),
			},
			{
				// Three people added: one bulk request.
				PreConfig: mark,
				Config:    four,
				Check:     resource.ComposeAggregateTestCheckFunc(oneBulk, server(all)),
			},
			{
				// Dan removed, Ben promoted, a stranger added: one bulk request; the stranger alone fails,
				// named, with the server's reason; Dan's removal and Ben's promotion are made.
				PreConfig: mark,
				Config: teamRosterConfig(env, org.ID, `"ann@example.com" = "maintainer"`, `"ben@example.com" = "maintainer"`, `"cat@example.com" = "member"`,
					`"stranger@example.com" = "member"`),
				ExpectError: regexp.MustCompile(`(?s)add stranger@example.com:.*not a member of\s+organization`),
			},
			{
				PreConfig: func() {
					if err := oneBulk(nil); err != nil {
						t.Errorf("the partly failed apply: %v", err)
					}
				},
				Config:           teamRosterConfig(env, org.ID, `"ann@example.com" = "maintainer"`, `"ben@example.com" = "maintainer"`, `"cat@example.com" = "member"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check: server(map[string]api.TeamRole{"ann@example.com": api.TeamRoleMaintainer, "ben@example.com": api.TeamRoleMaintainer,
					"cat@example.com": api.TeamRoleMember}),
			},
		},
	})
}
