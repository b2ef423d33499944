package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/servertest"
)

// codes keeps the codes the server "emails" to invited addresses, by address.
type codes struct {
	mu   sync.Mutex
	byTo map[string]string
}

func (c *codes) receive(e api.InvitationEmail) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byTo == nil {
		c.byTo = map[string]string{}
	}
	c.byTo[api.EmailKey(e.To)] = e.Code
}

func (c *codes) code(t *testing.T, to string) string {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	code, ok := c.byTo[api.EmailKey(to)]
	if !ok {
		t.Fatalf("no code was emailed to %s", to)
	}
	return code
}

func statusIs(status string) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(memberResource, tfjsonpath.New("status"), knownvalue.StringExact(status))
}

// One orgs_member holds from invitation to active member (issue 18): an address without an account is
// invited and becomes active once the person accepts the emailed code; an account outside the verified
// domains is pending and becomes active once the person accepts. Each move shows on refresh, and the
// plan after it is empty.
func TestAccMemberLifecycle_invitedAndPendingBecomeActive(t *testing.T) {
	var mail codes
	env := acctest.New(t, acctest.WithPendingMemberships(), servertest.WithInvitationHook(mail.receive))
	org := env.CreateOrganization(t, api.PlanTeam)
	_, bobToken := env.SignUp(t, "bob@example.com")
	emptyAfterRefresh := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkMemberDestroyed(env),
		Steps: []resource.TestStep{
			{
				Config:            memberConfig(env, org.ID, "newcomer@example.com", "member", ""),
				ConfigStateChecks: []statecheck.StateCheck{statusIs("invited")},
			},
			{
				PreConfig: func() {
					if _, err := env.NewClient(t, "").AcceptInvitation(context.Background(), api.InvitationAccept{Code: mail.code(t, "newcomer@example.com")}); err != nil {
						t.Fatalf("accept the emailed code: %v", err)
					}
				},
				Config:            memberConfig(env, org.ID, "newcomer@example.com", "member", ""),
				ConfigPlanChecks:  emptyAfterRefresh,
				ConfigStateChecks: []statecheck.StateCheck{statusIs("active")},
			},
			{
				Config:            memberConfig(env, org.ID, "bob@example.com", "member", ""),
				ConfigStateChecks: []statecheck.StateCheck{statusIs("pending")},
			},
			{
				PreConfig: func() {
					if _, err := env.NewClient(t, bobToken).AcceptMembership(context.Background(), org.ID); err != nil {
						t.Fatalf("bob accepts: %v", err)
					}
				},
				Config:            memberConfig(env, org.ID, "bob@example.com", "member", ""),
				ConfigPlanChecks:  emptyAfterRefresh,
				ConfigStateChecks: []statecheck.StateCheck{statusIs("active")},
			},
		},
	})
}

