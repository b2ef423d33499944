package provider_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// TestAccProvider_defaultOrganization: resources and data sources that leave organization_id out use
// the provider's. The plan shows the organization (and the ids made from it) before apply; the state
// and the server hold the objects there; moving the provider's default to another organization
// replaces them; and without any organization the plan fails naming organization_id.
func TestAccProvider_defaultOrganization(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	first := env.CreateOrganization(t, api.PlanTeam)
	second := env.CreateOrganization(t, api.PlanTeam)
	env.SignUp(t, "dana@example.com")
	config := func(defaultOrg string) string {
		provider := fmt.Sprintf("provider \"orgs\" {\n  endpoint = %q\n  token    = %q\n", env.Endpoint, env.Token)
		if defaultOrg != "" {
			provider += fmt.Sprintf("  organization_id = %q\n", defaultOrg)
		}
		return provider + `}

resource "orgs_label" "team" {
  key   = "team"
  value = "platform"
}

resource "orgs_member" "dana" {
  email = "dana@example.com"
  role  = "admin"
}

data "orgs_usage" "this" {}
`
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      config(""),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Missing organization_id`),
			},
			{
				Config: config(first.ID),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue("orgs_label.team", tfjsonpath.New("organization_id"), knownvalue.StringExact(first.ID)),
					// Known at plan time, not "(known after apply)".
					plancheck.ExpectKnownValue("orgs_label.team", tfjsonpath.New("id"), knownvalue.StringExact(first.ID+"/team")),
					plancheck.ExpectKnownValue("orgs_member.dana", tfjsonpath.New("id"), knownvalue.StringExact(first.ID+"/dana@example.com")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("orgs_member.dana", tfjsonpath.New("organization_id"), knownvalue.StringExact(first.ID)),
					statecheck.ExpectKnownValue("data.orgs_usage.this", tfjsonpath.New("organization_id"), knownvalue.StringExact(first.ID)),
					expectLabelOnServer(env, first.ID, "team", "platform", false),
				},
			},
			{
				Config: config(second.ID),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("orgs_label.team", plancheck.ResourceActionDestroyBeforeCreate),
					plancheck.ExpectResourceAction("orgs_member.dana", plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectLabelOnServer(env, second.ID, "team", "platform", false),
					statecheck.ExpectKnownValue("data.orgs_usage.this", tfjsonpath.New("organization_id"), knownvalue.StringExact(second.ID)),
				},
			},
			{
				// The organization named in the configuration wins over the provider's, for a resource
				// and for a data source.
				Config: config(second.ID) + fmt.Sprintf(`
resource "orgs_label" "elsewhere" {
  organization_id = %[1]q
  key             = "elsewhere"
}

data "orgs_usage" "elsewhere" {
  organization_id = %[1]q
}
`, first.ID),
				ConfigStateChecks: []statecheck.StateCheck{
					expectLabelOnServer(env, first.ID, "elsewhere", "", false),
					statecheck.ExpectKnownValue("data.orgs_usage.elsewhere", tfjsonpath.New("organization_id"), knownvalue.StringExact(first.ID)),
				},
			},
		},
	})
}
