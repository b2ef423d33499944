package provider_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// TestAccTeamDataSources: orgs_team reads one team by slug, with its grant and environment roles (by
// environment id, as orgs_member's data source has them); orgs_teams reads every team, or those that
// grant one role; a team that does not exist is an error naming it.
func TestAccTeamDataSources(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanTeam)
	ctx := t.Context()
	envs, err := env.Client.ListEnvironments(ctx, org.ID)
	if err != nil || len(envs) != 1 {
		t.Fatalf("the organization's environments: %v, %v", envs, err)
	}
	admins, err := env.Client.CreateTeam(ctx, org.ID, api.TeamCreate{
		Name: "Admins", Role: api.RoleAdmin, Description: "on call", EnvironmentRoles: map[string]api.EnvironmentRole{envs[0].ID: api.EnvironmentRoleRead},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Client.CreateTeam(ctx, org.ID, api.TeamCreate{Name: "Readers"}); err != nil {
		t.Fatal(err)
	}
	config := env.ProviderBlock() + fmt.Sprintf(`
data "orgs_team" "admins" {
  organization_id = %[1]q
  slug            = "admins"
}

data "orgs_teams" "all" {
  organization_id = %[1]q
}

data "orgs_teams" "admins" {
  organization_id = %[1]q
  role            = "admin"
}
`, org.ID)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.orgs_team.admins", tfjsonpath.New("id"), knownvalue.StringExact(admins.ID)),
					statecheck.ExpectKnownValue("data.orgs_team.admins", tfjsonpath.New("name"), knownvalue.StringExact("Admins")),
					statecheck.ExpectKnownValue("data.orgs_team.admins", tfjsonpath.New("description"), knownvalue.StringExact("on call")),
					statecheck.ExpectKnownValue("data.orgs_team.admins", tfjsonpath.New("role"), knownvalue.StringExact("admin")),
					statecheck.ExpectKnownValue("data.orgs_team.admins", tfjsonpath.New("environment_roles"),
						knownvalue.MapExact(map[string]knownvalue.Check{envs[0].ID: knownvalue.StringExact("read")})),
					statecheck.ExpectKnownValue("data.orgs_teams.all", tfjsonpath.New("teams"), knownvalue.ListSizeExact(2)),
					statecheck.ExpectKnownValue("data.orgs_teams.all", tfjsonpath.New("teams").AtSliceIndex(1).AtMapKey("role"), knownvalue.Null()),
					statecheck.ExpectKnownValue("data.orgs_teams.admins", tfjsonpath.New("teams"), knownvalue.ListSizeExact(1)),
					statecheck.ExpectKnownValue("data.orgs_teams.admins", tfjsonpath.New("teams").AtSliceIndex(0).AtMapKey("slug"), knownvalue.StringExact("admins")),
				},
			},
			{
				Config:      env.ProviderBlock() + fmt.Sprintf("data \"orgs_team\" \"x\" {\n  organization_id = %q\n  slug = \"nowhere\"\n}\n", org.ID),
				ExpectError: regexp.MustCompile(`Failed to read team nowhere of organization`),
			},
		},
	})
}