// An invited or pending membership nobody accepts expires (issue 18): the plan offers it again as an
// update (resend_when_expired, on by default), which gives it a new expiry, and the plan after that is
// empty.
func TestAccMemberLifecycle_expiredIsOfferedAgain(t *testing.T) {
	clock := servertest.NewClock(time.Now().Truncate(time.Second), 0)
	env := acctest.New(t, acctest.WithPendingMemberships(), servertest.WithClock(clock.Now), servertest.WithInvitationTTL(time.Hour))
	org := env.CreateOrganization(t, api.PlanTeam)
	env.SignUp(t, "slow@example.com")
	var firstExpiry string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkMemberDestroyed(env),
		Steps: []resource.TestStep{
			{
				Config:            memberConfig(env, org.ID, "slow@example.com", "member", ""),
				ConfigStateChecks: []statecheck.StateCheck{statusIs("pending")},
				Check:             acctest.Capture(memberResource, "expires_at", &firstExpiry),
			},
			{
				PreConfig: func() { clock.Advance(2 * time.Hour) },
				Config:    memberConfig(env, org.ID, "slow@example.com", "member", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(memberResource, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(memberResource, tfjsonpath.New("status")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{statusIs("pending")},
				Check: func(s *terraform.State) error {
					if got := s.RootModule().Resources[memberResource].Primary.Attributes["expires_at"]; got <= firstExpiry {
						return fmt.Errorf("offered again with expires_at %s, not after the first offer's %s", got, firstExpiry)
					}
					return nil
				},
			},
			{
				Config:           memberConfig(env, org.ID, "slow@example.com", "member", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// A declined membership is not added again silently (issue 18): the refresh shows it declined and the
// plan changes nothing; changing resend_trigger offers it again, which the server refuses for seven
// days after the decline, saying so; after that it is offered again.
func TestAccMemberLifecycle_declined(t *testing.T) {
	clock := servertest.NewClock(time.Now().Truncate(time.Second), 0)
	env := acctest.New(t, acctest.WithPendingMemberships(), servertest.WithClock(clock.Now))
	org := env.CreateOrganization(t, api.PlanTeam)
	_, carolToken := env.SignUp(t, "carol@example.com")
	trigger := func(v string) string {
		return memberConfig(env, org.ID, "carol@example.com", "member", fmt.Sprintf("resend_trigger = %q", v))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkMemberDestroyed(env),
		Steps: []resource.TestStep{
			{Config: trigger("1"), ConfigStateChecks: []statecheck.StateCheck{statusIs("pending")}},
			{
				PreConfig: func() {
					if err := env.NewClient(t, carolToken).DeclineMembership(context.Background(), org.ID); err != nil {
						t.Fatalf("carol declines: %v", err)
					}
				},
				Config:            trigger("1"),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{statusIs("declined")},
			},
			{
				Config:      trigger("2"),
				ExpectError: regexp.MustCompile(`declined\s+a\s+membership\s+of\s+this\s+organization[\s\S]*cannot\s+be\s+added\s+or\s+invited\s+again\s+before`),
			},
			{
				PreConfig:         func() { clock.Advance(7 * 24 * time.Hour) },
				Config:            trigger("2"),
				ConfigStateChecks: []statecheck.StateCheck{statusIs("pending")},
			},
		},
	})
}

// Seats add up (issue 18): the server's refusal (and the plan's warning before it) counts active,
// pending and invited memberships and pending invitations, says what it counted and names a plan that
// fits, and orgs_usage reports the same seats.
func TestAccMemberLifecycle_seatsCountedAlike(t *testing.T) {
	env := acctest.New(t, acctest.WithPendingMemberships())
	org := env.CreateOrganization(t, api.PlanStarter) // 3 seats, the owner's one of them
	env.SignUp(t, "dan@example.com")
	base := env.ProviderBlock() + fmt.Sprintf(`
resource "orgs_member" "dan" {
  organization_id = %[1]q
  email           = "dan@example.com"
  role            = "member"
}
resource "orgs_invitation" "erin" {
  organization_id = %[1]q
  email           = "erin@example.com"
  role            = "member"
}
data "orgs_usage" "seats" {
  organization_id = %[1]q
  depends_on      = [orgs_member.dan, orgs_invitation.erin]
}
`, org.ID)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: base,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.orgs_usage.seats", tfjsonpath.New("seats"), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"active": knownvalue.Int64Exact(1), "pending": knownvalue.Int64Exact(1), "invited": knownvalue.Int64Exact(0), "invitations": knownvalue.Int64Exact(1),
					})),
					statecheck.ExpectKnownValue("data.orgs_usage.seats", tfjsonpath.New("quantities").AtMapKey("members").AtMapKey("used"), knownvalue.Int64Exact(3)),
				},
			},
			{
				Config: base + fmt.Sprintf(`
resource "orgs_member" "fay" {
  organization_id = %q
  email           = "fay@example.com"
  role            = "member"
}
`, org.ID),
				ExpectError: wrappedText(`plan "starter" allows 3 members and the organization's seats are all taken: ` +
					`3 seats: 1 active member, 1 pending membership, 1 pending invitation. Plan "startup" allows 6 members`),
			},
		},
	})
}

// Destroy never runs create-time checks (issue 18): after an apply that failed half-way (the third new
// member found no seat), destroy works.
func TestAccMemberLifecycle_destroyAfterFailedApply(t *testing.T) {
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanStarter)
	three := env.ProviderBlock()
	for _, name := range []string{"gil", "hal", "ivy"} {
		env.SignUp(t, name+"@example.com")
		three += fmt.Sprintf("resource \"orgs_member\" %q {\n  organization_id = %q\n  email = \"%s@example.com\"\n  role = \"member\"\n}\n", name, org.ID, name)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkMemberDestroyed(env),
		Steps: []resource.TestStep{
			{Config: three, ExpectError: regexp.MustCompile(`seats\s+are\s+all\s+taken`)},
			{Config: three, Destroy: true},
		},
	})
}

// Demoting both of an organization's two owners in one plan is refused at plan time (issue 18): the
// rule counts every owner the whole plan changes, and only active owners.
func TestAccMemberLifecycle_twoOwnersDemotedInOnePlan(t *testing.T) {
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanTeam)
	env.SignUp(t, "second-owner@example.com")
	owners := func(role string) string {
		return env.ProviderBlock() + fmt.Sprintf(`
import {
  to = orgs_member.first
  id = "%[1]s/%[2]s"
}
resource "orgs_member" "first" {
  organization_id = %[1]q
  email           = %[2]q
  role            = %[3]q
}
resource "orgs_member" "second" {
  organization_id = %[1]q
  email           = "second-owner@example.com"
  role            = %[3]q
}
`, org.ID, env.OwnerEmail, role)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: owners("owner")},
			{
				Config:      owners("admin"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`since\s+this\s+plan\s+also\s+removes,\s+demotes\s+or\s+replaces`),
			},
			{
				// Keep the owner's own membership when the test tears down.
				Config: owners("owner") + "\n",
			},
			{
				Config: env.ProviderBlock() + fmt.Sprintf(`
removed {
  from = orgs_member.first
  lifecycle {
    destroy = false
  }
}
resource "orgs_member" "second" {
  organization_id = %q
  email           = "second-owner@example.com"
  role            = "owner"
}
`, org.ID),
			},
		},
	})
}

