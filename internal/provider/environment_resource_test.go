package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
)

var envIDPattern = regexp.MustCompile(`^env_[a-z0-9]+$`)

// environmentConfig is one orgs_environment.test with the given extra argument lines.
func environmentConfig(env *acctest.Env, orgID, name string, args ...string) string {
	return env.ProviderBlock() + fmt.Sprintf(`
resource "orgs_environment" "test" {
  organization_id = %q
  name            = %q
  %s
}
`, orgID, name, strings.Join(args, "\n  "))
}

func TestAccEnvironment_lifecycle(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanStarter) // the default environment and one more
	const addr = "orgs_environment.test"
	var id string
	stateID := func(_ context.Context, s *tfjson.State) (string, error) { return stateString(s, addr, "id") }

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             env.CheckDestroy("orgs_environment", environmentGone),
		Steps: []resource.TestStep{
			{
				Config: environmentConfig(env, org.ID, "Staging EU"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("slug"), knownvalue.StringExact("staging-eu")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact("disconnected")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("default"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("created_at"), knownvalue.NotNull()),
					expectEnvironmentOnServer(env, org.ID, stateID, "Staging EU", "staging-eu"),
					statecheck.ExpectIdentity(addr, map[string]knownvalue.Check{
						"organization_id": knownvalue.StringExact(org.ID),
						"id":              knownvalue.StringRegexp(envIDPattern),
					}),
				},
				Check: acctest.Capture(addr, "id", &id),
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateIdFunc: acctest.ImportID(addr, "organization_id", "id"),
				ImportStateVerify: true,
			},
			{
				ResourceName:    addr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
			{
				// A rename keeps the environment, and its slug.
				Config: environmentConfig(env, org.ID, "Staging Europe"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("name"), knownvalue.StringExact("Staging Europe")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("slug"), knownvalue.StringExact("staging-eu")),
					expectEnvironmentOnServer(env, org.ID, stateID, "Staging Europe", "staging-eu"),
				},
			},
			{
				// The agent connects: a refresh shows it, and it is no change to plan.
				PreConfig: func() {
					connected := api.EnvironmentConnected
					if _, err := env.Client.UpdateEnvironment(t.Context(), org.ID, id, api.EnvironmentUpdate{Status: &connected}); err != nil {
						t.Fatalf("connect the environment's agent: %v", err)
					}
				},
				Config: environmentConfig(env, org.ID, "Staging Europe"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact("connected")),
				},
			},
			{
				PreConfig: func() {
					if err := env.Client.DeleteEnvironment(t.Context(), org.ID, id); err != nil {
						t.Fatalf("delete environment behind Terraform's back: %v", err)
					}
				},
				Config: environmentConfig(env, org.ID, "Staging Europe"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					// The old slug is free again, so the new environment takes it.
					expectEnvironmentOnServer(env, org.ID, stateID, "Staging Europe", "staging-europe"),
				},
			},
			{
				// The API cannot change a slug: a new one is a new environment. The plan allows only
				// one more than the default, so the old one must go first.
				Config: environmentConfig(env, org.ID, "Staging Europe", `slug = "eu-staging"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("slug"), knownvalue.StringExact("eu-staging")),
					expectEnvironmentOnServer(env, org.ID, stateID, "Staging Europe", "eu-staging"),
				},
			},
			{
				Config: environmentConfig(env, org.ID, "Staging Europe", `slug = "eu-staging"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
		},
	})
}

// TestAccEnvironment_default imports the environment every organization starts with, renames it, and
// destroys it: the API never deletes a default environment, so destroying only forgets it.
func TestAccEnvironment_default(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanHobby)
	envs, err := env.Client.ListEnvironments(t.Context(), org.ID)
	if err != nil || len(envs) != 1 || !envs[0].Default {
		t.Fatalf("a new organization should have one, default, environment; got %+v, %v", envs, err)
	}
	def := envs[0]
	const addr = "orgs_environment.test"
	importBlock := fmt.Sprintf("\nimport {\n  to = %s\n  id = \"%s/%s\"\n}\n", addr, org.ID, def.ID)
	stateID := func(context.Context, *tfjson.State) (string, error) { return def.ID, nil }

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			got, err := env.Client.GetEnvironment(context.Background(), org.ID, def.ID)
			if err != nil {
				return fmt.Errorf("the default environment after destroy: %w", err)
			}
			if got.Name != "Production" {
				return fmt.Errorf("the default environment is named %q after destroy, want %q", got.Name, "Production")
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: environmentConfig(env, org.ID, def.Name) + importBlock,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionNoop),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("default"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("slug"), knownvalue.StringExact(def.Slug)),
				},
			},
			{
				Config: environmentConfig(env, org.ID, "Production") + importBlock,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectEnvironmentOnServer(env, org.ID, stateID, "Production", def.Slug),
				},
			},
		},
	})
}

func TestAccEnvironment_validation(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanStarter)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      environmentConfig(env, org.ID, "Staging", `slug = "Staging EU"`),
				PlanOnly:    true,
				ExpectError: wrappedText(`Attribute slug must be a slug: slug "Staging EU": must be 1 to 63 lowercase letters, digits and '-'`),
			},
			{
				Config:      environmentConfig(env, org.ID, ""),
				PlanOnly:    true,
				ExpectError: wrappedText(`Attribute name UTF-8 character count must be between 1 and 100`),
			},
		},
	})
}

// TestAccEnvironment_planLimit: a hobby organization has only its default environment, and the
// server's refusal of another reaches the user in its own words.
func TestAccEnvironment_planLimit(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanHobby)
	refusal := refusalOf(t, func() error {
		_, err := env.Client.CreateEnvironment(t.Context(), org.ID, api.EnvironmentCreate{Name: "probe"})
		return err
	}, api.ProblemLimitReached)
	if !strings.Contains(refusal, "hobby") {
		t.Fatalf("the refusal does not name the plan: %q", refusal)
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      environmentConfig(env, org.ID, "Staging"),
			ExpectError: wrappedText(refusal),
		}},
	})
}

// expectEnvironmentOnServer checks the environment whose id id returns (from state, or known
// beforehand) against the server.
func expectEnvironmentOnServer(env *acctest.Env, orgID string, id func(context.Context, *tfjson.State) (string, error), name, slug string) statecheck.StateCheck {
	return serverCheck(func(ctx context.Context, s *tfjson.State) error {
		envID, err := id(ctx, s)
		if err != nil {
			return err
		}
		e, err := env.Client.GetEnvironment(ctx, orgID, envID)
		if err != nil {
			return fmt.Errorf("environment %s on the server: %w", envID, err)
		}
		if e.Name != name || e.Slug != slug {
			return fmt.Errorf("environment %s on the server: name %q, slug %q; want %q, %q", envID, e.Name, e.Slug, name, slug)
		}
		return nil
	})
}

func environmentGone(ctx context.Context, c *client.Client, attrs map[string]string) error {
	_, err := c.GetEnvironment(ctx, attrs["organization_id"], attrs["id"])
	return err
}
