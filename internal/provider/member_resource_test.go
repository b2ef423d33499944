package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
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
	envID, envSlug := envs[0].ID, envs[0].Slug
	// Keyed by slug, so a reviewer reads which environment; the server keys it by id.
	withEnvRole := fmt.Sprintf("environment_roles = { %q = \"run\" }", envSlug)

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
						knownvalue.MapExact(map[string]knownvalue.Check{envSlug: knownvalue.StringExact("run")})),
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
				// A role changed out of band is refreshed into state (a refresh that finds a change writes
				// it), so the plan puts it back.
				PreConfig: func() {
					role := api.RoleMember
					if _, err := env.Client.UpdateMember(context.Background(), org.ID, "alice@example.com", api.MemberUpdate{Role: &role}); err != nil {
						t.Fatalf("change role out of band: %v", err)
					}
				},
				Config: memberConfig(env, org.ID, "Alice@Example.com", "admin", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(memberResource, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(memberResource, tfjsonpath.New("role"), knownvalue.StringExact("admin")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(memberResource, tfjsonpath.New("role"), knownvalue.StringExact("admin")),
				},
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

// A new member in a full organization is refused at plan time, in words a new user understands (the
// owner who created it counts, and which plan fits). What the plan cannot know (several new members
// that together overflow) is still the server's to refuse, and its refusal reaches the user verbatim.
func TestAccMemberResource_planMemberLimit(t *testing.T) {
	env := acctest.New(t)
	hobby := env.CreateOrganization(t, api.PlanHobby) // its owner is its one member
	starter := env.CreateOrganization(t, api.PlanStarter)
	for _, email := range []string{"bob@example.com", "carol@example.com", "dave@example.com"} {
		env.SignUp(t, email)
	}
	three := env.ProviderBlock()
	for _, name := range []string{"bob", "carol", "dave"} {
		three += fmt.Sprintf("resource \"orgs_member\" %q {\n  organization_id = %q\n  email = \"%s@example.com\"\n  role = \"member\"\n}\n", name, starter.ID, name)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// The plan warns (a refusal there would block every destroy); the apply is refused in the
				// same words: what holds the seats, and a plan that fits.
				Config: memberConfig(env, hobby.ID, "bob@example.com", "member", ""),
				ExpectError: wrappedText(`plan "hobby" allows 1 member and the organization's seats are all taken: 1 seat: 1 active member. ` +
					`Plan "starter" allows 3 members: change the organization's plan first.`),
			},
			{
				Config:      three,
				ExpectError: regexp.MustCompile(`plan\s+"starter"\s+allows\s+3\s+members\s+and\s+the\s+organization's\s+seats\s+are\s+all\s+taken`),
			},
		},
	})
}

// The last owner cannot be demoted, removed or replaced (a new address replaces the membership, even
// with the same role: the old one is removed first): refused at plan time, naming the member. With
// downgrade_on_destroy, a configuration that manages its own owner can still be torn down: the owner
// is kept.
func TestAccMemberResource_lastOwner(t *testing.T) {
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanStarter)
	bob, _ := env.SignUp(t, "bob@example.com")
	_, carolToken := env.SignUp(t, "carol@example.com")
	owner := func(role, extra string) string { return memberConfig(env, org.ID, env.OwnerEmail, role, extra) }
	onlyOwner := fmt.Sprintf(`%s is an active owner of organization %s, and an organization must always keep one`, env.OwnerEmail, org.ID)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// Bring the owner's own membership under management.
				Config:             owner("owner", ""),
				ResourceName:       memberResource,
				ImportState:        true,
				ImportStateId:      org.ID + "/" + env.OwnerEmail,
				ImportStatePersist: true,
			},
			{
				Config:      owner("admin", ""),
				PlanOnly:    true,
				ExpectError: wrappedText(onlyOwner + `: demoting this membership would leave it without an active owner.`),
			},
			{
				Config:      memberConfig(env, org.ID, bob.Email, "owner", ""),
				PlanOnly:    true,
				ExpectError: wrappedText(onlyOwner + `: replacing this membership would leave it without an active owner.`),
			},
			{
				Config:      env.ProviderBlock(),
				PlanOnly:    true,
				ExpectError: wrappedText(onlyOwner + `: removing this membership would leave it without an active owner.`),
			},
			{
				// With a second active owner, demoting the first is no loss of the last: it plans.
				PreConfig: func() {
					m, err := env.Client.AddMember(t.Context(), org.ID, api.MemberCreate{Email: "carol@example.com", Role: api.RoleOwner})
					if err != nil {
						t.Fatal(err)
					}
					if m.Status == api.MemberPending {
						if _, err := env.NewClient(t, carolToken).AcceptMembership(t.Context(), org.ID); err != nil {
							t.Fatal(err)
						}
					}
				},
				Config:             owner("admin", ""),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				PreConfig: func() {
					if err := env.Client.RemoveMember(t.Context(), org.ID, "carol@example.com"); err != nil {
						t.Fatal(err)
					}
				},
				Config: owner("owner", "downgrade_on_destroy = true"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(memberResource, plancheck.ResourceActionUpdate),
				}},
			},
			{
				// Destroying it now plans, and keeps the owner.
				Config: env.ProviderBlock(),
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
		},
	})
}

