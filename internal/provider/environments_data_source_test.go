package provider_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

func environmentsConfig(env *acctest.Env, orgID string) string {
	return env.ProviderBlock() + fmt.Sprintf(`
data "orgs_environments" "test" {
  organization_id = %q
}
`, orgID)
}

// environmentValue is the expected object for an environment the server returned.
func environmentValue(e api.Environment) knownvalue.Check {
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"id":      knownvalue.StringExact(e.ID),
		"name":    knownvalue.StringExact(e.Name),
		"slug":    knownvalue.StringExact(e.Slug),
		"status":  knownvalue.StringExact(string(e.Status)),
		"default": knownvalue.Bool(e.Default),
	})
}

func TestAccEnvironmentsDataSource(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanStarter) // room for a second environment
	ctx := t.Context()
	initial, err := env.Client.ListEnvironments(ctx, org.ID)
	if err != nil {
		t.Fatalf("list environments: %v", err)
	}
	if len(initial) != 1 || !initial[0].Default {
		t.Fatalf("a new organization should have exactly one, default, environment; the server has %+v", initial)
	}
	var staging api.Environment
	const addr = "data.orgs_environments.test"

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: environmentsConfig(env, org.ID),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("environments"), knownvalue.ListExact([]knownvalue.Check{
						environmentValue(initial[0]),
					})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("environments").AtSliceIndex(0).AtMapKey("default"), knownvalue.Bool(true)),
				},
			},
			{
				PreConfig: func() {
					created, err := env.Client.CreateEnvironment(ctx, org.ID, api.EnvironmentCreate{Name: "Staging EU"})
					if err != nil {
						t.Fatalf("create environment: %v", err)
					}
					// The agent reports in, as a real one would.
					connected := api.EnvironmentConnected
					updated, err := env.Client.UpdateEnvironment(ctx, org.ID, created.ID, api.EnvironmentUpdate{Status: &connected})
					if err != nil {
						t.Fatalf("connect environment: %v", err)
					}
					staging = *updated
				},
				Config: environmentsConfig(env, org.ID),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("environments"), knownvalue.ListExact([]knownvalue.Check{
						environmentValue(initial[0]),
						knownvalue.ObjectExact(map[string]knownvalue.Check{
							"id":      knownvalue.StringFunc(func(id string) error { return sameString(id, staging.ID) }),
							"name":    knownvalue.StringExact("Staging EU"),
							"slug":    knownvalue.StringFunc(func(slug string) error { return sameString(slug, staging.Slug) }),
							"status":  knownvalue.StringExact(string(api.EnvironmentConnected)),
							"default": knownvalue.Bool(false),
						}),
					})),
				},
			},
			{
				// Only the environment whose agent connected: not the default one.
				Config: environmentsConfig(env, org.ID) + fmt.Sprintf(`
data "orgs_environments" "connected" {
  organization_id = %q
  status          = "connected"
}
`, org.ID),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.orgs_environments.connected", tfjsonpath.New("environments"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"name":    knownvalue.StringExact("Staging EU"),
							"default": knownvalue.Bool(false),
						}),
					})),
					statecheck.ExpectKnownValue("data.orgs_environments.connected", tfjsonpath.New("status"), knownvalue.StringExact("connected")),
				},
			},
		},
	})
}

// sameString compares with a value known only once an earlier step's PreConfig has run.
func sameString(got, want string) error {
	if want == "" || got != want {
		return fmt.Errorf("got %q, want %q (from the server)", got, want)
	}
	return nil
}
