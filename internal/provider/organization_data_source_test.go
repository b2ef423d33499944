package provider_test

import (
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// expectOrganization checks every attribute of an orgs_organization data source against what the
// server holds.
func expectOrganization(address string, org api.Organization) []statecheck.StateCheck {
	emails := make([]knownvalue.Check, len(org.AdminContactEmails))
	for i, e := range org.AdminContactEmails {
		emails[i] = knownvalue.StringExact(e)
	}
	attr := func(name string, v knownvalue.Check) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(address, tfjsonpath.New(name), v)
	}
	return []statecheck.StateCheck{
		attr("id", knownvalue.StringExact(org.ID)),
		attr("name", knownvalue.StringExact(org.Name)),
		attr("description", knownvalue.StringExact(org.Description)),
		attr("website", knownvalue.StringExact(org.Website)),
		attr("admin_contact_emails", knownvalue.ListExact(emails)),
		attr("plan", knownvalue.StringExact(string(org.Plan))),
		attr("settings", knownvalue.ObjectExact(map[string]knownvalue.Check{
			"artifacts_storage_limit_gb": knownvalue.Int64Exact(org.Settings.ArtifactsStorageLimitGB),
			"ai_hints_enabled":           knownvalue.Bool(org.Settings.AIHintsEnabled),
			"mask_webhook_urls":          knownvalue.Bool(org.Settings.MaskWebhookURLs),
		})),
		attr("created_at", knownvalue.StringExact(org.CreatedAt.UTC().Format(time.RFC3339))),
	}
}

func TestAccOrganizationDataSource(t *testing.T) {
	env := acctest.New(t)
	created, err := env.Client.CreateOrganization(t.Context(), api.OrganizationCreate{
		Name:               "Data Source Co",
		Description:        "looked up by the data source",
		Website:            "https://data.example.com",
		AdminContactEmails: []string{"Ops@Example.com", "billing@example.com"},
		Plan:               api.PlanStartup,
		Settings:           api.OrganizationSettings{ArtifactsStorageLimitGB: 250, AIHintsEnabled: true, MaskWebhookURLs: true}.AsUpdate(),
	})
	if err != nil {
		t.Fatal(err)
	}
	// Another organization, so a lookup by name has something to tell apart.
	env.CreateOrganization(t, api.PlanHobby)
	// Compare with what the server holds now, not with what was sent.
	org, err := env.Client.GetOrganization(t.Context(), created.ID)
	if err != nil {
		t.Fatal(err)
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: env.ProviderBlock() + `
data "orgs_organization" "by_id" {
  id = "` + org.ID + `"
}
data "orgs_organization" "by_name" {
  name = "Data Source Co"
}
`,
				ConfigStateChecks: append(expectOrganization("data.orgs_organization.by_id", *org),
					expectOrganization("data.orgs_organization.by_name", *org)...),
			},
			{
				Config: env.ProviderBlock() + `
data "orgs_organization" "test" {
  id   = "` + org.ID + `"
  name = "Data Source Co"
}
`,
				ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Combination.*id.*name`),
			},
			{
				Config: env.ProviderBlock() + `
data "orgs_organization" "test" {}
`,
				ExpectError: regexp.MustCompile(`Exactly\s+one\s+of\s+these\s+attributes\s+must\s+be\s+configured:\s+\[id,name\]`),
			},
			{
				Config: env.ProviderBlock() + `
data "orgs_organization" "test" {
  name = "Nobody Co"
}
`,
				ExpectError: regexp.MustCompile(`no\s+organization\s+the\s+token\s+can\s+see\s+is\s+named\s+"Nobody Co"`),
			},
			{
				Config: env.ProviderBlock() + `
data "orgs_organization" "test" {
  id = "org_does_not_exist"
}
`,
				ExpectError: regexp.MustCompile(`(?s)HTTP 404.*not found`),
			},
			{
				// End on a valid configuration: the post-test destroy reads it too.
				Config: env.ProviderBlock() + `
data "orgs_organization" "test" {
  id = "` + org.ID + `"
}
`,
				ConfigStateChecks: expectOrganization("data.orgs_organization.test", *org),
			},
		},
	})
}
