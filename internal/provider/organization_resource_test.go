package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/servertest"
)

const orgResource = "orgs_organization.test"

func checkOrganizationDestroyed(env *acctest.Env) resource.TestCheckFunc {
	return env.CheckDestroy("orgs_organization", func(ctx context.Context, c *client.Client, attrs map[string]string) error {
		_, err := c.GetOrganization(ctx, attrs["id"])
		return err
	})
}

// serverOrganization checks what the server holds for the organization in state.
func serverOrganization(env *acctest.Env, check func(api.Organization) error) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[orgResource]
		if !ok {
			return fmt.Errorf("%s not in state", orgResource)
		}
		org, err := env.Client.GetOrganization(context.Background(), rs.Primary.ID)
		if err != nil {
			return err
		}
		return check(*org)
	}
}

func TestAccOrganizationResource(t *testing.T) {
	env := acctest.New(t)
	var orgID string
	// The id survives the update: an update in place, not a replacement.
	sameID := statecheck.CompareValue(compare.ValuesSame())

	minimal := env.ProviderBlock() + `
resource "orgs_organization" "test" {
  name                 = "Acme"
  admin_contact_emails = ["Ops@Example.com"]
}
`
	updated := func(adminEmail string) string {
		return env.ProviderBlock() + fmt.Sprintf(`
resource "orgs_organization" "test" {
  name                 = "Acme Corp"
  description          = "Platform team"
  website              = "https://acme.example.com"
  admin_contact_emails = [%q, "billing@example.com"]
  plan                 = "starter"
  settings = {
    ai_hints_enabled = true
  }
}
`, adminEmail)
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkOrganizationDestroyed(env),
		Steps: []resource.TestStep{
			{
				Config: minimal,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(orgResource, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(orgResource, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(orgResource, tfjsonpath.New("name"), knownvalue.StringExact("Acme")),
					statecheck.ExpectKnownValue(orgResource, tfjsonpath.New("description"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue(orgResource, tfjsonpath.New("website"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue(orgResource, tfjsonpath.New("plan"), knownvalue.StringExact("hobby")),
					statecheck.ExpectKnownValue(orgResource, tfjsonpath.New("admin_contact_emails"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("Ops@Example.com")})),
					statecheck.ExpectKnownValue(orgResource, tfjsonpath.New("settings"), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"artifacts_storage_limit_gb": knownvalue.Int64Exact(api.DefaultOrganizationSettings.ArtifactsStorageLimitGB),
						"ai_hints_enabled":           knownvalue.Bool(api.DefaultOrganizationSettings.AIHintsEnabled),
						"mask_webhook_urls":          knownvalue.Bool(api.DefaultOrganizationSettings.MaskWebhookURLs),
					})),
					statecheck.ExpectKnownValue(orgResource, tfjsonpath.New("created_at"),
						knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`))),
					statecheck.ExpectIdentity(orgResource, map[string]knownvalue.Check{"id": knownvalue.NotNull()}),
					statecheck.ExpectIdentityValueMatchesState(orgResource, tfjsonpath.New("id")),
				},
				Check: resource.ComposeTestCheckFunc(
					acctest.Capture(orgResource, "id", &orgID),
					serverOrganization(env, func(o api.Organization) error {
						if o.Name != "Acme" || o.Plan != api.PlanHobby || len(o.AdminContactEmails) != 1 || o.Settings != api.DefaultOrganizationSettings {
							return fmt.Errorf("server holds %+v", o)
						}
						return nil
					}),
				),
			},
			{
				ResourceName:      orgResource,
				ImportState:       true,
				ImportStateVerify: true,
			},
			{
				// An import block with the identity from state: the plan imports with no change, and
				// the imported identity equals the one in state (the step checks both).
				ResourceName:    orgResource,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
			{
				Config: updated("Ops@Example.com"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(orgResource, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(orgResource, tfjsonpath.New("name"), knownvalue.StringExact("Acme Corp")),
					statecheck.ExpectKnownValue(orgResource, tfjsonpath.New("plan"), knownvalue.StringExact("starter")),
					statecheck.ExpectKnownValue(orgResource, tfjsonpath.New("settings"), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"artifacts_storage_limit_gb": knownvalue.Int64Exact(api.DefaultOrganizationSettings.ArtifactsStorageLimitGB),
						"ai_hints_enabled":           knownvalue.Bool(true),
						"mask_webhook_urls":          knownvalue.Bool(false),
					})),
					sameID.AddStateValue(orgResource, tfjsonpath.New("id")),
				},
				Check: serverOrganization(env, func(o api.Organization) error {
					if o.ID != orgID {
						return fmt.Errorf("the organization was replaced: %s, was %s", o.ID, orgID)
					}
					if o.Name != "Acme Corp" || o.Description != "Platform team" || o.Website != "https://acme.example.com" ||
						o.Plan != api.PlanStarter || !o.Settings.AIHintsEnabled || len(o.AdminContactEmails) != 2 {
						return fmt.Errorf("server holds %+v", o)
					}
					return nil
				}),
			},
			{
				// The same addresses in another case are the same addresses: nothing to do.
				Config: updated("ops@example.COM"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
			{
				// Deleted behind Terraform's back: planned for creation again, not an error.
				PreConfig: func() {
					if err := env.Client.DeleteOrganization(context.Background(), orgID); err != nil {
						t.Fatalf("delete organization out of band: %v", err)
					}
				},
				Config: updated("Ops@Example.com"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(orgResource, plancheck.ResourceActionCreate),
				}},
			},
		},
	})
}

// Bad input fails at plan time, naming the attribute, before any request.
func TestAccOrganizationResource_validation(t *testing.T) {
	env := acctest.New(t)
	config := func(attrs string) string {
		return env.ProviderBlock() + `
resource "orgs_organization" "test" {
  name = "Acme"
` + attrs + `
}
`
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      config(`admin_contact_emails = ["ops@example.com", "not-an-address"]`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`admin_contact_emails\[1\]:\s+"not-an-address"\s+is\s+not\s+a\s+valid\s+email`),
			},
			{
				Config:      config(`admin_contact_emails = ["ops@example.com"]` + "\n" + `plan = "platinum"`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Attribute\s+plan\s+value\s+must\s+be\s+one\s+of.*"platinum"`),
			},
			{
				Config:      config(`admin_contact_emails = []`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Attribute\s+admin_contact_emails\s+list\s+must\s+contain\s+at\s+least\s+1`),
			},
			{
				Config:      config(`admin_contact_emails = ["ops@example.com"]` + "\n" + `website = "acme.example.com"`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Attribute\s+website\s+must\s+be\s+an\s+absolute\s+http\s+or\s+https\s+URL`),
			},
		},
	})
	orgs, err := env.Client.ListOrganizations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(orgs) != 0 {
		t.Errorf("plan-time errors still created %d organizations", len(orgs))
	}
}

// A create whose response is lost after the server committed it is retried with the same
// Idempotency-Key, and the server answers the retry with the first result: one organization, not two.
func TestAccOrganizationResource_lostCreateResponse(t *testing.T) {
	env := acctest.New(t, servertest.WithFaults(server.Faults{FractionCommitThen503: 1}))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkOrganizationDestroyed(env),
		Steps: []resource.TestStep{{
			Config: env.ProviderBlock() + `
resource "orgs_organization" "test" {
  name                 = "Lost Response"
  admin_contact_emails = ["ops@example.com"]
}
`,
			Check: func(*terraform.State) error {
				orgs, err := env.Client.ListOrganizations(context.Background())
				if err != nil {
					return err
				}
				if len(orgs) != 1 {
					return fmt.Errorf("the server holds %d organizations after one create; want 1: %+v", len(orgs), orgs)
				}
				return nil
			},
		}},
	})
}

