package provider_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/servertest"
)

// TestAccBatchedRefresh_members plans an organization of 40 managed members through the real CLI
// (the provider as a plugin process, as users run it) against a server with its default rate limit,
// and counts what reaches the server: the refresh is a listing and a few single reads, not 40 GETs,
// and nothing is answered 429. A member removed behind Terraform's back is then missing from the
// listing, and the plan creates it again, exactly as a 404 would.
func TestAccBatchedRefresh_members(t *testing.T) {
	t.Parallel()
	const n = 40
	env := acctest.New(t, servertest.WithRateLimit(server.RateLimit{}))
	org := env.CreateOrganization(t, api.PlanTeam)
	emails := make([]string, n)
	for i := range emails {
		emails[i] = fmt.Sprintf("batch-%02d@example.com", i)
		env.SignUp(t, emails[i])
	}
	cli := acctest.NewCLI(t, env)
	cli.WriteFile("main.tf", fmt.Sprintf(`
resource "orgs_member" "m" {
  for_each        = toset(%s)
  organization_id = %q
  email           = each.value
  role            = "member"
}
`, hclList(emails), org.ID))
	cli.MustRun("apply", "-auto-approve")

	before, limitedBefore := env.Requests()
	out := cli.MustRun("plan", "-detailed-exitcode")
	after, limitedAfter := env.Requests()
	if !strings.Contains(out, "No changes.") {
		t.Fatalf("the plan after apply is not empty:\n%s", out)
	}
	// One listing page, and at most the single reads made before reads were many enough to list.
	if requests := after - before; requests > 3 {
		t.Errorf("refreshing %d members took %d requests, want a listing and at most 2 single reads", n, requests)
	}
	if limited := limitedAfter - limitedBefore; limited != 0 {
		t.Errorf("the refresh was answered 429 %d times", limited)
	}

	if err := env.Client.RemoveMember(t.Context(), org.ID, emails[17]); err != nil {
		t.Fatal(err)
	}
	out = cli.MustRun("plan")
	for _, want := range []string{fmt.Sprintf(`orgs_member.m["%s"] will be created`, emails[17]), "Plan: 1 to add, 0 to change, 0 to destroy."} {
		if !strings.Contains(out, want) {
			t.Errorf("the plan does not say %q:\n%s", want, out)
		}
	}
}

func hclList(values []string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = fmt.Sprintf("%q", v)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// TestAccBatchedRefresh_domains: an organization's most domains, each with its verification, refresh
// from one shared listing: a plan of 40 objects is a handful of requests, and the domains' move to
// verified is a refresh, not a change.
func TestAccBatchedRefresh_domains(t *testing.T) {
	t.Parallel()
	n := api.MaxDomainsPerOrganization
	env := acctest.New(t, servertest.WithRateLimit(server.RateLimit{}))
	org := env.CreateOrganization(t, api.PlanTeam)
	domains := make([]string, n)
	for i := range domains {
		domains[i] = fmt.Sprintf("batch-%02d.example", i)
	}
	cli := acctest.NewCLI(t, env)
	cli.WriteFile("main.tf", fmt.Sprintf(`
resource "orgs_domain" "d" {
  for_each        = toset(%s)
  organization_id = %q
  domain          = each.value
}
`, hclList(domains), org.ID))
	cli.MustRun("apply", "-auto-approve")

	// The records are published (by a DNS resource, in a real configuration), and every domain waited for.
	claims, err := env.Client.ListDomains(t.Context(), org.ID)
	if err != nil || len(claims) != n {
		t.Fatalf("the organization's domains: %d, %v; want %d", len(claims), err, n)
	}
	for _, d := range claims {
		env.DNS.SetTXT(d.VerificationRecordName, d.VerificationRecordValue)
	}
	cli.WriteFile("verifications.tf", `
resource "orgs_domain_verification" "d" {
  for_each        = orgs_domain.d
  organization_id = each.value.organization_id
  domain          = each.value.domain
}
`)
	cli.MustRun("apply", "-auto-approve")

	before, limitedBefore := env.Requests()
	out := cli.MustRun("plan", "-detailed-exitcode")
	after, limitedAfter := env.Requests()
	if !strings.Contains(out, "No changes.") {
		t.Fatalf("the plan after apply is not empty:\n%s", out)
	}
	if requests := after - before; requests > 3 {
		t.Errorf("refreshing %d domains and their verifications took %d requests, want a listing and at most 2 single reads", n, requests)
	}
	if limited := limitedAfter - limitedBefore; limited != 0 {
		t.Errorf("the refresh was answered 429 %d times", limited)
	}
}
