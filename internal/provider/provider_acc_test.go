package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/servertest"
)

func TestAccProvider_configuration(t *testing.T) {
	env := acctest.New(t)
	lookup := `
data "orgs_organization" "test" {
  name = "anything"
}
`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: `
provider "orgs" {
  endpoint        = "` + env.Endpoint + `"
  token           = "` + env.Token + `"
  request_timeout = "soon"
}
` + lookup,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Attribute\s+request_timeout\s+must\s+be\s+a\s+positive\s+duration`),
			},
			{
				Config: `
provider "orgs" {
  endpoint    = "` + env.Endpoint + `"
  token       = "` + env.Token + `"
  max_retries = 11
}
` + lookup,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Attribute\s+max_retries\s+value\s+must\s+be\s+between\s+0\s+and\s+10`),
			},
			{
				// A refused credential says what to check.
				Config:      env.ProviderBlockWithToken("not-a-token") + lookup,
				ExpectError: regexp.MustCompile(`(?s)HTTP 401.*Check\s+the\s+provider's\s+` + "`token`"),
			},
		},
	})
}

// A flaky API (rate limits, 503s, and writes whose response is lost after the server committed them)
// changes nothing for the user: the apply succeeds, every create made exactly one object, and the next
// plan is empty. Faults are drawn at random per request, so this runs a whole configuration rather
// than one call; max_retries is high enough that a run of faults long enough to fail is negligible.
func TestAccProvider_retriesAFlakyServer(t *testing.T) {
	env := acctest.New(t, servertest.WithFaults(server.Faults{
		Fraction429:           0.15,
		Fraction503:           0.1,
		FractionCommitThen503: 0.1,
		Seed:                  7,
	}))
	alice, _ := env.SignUp(t, "alice@example.com")
	config := `
provider "orgs" {
  endpoint    = "` + env.Endpoint + `"
  token       = "` + env.Token + `"
  max_retries = 10
}

resource "orgs_organization" "flaky" {
  name                 = "Flaky Network"
  admin_contact_emails = ["ops@example.com"]
  plan                 = "team"
}

resource "orgs_label" "flaky" {
  count           = 3
  organization_id = orgs_organization.flaky.id
  key             = "label-${count.index}"
  value           = "v${count.index}"
}

resource "orgs_member" "alice" {
  organization_id = orgs_organization.flaky.id
  email           = "` + alice.Email + `"
  role            = "admin"
}
`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkOrganizationDestroyed(env),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(*terraform.State) error {
					ctx := context.Background()
					orgs, err := env.Client.ListOrganizations(ctx)
					if err != nil {
						return err
					}
					if len(orgs) != 1 {
						return fmt.Errorf("the server holds %d organizations after one create; want 1", len(orgs))
					}
					labels, err := env.Client.ListLabels(ctx, orgs[0].ID)
					if err != nil {
						return err
					}
					members, err := env.Client.ListMembers(ctx, orgs[0].ID)
					if err != nil {
						return err
					}
					if len(labels) != 3 || len(members) != 2 {
						return fmt.Errorf("the server holds %d labels and %d members; want 3 and 2 (owner and alice)", len(labels), len(members))
					}
					return nil
				},
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}
