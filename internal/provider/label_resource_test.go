package provider_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
)

// labelConfig is one orgs_label.test with the given extra argument lines.
func labelConfig(env *acctest.Env, orgID, key string, args ...string) string {
	return env.ProviderBlock() + fmt.Sprintf(`
resource "orgs_label" "test" {
  organization_id = %q
  key             = %q
  %s
}
`, orgID, key, strings.Join(args, "\n  "))
}

func TestAccLabel_lifecycle(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanHobby)
	const addr = "orgs_label.test"
	// A prefixed key: its '/' must survive the URL path (escaped by the client) and the import ID.
	const key = "example.com/team"

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             env.CheckDestroy("orgs_label", labelGone),
		Steps: []resource.TestStep{
			{
				Config: labelConfig(env, org.ID, key),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(org.ID+"/"+key)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("value"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("propagate_to_cloud_provider"), knownvalue.Bool(false)),
					expectLabelOnServer(env, org.ID, key, "", false),
					statecheck.ExpectIdentity(addr, map[string]knownvalue.Check{
						"organization_id": knownvalue.StringExact(org.ID),
						"key":             knownvalue.StringExact(key),
					}),
				},
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateId:     org.ID + "/" + key,
				ImportStateVerify: true,
			},
			{
				// An import block with the identity from state: the plan imports with no change, and
				// the imported identity equals the one in state (the step checks both).
				ResourceName:    addr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
			{
				Config: labelConfig(env, org.ID, key, `value = "platform-1.2"`, `propagate_to_cloud_provider = true`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("value"), knownvalue.StringExact("platform-1.2")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("propagate_to_cloud_provider"), knownvalue.Bool(true)),
					expectLabelOnServer(env, org.ID, key, "platform-1.2", true),
				},
			},
			{
				Config: labelConfig(env, org.ID, key, `value = "platform-1.2"`, `propagate_to_cloud_provider = true`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
			{
				// A value changed behind Terraform's back is refreshed into state, and the plan puts it back.
				PreConfig: func() {
					drifted := "changed-by-hand"
					if _, err := env.Client.UpdateLabel(t.Context(), org.ID, key, api.LabelUpdate{Value: &drifted}); err != nil {
						t.Fatalf("change label behind Terraform's back: %v", err)
					}
				},
				Config: labelConfig(env, org.ID, key, `value = "platform-1.2"`, `propagate_to_cloud_provider = true`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectLabelOnServer(env, org.ID, key, "platform-1.2", true),
				},
			},
			{
				PreConfig: func() {
					if err := env.Client.DeleteLabel(t.Context(), org.ID, key); err != nil {
						t.Fatalf("delete label behind Terraform's back: %v", err)
					}
				},
				Config: labelConfig(env, org.ID, key, `value = "platform-1.2"`, `propagate_to_cloud_provider = true`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectLabelOnServer(env, org.ID, key, "platform-1.2", true),
				},
			},
			{
				// A new key is a new label: the API addresses labels by key.
				Config: labelConfig(env, org.ID, "team", `value = "platform-1.2"`, `propagate_to_cloud_provider = true`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectLabelOnServer(env, org.ID, "team", "platform-1.2", true),
					serverCheck(func(ctx context.Context, _ *tfjson.State) error {
						return expectNotFound(env.Client.GetLabel(ctx, org.ID, key))
					}),
				},
			},
		},
	})
}

func TestAccLabel_validation(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanHobby)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      labelConfig(env, org.ID, "Example.com/team"),
				PlanOnly:    true,
				ExpectError: wrappedText(`Attribute key must be a Kubernetes label key: label key "Example.com/team": the prefix "Example.com" is not a lowercase DNS subdomain.`),
			},
			{
				Config:      labelConfig(env, org.ID, "-team"),
				PlanOnly:    true,
				ExpectError: wrappedText(`Attribute key must be a Kubernetes label key: label key "-team": the name must start and end with a letter or digit`),
			},
			{
				Config:      labelConfig(env, org.ID, "team", `value = "not valid!"`),
				PlanOnly:    true,
				ExpectError: wrappedText(`Attribute value must be a Kubernetes label value`),
			},
		},
	})
}

// TestAccLabel_planLimit shows the server's refusal, in its own words, when the plan's label limit is
// reached.
func TestAccLabel_planLimit(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanHobby)
	limit := int(api.PlanLimits[api.PlanHobby].Labels)
	for i := range limit {
		if _, err := env.Client.CreateLabel(t.Context(), org.ID, api.LabelCreate{Key: fmt.Sprintf("existing-%d", i)}); err != nil {
			t.Fatalf("create label %d of %d: %v", i+1, limit, err)
		}
	}
	refusal := refusalOf(t, func() error {
		_, err := env.Client.CreateLabel(t.Context(), org.ID, api.LabelCreate{Key: "one-too-many"})
		return err
	}, api.ProblemLimitReached)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      labelConfig(env, org.ID, "team"),
			ExpectError: wrappedText(refusal),
		}},
	})
}

func expectLabelOnServer(env *acctest.Env, orgID, key, value string, propagate bool) statecheck.StateCheck {
	return serverCheck(func(ctx context.Context, _ *tfjson.State) error {
		l, err := env.Client.GetLabel(ctx, orgID, key)
		if err != nil {
			return fmt.Errorf("label %q on the server: %w", key, err)
		}
		if l.Value != value || l.PropagateToCloudProvider != propagate {
			return fmt.Errorf("label %q on the server: value %q, propagate %t; want %q, %t", key, l.Value, l.PropagateToCloudProvider, value, propagate)
		}
		return nil
	})
}

func labelGone(ctx context.Context, c *client.Client, attrs map[string]string) error {
	_, err := c.GetLabel(ctx, attrs["organization_id"], attrs["key"])
	return err
}
