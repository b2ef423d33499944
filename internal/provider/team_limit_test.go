package provider_test

import (
	"testing"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// TestAccTeam_limitAtPlanTime: a plan that creates more teams than the organization's plan allows says
// so at plan time, in the words the server refuses with (naming the plan, its limit and a plan that
// fits), counting every team the plan creates; the apply is refused in those words for the team that
// does not fit; and the configuration is destroyed after that half-failed apply (a destroy's refresh
// meets no create-time check). Run through the CLI, whose plan output shows the warning.
func TestAccTeam_limitAtPlanTime(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanHobby)
	if limit := api.PlanLimits[api.PlanHobby].Quantity(api.QuantityTeams); limit != 1 {
		t.Fatalf("this test expects the hobby plan to allow 1 team, not %d", limit)
	}
	cli := acctest.NewCLI(t, env)
	cli.WriteFile("teams.tf", `
resource "orgs_team" "a" {
  organization_id = "`+org.ID+`"
  name            = "Alpha"
}

resource "orgs_team" "b" {
  organization_id = "`+org.ID+`"
  name            = "Beta"
}
`)
	out := cli.MustRun("plan")
	for _, want := range []string{
		"No team left: the apply will refuse this team",
		`plan "hobby" allows at most 1 teams; the organization has 0, and this plan creates 2 new teams`,
		`Plan "starter" allows 3 teams: change the organization's plan first.`,
	} {
		if !wrappedText(want).MatchString(out) {
			t.Errorf("the plan does not say %q:\n%s", want, out)
		}
	}

	out, err := cli.Run("apply", "-auto-approve", "-input=false", "-no-color")
	if err == nil || !wrappedText(`plan "hobby" allows at most 1 teams; the organization has 1`).MatchString(out) {
		t.Fatalf("the apply of a team over the limit: %v; want the server's refusal naming the plan and limit:\n%s", err, out)
	}
	teams, err := env.Client.ListTeams(t.Context(), org.ID)
	if err != nil || len(teams) != 1 {
		t.Fatalf("after the half-failed apply, the organization's teams: %+v, %v; want one", teams, err)
	}

	cli.MustRun("destroy", "-auto-approve")
	if teams, err := env.Client.ListTeams(t.Context(), org.ID); err != nil || len(teams) != 0 {
		t.Errorf("after the destroy, the organization's teams: %+v, %v; want none", teams, err)
	}
}
