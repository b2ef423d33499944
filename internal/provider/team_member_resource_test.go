package provider_test

import (
	"context"
	"fmt"
	"regexp"
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
					if err != nil {
						return err
					}
					if m.Role != api.TeamRoleMember {
						return fmt.Errorf("the server holds %+v; want role member", m)
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
// token, what an admin can (create a label through a configuration of her own, run by the CLI with her
// token; create an admin API token), and loses it the moment she leaves the team, her API token too.
// Two working directories, as two people run them: one provider process each (Terraform runs one
// in-process provider for every provider block of a configuration, so two credentials in one
// configuration would not be tested apart).
func TestAccTeam_grantsAdminRights(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanTeam)
	_, erinToken := env.SignUp(t, "erin@example.com")
	if _, err := env.Client.AddMember(t.Context(), org.ID, api.MemberCreate{Email: "erin@example.com", Role: api.RoleMember}); err != nil {
		t.Fatal(err)
	}
	erin := env.NewClient(t, erinToken)
	createLabel := func(c *client.Client, key string) error {
		_, err := c.CreateLabel(t.Context(), org.ID, api.LabelCreate{Key: key, Value: "x"})
		return err
	}
	refused := func(err error) bool { return client.ProblemType(err) == api.ProblemForbidden }
	run := func(cli *acctest.CLI, args ...string) (string, error) {
		t.Helper()
		return cli.Run(append(args, "-auto-approve", "-input=false", "-no-color")...)
	}
	must := func(out string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
	}

	if err := createLabel(erin, "before-the-team"); !refused(err) {
		t.Fatalf("erin, a plain member, creating a label: %v; want a refusal", err)
	}
	owner := acctest.NewCLI(t, env)
	team := fmt.Sprintf(`
resource "orgs_team" "admins" {
  organization_id = %q
  name            = "Admins"
  role            = "admin"
}
`, org.ID)
	owner.WriteFile("team.tf", team+fmt.Sprintf(`
resource "orgs_team_member" "erin" {
  organization_id = %q
  team_slug       = orgs_team.admins.slug
  email           = "erin@example.com"
}
`, org.ID))
	must(run(owner, "apply"))

	// Erin's own configuration, with her own token.
	erinsCLI := acctest.NewCLI(t, env, "ORGS_TOKEN="+erinToken)
	label := func(value string) string {
		return fmt.Sprintf("resource \"orgs_label\" \"by_erin\" {\n  organization_id = %q\n  key             = \"made-by-erin\"\n  value           = %q\n}\n", org.ID, value)
	}
	erinsCLI.WriteFile("label.tf", label("through-a-team"))
	must(run(erinsCLI, "apply"))
	if l, err := env.Client.GetLabel(t.Context(), org.ID, "made-by-erin"); err != nil || l.Value != "through-a-team" {
		t.Fatalf("the label erin's configuration made: %+v, %v", l, err)
	}
	tok, err := erin.CreateAPIToken(t.Context(), org.ID, api.APITokenCreate{Name: "erin's automation", Role: api.RoleAdmin})
	if err != nil {
		t.Fatalf("erin, an admin through the team, creating an admin API token: %v", err)
	}
	erinsAPIToken := env.NewClient(t, tok.Token)
	if err := createLabel(erinsAPIToken, "by-erins-token"); err != nil {
		t.Fatalf("erin's admin API token creating a label: %v", err)
	}

	// Erin leaves the team: at once, neither her configuration nor her API token may do what an admin can.
	owner.WriteFile("team.tf", team)
	must(run(owner, "apply"))
	erinsCLI.WriteFile("label.tf", label("after-the-team"))
	if out, err := run(erinsCLI, "apply"); err == nil || !strings.Contains(out, "may not") {
		t.Errorf("erin's configuration changing the label after she left the team: %v; want the server's refusal:\n%s", err, out)
	}
	if err := createLabel(erin, "after-the-team"); !refused(err) {
		t.Errorf("erin creating a label after leaving the team: %v; want a refusal", err)
	}
	if err := createLabel(erinsAPIToken, "after-the-team-by-token"); !refused(err) {
		t.Errorf("erin's API token creating a label after she left the team: %v; want a refusal", err)
	}
	if l, err := env.Client.GetLabel(t.Context(), org.ID, "made-by-erin"); err != nil || l.Value != "through-a-team" {
		t.Errorf("the label after erin's refused change: %+v, %v; want it as she made it", l, err)
	}
}

// TestAccTeamMember_coalesced: orgs_team_member resources of one team created in one apply go out as
// one bulk request (the CLI creates them in parallel and the client coalesces them), not one request
// each; one the server refuses (not a member of the organization) fails alone, naming the person, and
// the others are created.
func TestAccTeamMember_coalesced(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanTeam)
	people := []string{"ann@example.com", "ben@example.com", "cat@example.com", "dan@example.com"}
	for _, email := range append(people, "eve@example.com") {
		env.SignUp(t, email)
		if _, err := env.Client.AddMember(t.Context(), org.ID, api.MemberCreate{Email: email, Role: api.RoleMember}); err != nil {
			t.Fatal(err)
		}
	}
	config := func(emails ...string) string {
		return env.ProviderBlock() + fmt.Sprintf(`
resource "orgs_team" "sre" {
  organization_id = %[1]q
  name            = "SRE"
}

locals {
  emails = [%[2]s]
}

resource "orgs_team_member" "each" {
  count           = length(local.emails)
  organization_id = %[1]q
  team_slug       = orgs_team.sre.slug
  email           = local.emails[count.index]
}
`, org.ID, `"`+strings.Join(emails, `", "`)+`"`)
	}
	const bulkPath, plainPath = "/teams/sre/bulk/members", "/teams/sre/members"
	var bulkBefore, plainBefore int
	mark := func() { bulkBefore, plainBefore = env.RequestsTo(bulkPath), env.RequestsTo(plainPath) }
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             env.CheckDestroy("orgs_team_member", teamMemberGone),
		Steps: []resource.TestStep{
			{
				PreConfig: mark,
				Config:    config(people...),
				Check: func(*terraform.State) error {
					if n, plain := env.RequestsTo(bulkPath)-bulkBefore, env.RequestsTo(plainPath)-plainBefore; n != 1 || plain != 0 {
						return fmt.Errorf("4 team members created in one apply: %d bulk and %d plain requests, want 1 and 0", n, plain)
					}
					got, err := env.Client.ListTeamMembers(t.Context(), org.ID, "sre")
					if err != nil || len(got) != len(people) {
						return fmt.Errorf("team sre holds %+v (%w), want the %d people", got, err, len(people))
					}
					return nil
				},
			},
			{
				// Eve and a stranger at once: the stranger alone fails, with the server's reason.
				Config:      config(append(people, "eve@example.com", "stranger@example.com")...),
				ExpectError: regexp.MustCompile(`(?s)add stranger@example.com to team sre.*not a member of\s+organization`),
			},
			{
				// Eve was added: without the stranger, nothing is left to do.
				Config:           config(append(people, "eve@example.com")...),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}
