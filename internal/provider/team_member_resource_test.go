package provider_test

import (
	"context"
	"fmt"
	"regexp"
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

func teamMemberGone(ctx context.Context, c *client.Client, attrs map[string]string) error {
	_, err := c.GetTeamMember(ctx, attrs["organization_id"], attrs["team_slug"], attrs["email"])
	return err
}

// teamWithMember is a team and one orgs_team_member.test of email with role, in an organization where
// email is already an active member.
func teamWithMember(env *acctest.Env, orgID, email, role string) string {
	return env.ProviderBlock() + fmt.Sprintf(`
resource "orgs_team" "sre" {
  organization_id = %[1]q
  name            = "SRE"
}

resource "orgs_team_member" "test" {
  organization_id = %[1]q
  team_slug       = orgs_team.sre.slug
  email           = %[2]q
  role            = %[3]q
}
`, orgID, email, role)
}

// TestAccTeamMember_lifecycle: a person joins a team with a team role; the membership imports by ID and
// by identity; the role changes in place; the address in another letter case is no change; removed
// behind Terraform's back, it is added again.
func TestAccTeamMember_lifecycle(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanTeam)
	env.SignUp(t, "dan@example.com")
	if _, err := env.Client.AddMember(t.Context(), org.ID, api.MemberCreate{Email: "dan@example.com", Role: api.RoleMember}); err != nil {
		t.Fatal(err)
	}
	const addr = "orgs_team_member.test"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             env.CheckDestroy("orgs_team_member", teamMemberGone),
		Steps: []resource.TestStep{
			{
				Config: teamWithMember(env, org.ID, "dan@example.com", "maintainer"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(org.ID+"/sre/dan@example.com")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("role"), knownvalue.StringExact("maintainer")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("user_id"), knownvalue.StringRegexp(regexp.MustCompile(`.`))),
					statecheck.ExpectIdentity(addr, map[string]knownvalue.Check{
						"organization_id": knownvalue.StringExact(org.ID),
						"team_slug":       knownvalue.StringExact("sre"),
						"email":           knownvalue.StringExact("dan@example.com"),
					}),
				},
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateId:     org.ID + "/sre/dan@example.com",
				ImportStateVerify: true,
			},
			{
				ResourceName:    addr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
			{
				Config: teamWithMember(env, org.ID, "dan@example.com", "member"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				Check: func(*terraform.State) error {
					m, err := env.Client.GetTeamMember(t.Context(), org.ID, "sre", "dan@example.com")
					if err != nil || m.Role != api.TeamRoleMember {
						return fmt.Errorf("the server holds %+v, %v; want role member", m, err)
					}
					return nil
				},
			},
			{
				Config:           teamWithMember(env, org.ID, "Dan@Example.COM", "member"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				PreConfig: func() {
					if err := env.Client.RemoveTeamMember(t.Context(), org.ID, "sre", "dan@example.com"); err != nil {
						t.Fatalf("remove dan from the team behind Terraform's back: %v", err)
					}
				},
				Config: teamWithMember(env, org.ID, "Dan@Example.COM", "member"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
				}},
			},
		},
	})
}

// TestAccTeamMember_notAMember: someone who is not an active member of the organization is refused at
// apply by the server, as the plan's warning said; an unknown team role is refused at plan time.
func TestAccTeamMember_notAMember(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanTeam)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      teamWithMember(env, org.ID, "stranger@example.com", "owner"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`value must be one of: \["maintainer" "member"\]`),
			},
			{
				Config:      teamWithMember(env, org.ID, "stranger@example.com", "member"),
				ExpectError: regexp.MustCompile(`Failed to add stranger@example.com to team sre`),
			},
		},
	})
}

// TestAccTeam_grantsAdminRights: a member who gets admin only through a team can do, with their own
// token, what an admin can (create a label, through a provider configured with that token; create an
// admin API token), and loses it the moment they leave the team, their API tokens too.
func TestAccTeam_grantsAdminRights(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanTeam)
	_, erinToken := env.SignUp(t, "erin@example.com")
	if _, err := env.Client.AddMember(t.Context(), org.ID, api.MemberCreate{Email: "erin@example.com", Role: api.RoleMember}); err != nil {
		t.Fatal(err)
	}
	erin := env.NewClient(t, erinToken)
	canCreateLabel := func(c *client.Client, key string) error {
		_, err := c.CreateLabel(t.Context(), org.ID, api.LabelCreate{Key: key, Value: "x"})
		return err
	}
	refused := func(err error) bool { return client.ProblemType(err) == api.ProblemForbidden }
	var erinsAPIToken *client.Client

	// The provider erin configures with her own token stays in both steps: the label it made is
	// destroyed through it.
	team := env.ProviderBlock() + fmt.Sprintf(`
resource "orgs_team" "admins" {
  organization_id = %[1]q
  name            = "Admins"
  role            = "admin"
}

provider "orgs" {
  alias    = "erin"
  endpoint = %[2]q
  token    = %[3]q
}
`, org.ID, env.Endpoint, erinToken)
	inTeam := team + fmt.Sprintf(`
resource "orgs_team_member" "erin" {
  organization_id = %[1]q
  team_slug       = orgs_team.admins.slug
  email           = "erin@example.com"
}

resource "orgs_label" "by_erin" {
  provider        = orgs.erin
  organization_id = %[1]q
  key             = "made-by-erin"
  value           = "through-a-team"

  # Erin is an admin only once she is in the team; the label goes before she leaves it.
  depends_on = [orgs_team_member.erin]
}
`, org.ID)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					if err := canCreateLabel(erin, "before-the-team"); !refused(err) {
						t.Fatalf("erin, a plain member, creating a label: %v; want a refusal", err)
					}
				},
				Config: inTeam,
				Check: func(*terraform.State) error {
					l, err := env.Client.GetLabel(t.Context(), org.ID, "made-by-erin")
					if err != nil || l.Value != "through-a-team" {
						return fmt.Errorf("the label erin's provider made: %+v, %v", l, err)
					}
					tok, err := erin.CreateAPIToken(t.Context(), org.ID, api.APITokenCreate{Name: "erin's automation", Role: api.RoleAdmin})
					if err != nil {
						return fmt.Errorf("erin, an admin through the team, creating an admin API token: %w", err)
					}
					erinsAPIToken = env.NewClient(t, tok.Token)
					if err := canCreateLabel(erinsAPIToken, "by-erins-token"); err != nil {
						return fmt.Errorf("erin's admin API token creating a label: %w", err)
					}
					return nil
				},
			},
			{
				// Erin leaves the team: at once, neither she nor her API token may do what an admin can.
				Config: team,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("orgs_team_member.erin", plancheck.ResourceActionDestroy),
					plancheck.ExpectResourceAction("orgs_label.by_erin", plancheck.ResourceActionDestroy),
				}},
				Check: func(*terraform.State) error {
					if err := canCreateLabel(erin, "after-the-team"); !refused(err) {
						return fmt.Errorf("erin creating a label after leaving the team: %v; want a refusal", err)
					}
					if err := canCreateLabel(erinsAPIToken, "after-the-team-by-token"); !refused(err) {
						return fmt.Errorf("erin's API token creating a label after she left the team: %v; want a refusal", err)
					}
					return nil
				},
			},
		},
	})
}