// downgrade_on_destroy keeps the user in the organization, as a plain member.
func TestAccMemberResource_downgradeOnDestroy(t *testing.T) {
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanStarter)
	env.SignUp(t, "bob@example.com")
	envs, err := env.Client.ListEnvironments(t.Context(), org.ID)
	if err != nil {
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: memberConfig(env, org.ID, "bob@example.com", "admin", "downgrade_on_destroy = true"),
			},
			{
				Config: memberConfig(env, org.ID, "bob@example.com", "member",
					fmt.Sprintf("downgrade_on_destroy = true\n  environment_roles = { %s = \"run\" }", envs[0].ID)),
			},
			{
				Config: env.ProviderBlock(),
				Check: func(*terraform.State) error {
					m, err := env.Client.GetMember(context.Background(), org.ID, "bob@example.com")
					if err != nil {
						return fmt.Errorf("bob is no longer a member: %w", err)
					}
					if m.Role != api.RoleMember || len(m.EnvironmentRoles) != 0 {
						return fmt.Errorf("after destroy bob is %s with %v, want a member with no environment roles", m.Role, m.EnvironmentRoles)
					}
					return nil
				},
			},
		},
	})
}

// TestAccMemberResource_existingMemberWarnsAtPlan: a plan to add someone who is already a member warns,
// before the apply is refused, naming the import that manages the membership instead; a plan to add
// someone new does not.
func TestAccMemberResource_existingMemberWarnsAtPlan(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanStarter)
	cli := acctest.NewCLI(t, env)
	for _, c := range []struct {
		email string
		warns bool
	}{{strings.ToLower(env.OwnerEmail), true}, {"nobody@example.com", false}} {
		cli.WriteFile("main.tf", fmt.Sprintf(`
resource "orgs_member" "test" {
  organization_id = %q
  email           = %q
  role            = "member"
}
`, org.ID, c.email))
		out := cli.MustRun("plan")
		if warned := wrappedText("Already a member: the apply will refuse to add it").MatchString(out); warned != c.warns {
			t.Errorf("plan adding %s: warns that it is already a member: %v, want %v\n%s", c.email, warned, c.warns, out)
		}
		if c.warns && !wrappedText(fmt.Sprintf(`an import block with id = "%s/%s"`, org.ID, c.email)).MatchString(out) {
			t.Errorf("the warning does not name the import of %s:\n%s", c.email, out)
		}
	}
}

