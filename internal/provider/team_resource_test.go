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
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
)

// teamConfig is one orgs_team.test with the given argument lines.
func teamConfig(env *acctest.Env, orgID string, args ...string) string {
	return env.ProviderBlock() + fmt.Sprintf(`
resource "orgs_team" "test" {
  organization_id = %q
  %s
}
`, orgID, strings.Join(args, "\n  "))
}

func teamGone(ctx context.Context, c *client.Client, attrs map[string]string) error {
	_, err := c.GetTeam(ctx, attrs["organization_id"], attrs["slug"])
	return err
}

// expectTeamOnServer asks the server for the team in state and compares what it holds.
func expectTeamOnServer(env *acctest.Env, addr string, check func(t *api.Team) error) serverCheck {
	return func(ctx context.Context, state *tfjson.State) error {
		orgID, err := stateString(state, addr, "organization_id")
		if err != nil {
			return err
		}
		slug, err := stateString(state, addr, "slug")
		if err != nil {
			return err
		}
		team, err := env.Client.GetTeam(ctx, orgID, slug)
		if err != nil {
			return fmt.Errorf("team %s on the server: %w", slug, err)
		}
		return check(team)
	}
}

// TestAccTeam_lifecycle: a team is created with a derived slug, its grant and environment roles (keyed
// by slug); imports by ID and by identity; is renamed and loses its grant in place, keeping its slug;
// drift is put back; a team deleted behind Terraform's back is created again; a new slug replaces it.
func TestAccTeam_lifecycle(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanTeam)
	envs, err := env.Client.ListEnvironments(t.Context(), org.ID)
	if err != nil || len(envs) != 1 {
		t.Fatalf("the organization's environments: %v, %v", envs, err)
	}
	defaultEnv := envs[0]
	const addr = "orgs_team.test"
	granting := teamConfig(env, org.ID, `name = "Platform Admins"`, `role = "admin"`, `environment_roles = { default = "run" }`)
	renamed := teamConfig(env, org.ID, `name = "Platform Administrators"`, `description = "On call"`)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             env.CheckDestroy("orgs_team", teamGone),
		Steps: []resource.TestStep{
			{
				Config: granting,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
					plancheck.ExpectUnknownValue(addr, tfjsonpath.New("slug")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("slug"), knownvalue.StringExact("platform-admins")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("description"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("role"), knownvalue.StringExact("admin")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("environment_roles"),
						knownvalue.MapExact(map[string]knownvalue.Check{"default": knownvalue.StringExact("run")})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`.`))),
					statecheck.ExpectIdentity(addr, map[string]knownvalue.Check{
						"organization_id": knownvalue.StringExact(org.ID),
						"slug":            knownvalue.StringExact("platform-admins"),
					}),
					expectTeamOnServer(env, addr, func(team *api.Team) error {
						if team.Name != "Platform Admins" || team.Role != api.RoleAdmin || team.EnvironmentRoles[defaultEnv.ID] != api.EnvironmentRoleRun {
							return fmt.Errorf("the server holds %+v", team)
						}
						return nil
					}),
				},
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateId:     org.ID + "/platform-admins",
				ImportStateVerify: true,
			},
			{
				ResourceName:    addr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
			{
				// Renamed, described, without a grant or environment roles: in place, the slug kept.
				Config: renamed,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("slug"), knownvalue.StringExact("platform-admins")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("role"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("environment_roles"), knownvalue.MapExact(map[string]knownvalue.Check{})),
					expectTeamOnServer(env, addr, func(team *api.Team) error {
						if team.Name != "Platform Administrators" || team.Description != "On call" || team.Role != "" || len(team.EnvironmentRoles) != 0 {
							return fmt.Errorf("the server holds %+v", team)
						}
						return nil
					}),
				},
			},
			{
				Config:           renamed,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// A grant made behind Terraform's back is refreshed, and the plan takes it away again.
				PreConfig: func() {
					role := api.RoleBiller
					if _, err := env.Client.UpdateTeam(t.Context(), org.ID, "platform-admins", api.TeamUpdate{Role: &role}); err != nil {
						t.Fatalf("grant behind Terraform's back: %v", err)
					}
				},
				Config: renamed,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectTeamOnServer(env, addr, func(team *api.Team) error {
						if team.Role != "" {
							return fmt.Errorf("the grant made by hand is still there: %+v", team)
						}
						return nil
					}),
				},
			},
			{
				// Deleted behind Terraform's back: planned for creation again, not an error.
				PreConfig: func() {
					if err := env.Client.DeleteTeam(t.Context(), org.ID, "platform-admins"); err != nil {
						t.Fatalf("delete the team behind Terraform's back: %v", err)
					}
				},
				Config: renamed,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					// Created again from the new name.
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("slug"), knownvalue.StringExact("platform-administrators")),
				},
			},
			{
				// A slug of its own replaces the team: the API never changes one.
				Config: teamConfig(env, org.ID, `name = "Platform Administrators"`, `description = "On call"`, `slug = "platform"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("slug"), knownvalue.StringExact("platform")),
				},
			},
		},
	})
}

// TestAccTeam_planTimeValidation: a team never grants owner, an unknown grant or environment role is
// refused naming the attribute, and an environment the organization does not have is refused at plan
// time naming the slugs it has.
func TestAccTeam_planTimeValidation(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanTeam)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      teamConfig(env, org.ID, `name = "Owners"`, `role = "owner"`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`A team cannot grant owner`),
			},
			{
				Config:      teamConfig(env, org.ID, `name = "X"`, `role = "superuser"`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`must be one of admin, member, biller`),
			},
			{
				Config:      teamConfig(env, org.ID, `name = "X"`, `slug = "Not A Slug"`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Attribute slug must be a slug`),
			},
			{
				Config:      teamConfig(env, org.ID, `name = "X"`, `environment_roles = { default = "owner" }`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`environment_roles`),
			},
			{
				Config:      teamConfig(env, org.ID, `name = "X"`, `environment_roles = { nowhere = "run" }`),
				PlanOnly:    true,
				ExpectError: wrappedText(`has no environment with the slug or id "nowhere"; its environments' slugs are: default.`),
			},
		},
	})
}
