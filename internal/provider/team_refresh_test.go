package provider_test

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/servertest"
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
	cli.MustRun("apply", "-auto-approve", "-parallelism=20")

	before, _ := env.Requests()
	out := cli.MustRun("plan", "-detailed-exitcode")
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
	out = cli.MustRun("plan")
	for _, want := range []string{fmt.Sprintf(`orgs_team_member.m["team-012/%s"] will be created`, emails[3]), "Plan: 1 to add, 0 to change, 0 to destroy."} {
		if !strings.Contains(out, want) {
			t.Errorf("the plan does not say %q:\n%s", want, out)
		}
	}
}

// TestAccDriftAttribution_teams: a team changed and a team membership removed outside Terraform are
// named in the next plan with who did it and when, from the activity log, like every other object.
func TestAccDriftAttribution_teams(t *testing.T) {
	t.Parallel()
	var now atomic.Int64
	now.Store(time.Date(2031, 3, 1, 9, 0, 0, 0, time.UTC).UnixNano())
	env := acctest.New(t, servertest.WithClock(func() time.Time { return time.Unix(0, now.Load()).UTC() }))
	ctx := t.Context()
	org := env.CreateOrganization(t, api.PlanTeam)
	_, bobToken := env.SignUp(t, "bob@example.com")
	env.SignUp(t, "dan@example.com")
	for email, role := range map[string]api.Role{"bob@example.com": api.RoleAdmin, "dan@example.com": api.RoleMember} {
		if _, err := env.Client.AddMember(ctx, org.ID, api.MemberCreate{Email: email, Role: role}); err != nil {
			t.Fatal(err)
		}
	}
	cli := acctest.NewCLI(t, env)
	cli.WriteFile("main.tf", fmt.Sprintf(`
resource "orgs_team" "sre" {
  organization_id = %[1]q
  name            = "SRE"
  description     = "on call"
}

resource "orgs_team_member" "dan" {
  organization_id = %[1]q
  team_slug       = orgs_team.sre.slug
  email           = "dan@example.com"
}
`, org.ID))
	cli.MustRun("apply", "-auto-approve")

	now.Store(time.Date(2031, 3, 1, 10, 2, 0, 0, time.UTC).UnixNano())
	asBob := env.NewClient(t, bobToken)
	description := "nobody on call"
	if _, err := asBob.UpdateTeam(ctx, org.ID, "sre", api.TeamUpdate{Description: &description}); err != nil {
		t.Fatal(err)
	}
	if err := asBob.RemoveTeamMember(ctx, org.ID, "sre", "dan@example.com"); err != nil {
		t.Fatal(err)
	}
	out := cli.MustRun("plan")
	for _, want := range []string{
		fmt.Sprintf(`team "sre" of organization %s: description changed from "on call" to "nobody on call" outside Terraform by bob@example.com at 2031-03-01T10:02:00Z (team.update).`, org.ID),
		fmt.Sprintf(`team membership dan@example.com of organization %s: was deleted outside Terraform by bob@example.com at 2031-03-01T10:02:00Z (team_member.delete).`, org.ID),
		"Plan: 1 to add, 1 to change, 0 to destroy.",
	} {
		if !wrappedText(want).MatchString(out) {
			t.Errorf("the plan does not say %q:\n%s", want, out)
		}
	}
}
