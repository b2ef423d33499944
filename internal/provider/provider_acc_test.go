package provider_test

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
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