// environment_roles keys are slugs a reviewer can read; ids are still accepted, and a key that names
// no environment is refused at plan time, once, naming the slugs there are (issue 18).
func TestAccMemberLifecycle_environmentRoleKeys(t *testing.T) {
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanTeam)
	env.SignUp(t, "jo@example.com")
	envs, err := env.Client.ListEnvironments(t.Context(), org.ID)
	if err != nil || len(envs) == 0 {
		t.Fatalf("environments: %v %v", envs, err)
	}
	byKey := func(key string) string {
		return memberConfig(env, org.ID, "jo@example.com", "member", fmt.Sprintf("environment_roles = { %q = \"read\" }", key))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkMemberDestroyed(env),
		Steps: []resource.TestStep{
			{
				Config:      byKey("no-such-env"),
				PlanOnly:    true,
				ExpectError: wrappedText(fmt.Sprintf(`Organization %s has no environment with the slug or id "no-such-env"; its environments' slugs are: %s.`, org.ID, envs[0].Slug)),
			},
			{
				Config: byKey(envs[0].Slug),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(memberResource, tfjsonpath.New("environment_roles").AtMapKey(envs[0].Slug), knownvalue.StringExact("read")),
				}},
				Check: func(*terraform.State) error {
					m, err := env.Client.GetMember(context.Background(), org.ID, "jo@example.com")
					if err != nil || m.EnvironmentRoles[envs[0].ID] != api.EnvironmentRoleRead {
						return fmt.Errorf("the server holds %+v, want read in %s (%w)", m, envs[0].ID, err)
					}
					return nil
				},
			},
			{Config: byKey(envs[0].Slug), ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
			{
				// The same environment by its id: the keys change in state, nothing on the server.
				Config: byKey(envs[0].ID),
			},
			{Config: byKey(envs[0].ID), ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
		},
	})
}

// An accepted orgs_invitation moves into an orgs_member the same way with OpenTofu and Terraform: an
// import block for the membership and a removed block for the invitation; the plan after it is empty.
func TestAccMemberLifecycle_fromInvitation(t *testing.T) {
	var mail codes
	env := acctest.New(t, servertest.WithInvitationHook(mail.receive))
	org := env.CreateOrganization(t, api.PlanTeam)
	invitation := env.ProviderBlock() + fmt.Sprintf(`
resource "orgs_invitation" "kim" {
  organization_id = %q
  email           = "kim@example.com"
  role            = "admin"
}
`, org.ID)
	member := env.ProviderBlock() + fmt.Sprintf(`
import {
  to = orgs_member.kim
  id = "%[1]s/kim@example.com"
}
removed {
  from = orgs_invitation.kim
  lifecycle {
    destroy = false
  }
}
resource "orgs_member" "kim" {
  organization_id = %[1]q
  email           = "kim@example.com"
  role            = "admin"
}
`, org.ID)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: invitation},
			{
				PreConfig: func() {
					if _, err := env.NewClient(t, "").AcceptInvitation(context.Background(), api.InvitationAccept{Code: mail.code(t, "kim@example.com")}); err != nil {
						t.Fatalf("kim accepts: %v", err)
					}
				},
				Config: member,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("orgs_member.kim", tfjsonpath.New("status"), knownvalue.StringExact("active")),
				},
			},
			{Config: member, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
		},
	})
}

// A member whose address is in one of the organization's verified domains is active right after the
// first apply (issue 18): the domain is claimed, its record published, the verification waited for, and
// the membership, which depends on it, joins at once. Outside the domain an account stays pending.
func TestAccMemberLifecycle_verifiedDomainJoinsAtOnce(t *testing.T) {
	env := acctest.New(t, acctest.WithPendingMemberships())
	env.PublishVerificationRecords() // the DNS record a configuration's DNS provider would make
	org := env.CreateOrganization(t, api.PlanTeam)
	env.SignUp(t, "lee@acme-corp.example")
	env.SignUp(t, "max@elsewhere.example")
	config := env.ProviderBlock() + fmt.Sprintf(`
resource "orgs_domain" "acme" {
  organization_id = %[1]q
  domain          = "acme-corp.example"
}

resource "orgs_domain_verification" "acme" {
  organization_id = orgs_domain.acme.organization_id
  domain          = orgs_domain.acme.domain
}

resource "orgs_member" "lee" {
  organization_id = %[1]q
  email           = "lee@acme-corp.example"
  role            = "member"
  depends_on      = [orgs_domain_verification.acme]
}

resource "orgs_member" "max" {
  organization_id = %[1]q
  email           = "max@elsewhere.example"
  role            = "member"
  depends_on      = [orgs_domain_verification.acme]
}
`, org.ID)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("orgs_member.lee", tfjsonpath.New("status"), knownvalue.StringExact("active")),
					statecheck.ExpectKnownValue("orgs_member.max", tfjsonpath.New("status"), knownvalue.StringExact("pending")),
				},
			},
			{Config: config, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
		},
	})
}