// TestAccMemberResource_overSeatsWarnsAtPlan: a plan adding a member to an organization whose seats
// are all taken warns, naming the plan that would hold one more.
func TestAccMemberResource_overSeatsWarnsAtPlan(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanStarter) // 3 members: the owner and two invited below
	for _, email := range []string{"ann@example.com", "bob@example.com"} {
		if _, err := env.Client.AddMember(t.Context(), org.ID, api.MemberCreate{Email: email, Role: api.RoleMember}); err != nil {
			t.Fatal(err)
		}
	}
	cli := acctest.NewCLI(t, env)
	cli.WriteFile("main.tf", fmt.Sprintf(`
resource "orgs_member" "dan" {
  organization_id = %q
  email           = "dan@example.com"
  role            = "member"
}
`, org.ID))
	out := cli.MustRun("plan")
	for _, want := range []string{"No seat left: the apply will refuse this member", "so dan@example.com cannot be added", `Plan "startup" allows 6 members`} {
		if !wrappedText(want).MatchString(out) {
			t.Errorf("the plan does not say %q:\n%s", want, out)
		}
	}
}

// The errors a new user meets say what to do in HCL terms.
func TestAccMemberResource_createHints(t *testing.T) {
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanStarter)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// The creator is already a member: the plan warns and the apply is refused, saying to
				// import it instead.
				Config: memberConfig(env, org.ID, env.OwnerEmail, "owner", ""),
				ExpectError: wrappedText(fmt.Sprintf(`%s is already a member. To manage that membership, import it instead of creating it: an import block with id = "%s/%s"`,
					env.OwnerEmail, org.ID, env.OwnerEmail)),
			},
			{
				// An address without an account is invited: the membership waits for the person.
				Config: memberConfig(env, org.ID, "nobody@example.com", "member", ""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(memberResource, tfjsonpath.New("status"), knownvalue.StringExact("invited")),
					statecheck.ExpectKnownValue(memberResource, tfjsonpath.New("user_id"), knownvalue.StringExact("")),
				},
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
			{
				Config:      memberConfig(env, "org_1", "alice@example.com", "admin", `environment_roles = { env_1 = "run" }`),
				PlanOnly:    true,
				ExpectError: wrappedText(`A member with role "admin" has no environment roles: an owner or admin already has every environment, and a biller none.`),
			},
		},
	})
}

// A membership added by someone else is pending until the user accepts it (the server's default, which
// acctest turns off elsewhere): the state says so, and after the user accepts, a refresh shows it
// active with nothing to plan.
func TestAccMemberResource_pendingUntilAccepted(t *testing.T) {
	env := acctest.New(t, acctest.WithPendingMemberships())
	org := env.CreateOrganization(t, api.PlanStarter)
	_, eveToken := env.SignUp(t, "eve@example.com")
	status := func(want string) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(memberResource, tfjsonpath.New("status"), knownvalue.StringExact(want))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:            memberConfig(env, org.ID, "eve@example.com", "admin", ""),
				ConfigStateChecks: []statecheck.StateCheck{status("pending")},
			},
			{
				PreConfig: func() {
					if _, err := env.NewClient(t, eveToken).AcceptMembership(t.Context(), org.ID); err != nil {
						t.Fatalf("eve accepts: %v", err)
					}
				},
				Config:            memberConfig(env, org.ID, "eve@example.com", "admin", ""),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{status("active")},
			},
		},
	})
}

// A full organization whose plan the same apply raises has room: the plan-time member limit counts the
// seats of the plan the organization is changing to (the walk-through of a new user: hobby first, then
// starter and two members in one apply).
func TestAccMemberResource_planRaisedInTheSameApply(t *testing.T) {
	env := acctest.New(t)
	env.SignUp(t, "bob@example.com")
	config := func(plan string, member bool) string {
		c := env.ProviderBlock() + fmt.Sprintf(`
resource "orgs_organization" "o" {
  name                 = "raised"
  admin_contact_emails = ["ops@example.com"]
  plan                 = %q
}
`, plan)
		if member {
			c += `
resource "orgs_member" "bob" {
  organization_id = orgs_organization.o.id
  email           = "bob@example.com"
  role            = "member"
}
`
		}
		return c
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config("hobby", false)},
			{
				Config:      config("hobby", true),
				ExpectError: regexp.MustCompile(`plan\s+"hobby"\s+allows\s+1\s+member\s+and\s+the\s+organization's\s+seats\s+are\s+all\s+taken`),
			},
			{
				Config: config("starter", true),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("orgs_organization.o", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("orgs_member.bob", plancheck.ResourceActionCreate),
				}},
			},
		},
	})
}
