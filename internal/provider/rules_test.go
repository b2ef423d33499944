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
	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// Rules that users read in the docs, pinned by their values rather than by the constants the code uses:
// changing a constant must fail a test, not silently move the test along with it.

// TestAccRule_fiveOrganizationsPerUser: a user may belong to 5 organizations. Five are created, the
// sixth is refused with the limit named.
func TestAccRule_fiveOrganizationsPerUser(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	orgs := func(n int) string {
		return env.ProviderBlock() + fmt.Sprintf(`
resource "orgs_organization" "o" {
  count                = %d
  name                 = "cap-${count.index}"
  admin_contact_emails = ["ops@example.com"]
}
`, n)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: orgs(5),
				Check: func(*terraform.State) error {
					all, err := env.Client.ListOrganizations(context.Background())
					if err != nil || len(all) != 5 {
						return fmt.Errorf("the server holds %d organizations (%w), want 5", len(all), err)
					}
					return nil
				},
			},
			{
				Config:      orgs(6),
				ExpectError: regexp.MustCompile(`a\s+user\s+may\s+belong\s+to\s+at\s+most\s+5\s+organizations`),
			},
		},
	})
}

// TestAccRule_settingsFlippedOneByOne: each organization setting changes on its own on an existing
// organization, in place, and the server holds the new value.
func TestAccRule_settingsFlippedOneByOne(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	var orgID string
	config := func(settings string) string {
		return env.ProviderBlock() + fmt.Sprintf(`
resource "orgs_organization" "s" {
  name                 = "settings"
  admin_contact_emails = ["ops@example.com"]
  settings = {
    %s
  }
}
`, settings)
	}
	onServer := func(want api.OrganizationSettings) resource.TestCheckFunc {
		return func(s *terraform.State) error {
			orgID = s.RootModule().Resources["orgs_organization.s"].Primary.ID
			org, err := env.Client.GetOrganization(context.Background(), orgID)
			if err != nil {
				return err
			}
			if org.Settings != want {
				return fmt.Errorf("the server holds settings %+v, want %+v", org.Settings, want)
			}
			return nil
		}
	}
	inPlace := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
		plancheck.ExpectResourceAction("orgs_organization.s", plancheck.ResourceActionUpdate),
	}}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config(`artifacts_storage_limit_gb = 10`),
				Check:  onServer(api.OrganizationSettings{ArtifactsStorageLimitGB: 10}),
			},
			{
				Config:           config(`artifacts_storage_limit_gb = 25`),
				ConfigPlanChecks: inPlace,
				Check:            onServer(api.OrganizationSettings{ArtifactsStorageLimitGB: 25}),
			},
			{
				Config:           config("artifacts_storage_limit_gb = 25\n    mask_webhook_urls = true"),
				ConfigPlanChecks: inPlace,
				Check:            onServer(api.OrganizationSettings{ArtifactsStorageLimitGB: 25, MaskWebhookURLs: true}),
			},
			{
				Config:           config("artifacts_storage_limit_gb = 25\n    mask_webhook_urls = false"),
				ConfigPlanChecks: inPlace,
				Check:            onServer(api.OrganizationSettings{ArtifactsStorageLimitGB: 25}),
			},
			{
				Config:           config("artifacts_storage_limit_gb = 25\n    ai_hints_enabled = true"),
				ConfigPlanChecks: inPlace,
				Check:            onServer(api.OrganizationSettings{ArtifactsStorageLimitGB: 25, AIHintsEnabled: true}),
			},
		},
	})
}

// TestAccRule_membershipActivity: a role change and a removal made through Terraform, and a member
// leaving by themself, are each recorded in the activity log with who did it, what and to whom.
func TestAccRule_membershipActivity(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanStarter)
	owner, err := env.Client.CurrentUser(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	bob, _ := env.SignUp(t, "bob@example.com")
	carol, carolToken := env.SignUp(t, "carol@example.com")
	if _, err := env.Client.AddMember(t.Context(), org.ID, api.MemberCreate{Email: "carol@example.com", Role: api.RoleMember}); err != nil {
		t.Fatal(err)
	}
	// expect finds the newest entry with the action and checks who acted and on whom.
	expect := func(action, actorID, objectID string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			log, err := env.Client.ListActivity(context.Background(), org.ID)
			if err != nil {
				return err
			}
			for _, e := range log {
				if e.Action != action {
					continue
				}
				if e.ActorType != "user" || e.ActorID != actorID || e.ObjectType != "member" || e.ObjectID != objectID {
					return fmt.Errorf("%s entry %+v, want actor user %s on member %s", action, e, actorID, objectID)
				}
				return nil
			}
			return fmt.Errorf("no %s entry in the activity log: %+v", action, log)
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: memberConfig(env, org.ID, "bob@example.com", "member", "")},
			{
				Config: memberConfig(env, org.ID, "bob@example.com", "admin", ""),
				Check:  expect("member.update", owner.ID, bob.ID),
			},
			{
				Config: env.ProviderBlock(),
				Check:  expect("member.delete", owner.ID, bob.ID),
			},
			{
				PreConfig: func() {
					if err := env.NewClient(t, carolToken).RemoveMember(t.Context(), org.ID, "carol@example.com"); err != nil {
						t.Fatalf("carol leaves: %v", err)
					}
				},
				Config: env.ProviderBlock(),
				Check:  expect("member.leave", carol.ID, carol.ID),
			},
		},
	})
}

// TestAccRule_emailCaseOnlyRewrite: a member created as "Dana@Example.COM" (so the state holds that
// spelling) while the user signed up as "dana@example.com"; rewriting the address in another case, in
// the configuration, plans nothing, since the platform compares addresses regardless of case.
func TestAccRule_emailCaseOnlyRewrite(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanStarter)
	env.SignUp(t, "dana@example.com")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: memberConfig(env, org.ID, "Dana@Example.COM", "member", ""),
				Check:  resource.TestCheckResourceAttr(memberResource, "email", "Dana@Example.COM"),
			},
			{
				Config: memberConfig(env, org.ID, "DANA@example.com", "member", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
			{
				// And the member is still read (through the organization's listing) after the rewrite.
				Config:   memberConfig(env, org.ID, "dana@EXAMPLE.com", "member", ""),
				PlanOnly: true,
			},
		},
	})
}