// An admin may change everything but the plan. The provider sends only what changed, so an admin's
// edit of the description does not touch the plan, and a change of plan is refused in the server's words.
func TestAccOrganizationResource_adminToken(t *testing.T) {
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanStarter)
	admin, adminToken := env.SignUp(t, "admin@example.com")
	if _, err := env.Client.AddMember(t.Context(), org.ID, api.MemberCreate{Email: admin.Email, Role: api.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	config := func(description, plan string) string {
		return env.ProviderBlockWithToken(adminToken) + fmt.Sprintf(`
resource "orgs_organization" "test" {
  name                 = %q
  description          = %q
  admin_contact_emails = [%q]
  plan                 = %q
}
`, org.Name, description, env.OwnerEmail, plan)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:             config("", "starter"),
				ResourceName:       orgResource,
				ImportState:        true,
				ImportStateId:      org.ID,
				ImportStatePersist: true,
			},
			{
				Config: config("edited by an admin", "starter"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(orgResource, plancheck.ResourceActionUpdate),
				}},
				Check: serverOrganization(env, func(o api.Organization) error {
					if o.Description != "edited by an admin" || o.Plan != api.PlanStarter {
						return fmt.Errorf("server holds %+v", o)
					}
					return nil
				}),
			},
			{
				Config:      config("edited by an admin", "team"),
				ExpectError: regexp.MustCompile(`(?s)HTTP 403.*the\s+role\s+admin\s+may\s+not\s+change\s+the\s+plan`),
			},
			{
				// Only an owner may delete the organization: leave it be.
				Config: env.ProviderBlockWithToken(adminToken) + `
removed {
  from = orgs_organization.test
  lifecycle {
    destroy = false
  }
}
`,
			},
		},
	})
}

// TestAccOrganizationResource_multibyteName: length limits count characters, as the server does, not
// bytes. A name of 100 CJK characters (300 bytes) plans and is created; 101 characters are refused at
// plan time, naming the attribute.
func TestAccOrganizationResource_multibyteName(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	config := func(name string) string {
		return env.ProviderBlock() + fmt.Sprintf(`
resource "orgs_organization" "test" {
  name                 = %q
  admin_contact_emails = ["ops@example.com"]
}
`, name)
	}
	longest := strings.Repeat("組", 100)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      config(longest + "織"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Attribute\s+name\s+UTF-8\s+character\s+count\s+must\s+be\s+between\s+1\s+and\s+100,\s+got:\s+101`),
			},
			{
				Config: config(longest),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("orgs_organization.test", tfjsonpath.New("name"), knownvalue.StringExact(longest)),
				},
			},
		},
	})
}
