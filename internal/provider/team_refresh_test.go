package provider_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// TestAccBatchedRefresh_teams plans 20 managed teams with 100 team memberships (five people in every
// team) through the real CLI: the refresh is the teams' listing, the organization's team-memberships
// listing and a few single reads, not 120 GETs; the count does not grow with the objects (the client's
// TestListingsRefreshTeamsAndTeamMembershipsInAFewRequests reads 100 teams and 1,000 memberships the
// same way, without the CLI's cost of applying them). (The server's rate limit is off: it would only slow
// down the apply that sets the test up; TestAccBatchedRefresh_members shows a batched
// refresh is never answered 429.) A membership removed behind Terraform's back is missing from the listing,
// and the plan adds it again.
func TestAccBatchedRefresh_teams(t *testing.T) {
	t.Parallel()
	const teams, people = 20, 5
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanEnterprise)
	emails := make([]string, people)
	for i := range emails {
		emails[i] = fmt.Sprintf("person-%02d@example.com", i)
		env.SignUp(t, emails[i])
		if _, err := env.Client.AddMember(t.Context(), org.ID, api.MemberCreate{Email: emails[i], Role: api.RoleMember}); err != nil {
			t.Fatal(err)
		}
	}
	slugs := make([]string, teams)
	for i := range slugs {
		slugs[i] = fmt.Sprintf("team-%03d", i)
	}
	cli := acctest.NewCLI(t, env)
	cli.WriteFile("main.tf", fmt.Sprintf(`
locals {
  slugs  = %s
  people = %s
}

resource "orgs_team" "t" {
  for_each        = toset(local.slugs)
  organization_id = %[3]q
  name            = each.value
  slug            = each.value
}

resource "orgs_team_member" "m" {
  for_each        = { for pair in setproduct(local.slugs, local.people) : "${pair[0]}/${pair[1]}" => pair }
  organization_id = %[3]q
  team_slug       = orgs_team.t[each.value[0]].slug
  email           = each.value[1]
}
`, hclList(slugs), hclList(emails), org.ID))
	run := func(args ...string) string {
		t.Helper()
		out, err := cli.Run(append(args, "-input=false", "-no-color")...)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return out
	}
	run("apply", "-auto-approve", "-parallelism=20")

	before, _ := env.Requests()
	out := run("plan", "-detailed-exitcode")
	after, _ := env.Requests()
	if !strings.Contains(out, "No changes.") {
		t.Fatalf("the plan after apply is not empty:\n%s", out)
	}
	// Two listings of one page each, and the few single reads made before reads were many enough.
	if requests := after - before; requests > 6 {
		t.Errorf("refreshing %d teams and %d team memberships took %d requests, want two listings and at most 4 single reads", teams, teams*people, requests)
	}

	if err := env.Client.RemoveTeamMember(t.Context(), org.ID, "team-012", emails[3]); err != nil {
		t.Fatal(err)
	}
	out = run("plan")
	for _, want := range []string{fmt.Sprintf(`orgs_team_member.m["team-012/%s"] will be created`, emails[3]), "Plan: 1 to add, 0 to change, 0 to destroy."} {
		if !strings.Contains(out, want) {
			t.Errorf("the plan does not say %q:\n%s", want, out)
		}
	}
}
