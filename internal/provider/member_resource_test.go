package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"

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

const memberResource = "orgs_member.test"

func checkMemberDestroyed(env *acctest.Env) resource.TestCheckFunc {
	return env.CheckDestroy("orgs_member", func(ctx context.Context, c *client.Client, attrs map[string]string) error {
		_, err := c.GetMember(ctx, attrs["organization_id"], attrs["email"])
		return err
	})
}

func memberConfig(env *acctest.Env, orgID, email, role, extra string) string {
	return env.ProviderBlock() + fmt.Sprintf(`
resource "orgs_member" "test" {
  organization_id = %q
  email           = %q
  role            = %q
  %s
}
`, orgID, email, role, extra)
}

func TestAccMemberResource(t *testing.T) {
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanStarter)
	alice, _ := env.SignUp(t, "Alice@Example.com")
	envs, err := env.Client.ListEnvironments(t.Context(), org.ID)
	if err != nil || len(envs) == 0 {
		t.Fatalf("the new organization's environments: %v, %v", envs, err)
	}
	envID := envs[0].ID
	withEnvRole := fmt.Sprintf("environment_roles = { %q = \"run\" }", envID)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkMemberDestroyed(env),
		Steps: []resource.TestStep{
			{
				Config: memberConfig(env, org.ID, "Alice@Example.com", "member", withEnvRole),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(memberResource, tfjsonpath.New("id"), knownvalue.StringExact(org.ID+"/Alice@Example.com")),
					statecheck.ExpectKnownValue(memberResource, tfjsonpath.New("user_id"), knownvalue.StringExact(alice.ID)),
					statecheck.ExpectKnownValue(memberResource, tfjsonpath.New("role"), knownvalue.StringExact("member")),
					statecheck.ExpectKnownValue(memberResource, tfjsonpath.New("environment_roles"),
						knownvalue.MapExact(map[string]knownvalue.Check{envID: knownvalue.StringExact("run")})),
					// The address as configured, not as the server lowercases it for comparison.
					statecheck.ExpectIdentity(memberResource, map[string]knownvalue.Check{
						"organization_id": knownvalue.StringExact(org.ID),
						"email":           knownvalue.StringExact("Alice@Example.com"),
					}),
				},
				Check: func(*terraform.State) error {
					m, err := env.Client.GetMember(context.Background(), org.ID, "alice@example.com")
					if err != nil {
						return err
					}
					if m.Role != api.RoleMember || m.EnvironmentRoles[envID] != api.EnvironmentRoleRun {
						return fmt.Errorf("server holds %+v", m)
					}
					return nil
				},
			},
			{
				ResourceName:      memberResource,
				ImportState:       true,
				ImportStateIdFunc: acctest.ImportID(memberResource, "organization_id", "email"),
				ImportStateVerify: true,
			},
			{
				// An import block with the identity from state: the plan imports with no change, and
				// the imported identity equals the one in state (the step checks both).
				ResourceName:    memberResource,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
			{
				// environment_roles left out means none: the update clears them.
				Config: memberConfig(env, org.ID, "Alice@Example.com", "admin", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(memberResource, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(memberResource, tfjsonpath.New("role"), knownvalue.StringExact("admin")),
					statecheck.ExpectKnownValue(memberResource, tfjsonpath.New("environment_roles"), knownvalue.MapExact(map[string]knownvalue.Check{})),
				},
				Check: func(*terraform.State) error {
					m, err := env.Client.GetMember(context.Background(), org.ID, "Alice@Example.com")
					if err != nil {
						return err
					}
					if m.Role != api.RoleAdmin || len(m.EnvironmentRoles) != 0 {
						return fmt.Errorf("server holds %+v", m)
					}
					return nil
				},
			},
			{
				// Writing the empty map out is the same as leaving it out, and the address in another case
				// is the same address: no change, in particular no replacement.
				Config: memberConfig(env, org.ID, "alice@EXAMPLE.com", "admin", "environment_roles = {}"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
			{
				PreConfig: func() {
					if err := env.Client.RemoveMember(context.Background(), org.ID, "alice@example.com"); err != nil {
						t.Fatalf("remove member out of band: %v", err)
					}
				},
				Config: memberConfig(env, org.ID, "Alice@Example.com", "admin", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(memberResource, plancheck.ResourceActionCreate),
				}},
			},
		},
	})
}

// The plan's member limit is the server's to enforce; its refusal reaches the user in its own words.
func TestAccMemberResource_planMemberLimit(t *testing.T) {
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanHobby) // its owner is its one member
	env.SignUp(t, "bob@example.com")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkMemberDestroyed(env),
		Steps: []resource.TestStep{{
			Config:      memberConfig(env, org.ID, "bob@example.com", "member", ""),
			ExpectError: regexp.MustCompile(`plan\s+"hobby"\s+allows\s+at\s+most\s+1\s+member`),
		}},
	})
}

// Demoting the only owner is refused by the server, with its explanation.
func TestAccMemberResource_lastOwner(t *testing.T) {
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanStarter)
	owner := func(role string) string { return memberConfig(env, org.ID, env.OwnerEmail, role, "") }
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// Bring the owner's own membership under management.
				Config:             owner("owner"),
				ResourceName:       memberResource,
				ImportState:        true,
				ImportStateId:      org.ID + "/" + env.OwnerEmail,
				ImportStatePersist: true,
			},
			{
				Config:      owner("admin"),
				ExpectError: regexp.MustCompile(`is\s+the\s+last\s+owner\s+of\s+the\s+organization`),
			},
			{
				// The refused update changed nothing, on the server or in state.
				Config: owner("owner"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				Check: func(*terraform.State) error {
					m, err := env.Client.GetMember(context.Background(), org.ID, env.OwnerEmail)
					if err != nil {
						return err
					}
					if m.Role != api.RoleOwner {
						return fmt.Errorf("the last owner became %s", m.Role)
					}
					return nil
				},
			},
			{
				// Let go of the membership without removing it: removing the last owner is refused
				// too, and the organization must keep its owner.
				Config: env.ProviderBlock() + `
removed {
  from = orgs_member.test
  lifecycle {
    destroy = false
  }
}
`,
			},
		},
	})
}

func TestAccMemberResource_validation(t *testing.T) {
	env := acctest.New(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      memberConfig(env, "org_1", "alice at example.com", "member", ""),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Attribute\s+email:\s+"alice at example.com"\s+is\s+not\s+a\s+valid\s+email`),
			},
			{
				Config:      memberConfig(env, "org_1", "alice@example.com", "superuser", ""),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Attribute\s+role\s+value\s+must\s+be\s+one\s+of.*"superuser"`),
			},
			{
				Config:      memberConfig(env, "org_1", "alice@example.com", "member", `environment_roles = { env_1 = "write" }`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)environment_roles\["env_1"\]\s+value\s+must\s+be\s+one\s+of.*"write"`),
			},
		},
	})
}
