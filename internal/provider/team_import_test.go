package provider_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// TestAccImport_teamNotFound: importing a team, a team membership or a team's whole membership that
// does not exist says what is missing and which import IDs work; a team given by its name says which
// slug to import it by.
func TestAccImport_teamNotFound(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanTeam)
	team, err := env.Client.CreateTeam(t.Context(), org.ID, api.TeamCreate{Name: "Platform Admins"})
	if err != nil {
		t.Fatal(err)
	}
	config := env.ProviderBlock() + fmt.Sprintf(`
resource "orgs_team" "t" {
  organization_id = %[1]q
  name            = "x"
}

resource "orgs_team_member" "m" {
  organization_id = %[1]q
  team_slug       = "x"
  email           = "someone@example.com"
}

resource "orgs_team_members" "all" {
  organization_id = %[1]q
  team_slug       = "x"
  members         = {}
}
`, org.ID)
	step := func(addr, id string, want ...string) resource.TestStep {
		parts := make([]string, len(want))
		for i, w := range want {
			parts[i] = wrappedText(w).String()
		}
		return resource.TestStep{
			Config:        config,
			ResourceName:  addr,
			ImportState:   true,
			ImportStateId: id,
			ExpectError:   regexp.MustCompile(`(?s)` + strings.Join(parts, ".*")),
		}
	}
	sub := func(id string) string { return org.ID + "/" + id }
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			step("orgs_team.t", sub("Platform Admins"),
				fmt.Sprintf(`Cannot import team "Platform Admins" of organization %s`, org.ID),
				fmt.Sprintf(`Organization %s has no team "Platform Admins".`, org.ID),
				"A team imports by `<organization_id>/<team slug>`",
				fmt.Sprintf(`The team "Platform Admins" has slug %s: import it with id %q.`, team.Slug, sub(team.Slug))),
			step("orgs_team_member.m", sub(team.Slug+"/nobody@example.com"),
				fmt.Sprintf("Cannot import team membership nobody@example.com of organization %s", org.ID),
				"A team membership imports by `<organization_id>/<team slug>/<email>`."),
			step("orgs_team_member.m", sub(team.Slug),
				fmt.Sprintf(`Expected an import ID of the form "<organization_id>/<team_slug>/<email>", got %q.`, sub(team.Slug))),
			step("orgs_team_members.all", sub("Platform Admins"),
				fmt.Sprintf(`Organization %s has no membership of team Platform Admins.`, org.ID),
				fmt.Sprintf(`The team "Platform Admins" has slug %s: import it with id %q.`, team.Slug, sub(team.Slug))),
		},
	})
}
