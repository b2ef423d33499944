package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"sync"
	"testing"
	"time"

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

const invitationResource = "orgs_invitation.test"

// mailbox keeps the acceptance codes the server "emails", by invitation id, oldest first: a re-sent
// invitation gets a second code.
type mailbox struct {
	mu    sync.Mutex
	codes map[string][]string
}

func (m *mailbox) receive(e api.InvitationEmail) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.codes[e.InvitationID] = append(m.codes[e.InvitationID], e.Code)
}

// code is the latest code sent for the invitation.
func (m *mailbox) code(invitationID string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	codes := m.codes[invitationID]
	if len(codes) == 0 {
		return ""
	}
	return codes[len(codes)-1]
}

// expectCodes checks how many codes the invitation was sent, and that they all differ.
func (m *mailbox) expectCodes(invitationID *string, want int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		m.mu.Lock()
		defer m.mu.Unlock()
		codes := m.codes[*invitationID]
		if len(codes) != want {
			return fmt.Errorf("invitation %s was sent %d codes, want %d", *invitationID, len(codes), want)
		}
		seen := map[string]bool{}
		for _, c := range codes {
			if seen[c] {
				return fmt.Errorf("invitation %s was sent the code %q twice", *invitationID, c)
			}
			seen[c] = true
		}
		return nil
	}
}

func invitationConfig(env *acctest.Env, orgID, email, role string) string {
	return env.ProviderBlock() + fmt.Sprintf(`
resource "orgs_invitation" "test" {
  organization_id = %q
  email           = %q
  role            = %q
}
`, orgID, email, role)
}

func TestAccInvitationResource(t *testing.T) {
	start := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := servertest.NewClock(start, 0)
	mail := &mailbox{codes: map[string][]string{}}
	env := acctest.New(t, servertest.WithClock(clock.Now), servertest.WithInvitationHook(mail.receive))
	org := env.CreateOrganization(t, api.PlanStarter)
	var invitationID string

	status := func(s api.InvitationStatus) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(invitationResource, tfjsonpath.New("status"), knownvalue.StringExact(string(s)))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy: env.CheckDestroy("orgs_invitation", func(ctx context.Context, c *client.Client, attrs map[string]string) error {
			_, err := c.GetInvitation(ctx, attrs["organization_id"], attrs["id"])
			return err
		}),
		Steps: []resource.TestStep{
			{
				Config: invitationConfig(env, org.ID, "Carol@Example.com", "member"),
				ConfigStateChecks: []statecheck.StateCheck{
					status(api.InvitationPending),
					statecheck.ExpectKnownValue(invitationResource, tfjsonpath.New("email"), knownvalue.StringExact("Carol@Example.com")),
					statecheck.ExpectKnownValue(invitationResource, tfjsonpath.New("created_at"), knownvalue.StringExact("2030-01-02T03:04:05Z")),
					statecheck.ExpectKnownValue(invitationResource, tfjsonpath.New("expires_at"), knownvalue.StringExact("2030-01-09T03:04:05Z")),
					statecheck.ExpectIdentity(invitationResource, map[string]knownvalue.Check{
						"organization_id": knownvalue.StringExact(org.ID),
						"id":              knownvalue.NotNull(),
					}),
					statecheck.ExpectIdentityValueMatchesState(invitationResource, tfjsonpath.New("id")),
				},
				Check: acctest.Capture(invitationResource, "id", &invitationID),
			},
			{
				ResourceName:      invitationResource,
				ImportState:       true,
				ImportStateIdFunc: acctest.ImportID(invitationResource, "organization_id", "id"),
				ImportStateVerify: true,
			},
			{
				// An import block with the identity from state: the plan imports with no change, and
				// the imported identity equals the one in state (the step checks both).
				ResourceName:    invitationResource,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
			{
				// No API changes an invitation: a new role means a new invitation.
				Config: invitationConfig(env, org.ID, "Carol@Example.com", "admin"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(invitationResource, plancheck.ResourceActionReplace),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					status(api.InvitationPending),
					statecheck.ExpectKnownValue(invitationResource, tfjsonpath.New("role"), knownvalue.StringExact("admin")),
				},
				Check: resource.ComposeTestCheckFunc(
					func(*terraform.State) error {
						if _, err := env.Client.GetInvitation(context.Background(), org.ID, invitationID); !client.IsNotFound(err) {
							return fmt.Errorf("the replaced invitation %s is still there (%w)", invitationID, err)
						}
						return nil
					},
					acctest.Capture(invitationResource, "id", &invitationID),
				),
			},
			{
				Config: invitationConfig(env, org.ID, "carol@example.com", "admin"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
			{
				// The invitee accepts: the refreshed status shows it, and there is nothing to change.
				PreConfig: func() {
					_, err := env.NewClient(t, "").AcceptInvitation(context.Background(), api.InvitationAccept{Code: mail.code(invitationID)})
					if err != nil {
						t.Fatalf("accept invitation: %v", err)
					}
				},
				Config:            invitationConfig(env, org.ID, "Carol@Example.com", "admin"),
				ConfigStateChecks: []statecheck.StateCheck{status(api.InvitationAccepted)},
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
			{
				PreConfig: func() {
					if err := env.Client.DeleteInvitation(context.Background(), org.ID, invitationID); err != nil {
						t.Fatalf("cancel invitation out of band: %v", err)
					}
					// Carol is a member now; the invitation that replaces this one is for Dave.
				},
				Config: invitationConfig(env, org.ID, "dave@example.com", "admin"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(invitationResource, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{status(api.InvitationPending)},
			},
			{
				// A week later the invitation has expired; refresh shows it.
				PreConfig:         func() { clock.Advance(8 * 24 * time.Hour) },
				Config:            invitationConfig(env, org.ID, "dave@example.com", "admin"),
				ConfigStateChecks: []statecheck.StateCheck{status(api.InvitationExpired)},
			},
		},
	})
}

func invitationConfigResend(env *acctest.Env, orgID, email string, resend bool) string {
	return env.ProviderBlock() + fmt.Sprintf(`
resource "orgs_invitation" "test" {
  organization_id     = %q
  email               = %q
  role                = "member"
  resend_when_expired = %t
}
`, orgID, email, resend)
}

// TestAccInvitationResource_resendWhenExpired walks an invitation through expiry with
// resend_when_expired off (it stays expired, nothing is sent), toggled (nothing is sent), and on (the
// plan updates it in place, the same invitation is re-sent with a new code and expiry), then accepted
// (never re-sent, however late).
func TestAccInvitationResource_resendWhenExpired(t *testing.T) {
	const ttl = 7 * 24 * time.Hour
	start := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := servertest.NewClock(start, 0)
	mail := &mailbox{codes: map[string][]string{}}
	env := acctest.New(t, servertest.WithClock(clock.Now), servertest.WithInvitationHook(mail.receive))
	org := env.CreateOrganization(t, api.PlanStarter)
	var invitationID string

	status := func(s api.InvitationStatus) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(invitationResource, tfjsonpath.New("status"), knownvalue.StringExact(string(s)))
	}
	expiresAt := func(at time.Time) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(invitationResource, tfjsonpath.New("expires_at"), knownvalue.StringExact(at.Format(time.RFC3339)))
	}
	resend := func(v bool) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(invitationResource, tfjsonpath.New("resend_when_expired"), knownvalue.Bool(v))
	}
	sameID := statecheck.CompareValue(compare.ValuesSame())
	// onServer checks the invitation as the server holds it, by the id first created.
	onServer := func(want api.InvitationStatus, wantExpires time.Time) resource.TestCheckFunc {
		return func(*terraform.State) error {
			inv, err := env.Client.GetInvitation(context.Background(), org.ID, invitationID)
			if err != nil {
				return fmt.Errorf("get invitation %s: %w", invitationID, err)
			}
			if inv.Status != want || !inv.ExpiresAt.Equal(wantExpires) {
				return fmt.Errorf("server holds invitation %s %s until %s, want %s until %s",
					invitationID, inv.Status, inv.ExpiresAt.Format(time.RFC3339), want, wantExpires.Format(time.RFC3339))
			}
			return nil
		}
	}
	emptyPlan := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
	update := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
		plancheck.ExpectResourceAction(invitationResource, plancheck.ResourceActionUpdate),
	}}
	firstExpiry := start.Add(ttl)
	resentAt := start.Add(8 * 24 * time.Hour)
	secondExpiry := resentAt.Add(ttl)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy: env.CheckDestroy("orgs_invitation", func(ctx context.Context, c *client.Client, attrs map[string]string) error {
			_, err := c.GetInvitation(ctx, attrs["organization_id"], attrs["id"])
			return err
		}),
		Steps: []resource.TestStep{
			{
				Config:            invitationConfig(env, org.ID, "erin@example.com", "member"),
				ConfigStateChecks: []statecheck.StateCheck{status(api.InvitationPending), expiresAt(firstExpiry), resend(false), sameID.AddStateValue(invitationResource, tfjsonpath.New("id"))},
				Check:             resource.ComposeTestCheckFunc(acctest.Capture(invitationResource, "id", &invitationID), mail.expectCodes(&invitationID, 1)),
			},
			{
				// Turning it on while pending changes nothing on the server.
				Config:            invitationConfigResend(env, org.ID, "erin@example.com", true),
				ConfigPlanChecks:  update,
				ConfigStateChecks: []statecheck.StateCheck{status(api.InvitationPending), expiresAt(firstExpiry), resend(true), sameID.AddStateValue(invitationResource, tfjsonpath.New("id"))},
				Check:             resource.ComposeTestCheckFunc(mail.expectCodes(&invitationID, 1), onServer(api.InvitationPending, firstExpiry)),
			},
			{
				// Nor does turning it off.
				Config:            invitationConfigResend(env, org.ID, "erin@example.com", false),
				ConfigPlanChecks:  update,
				ConfigStateChecks: []statecheck.StateCheck{status(api.InvitationPending), resend(false)},
				Check:             mail.expectCodes(&invitationID, 1),
			},
			{
				// Off, an expired invitation stays as it is: the refresh shows it, the plan is empty.
				PreConfig:         func() { clock.Advance(8 * 24 * time.Hour) },
				Config:            invitationConfigResend(env, org.ID, "erin@example.com", false),
				ConfigPlanChecks:  emptyPlan,
				ConfigStateChecks: []statecheck.StateCheck{status(api.InvitationExpired), expiresAt(firstExpiry)},
				Check:             resource.ComposeTestCheckFunc(mail.expectCodes(&invitationID, 1), onServer(api.InvitationExpired, firstExpiry)),
			},
			{
				// On, the same invitation is re-sent in place: a new code, a new expiry, pending again.
				Config:            invitationConfigResend(env, org.ID, "erin@example.com", true),
				ConfigPlanChecks:  update,
				ConfigStateChecks: []statecheck.StateCheck{status(api.InvitationPending), expiresAt(secondExpiry), resend(true), sameID.AddStateValue(invitationResource, tfjsonpath.New("id"))},
				Check:             resource.ComposeTestCheckFunc(mail.expectCodes(&invitationID, 2), onServer(api.InvitationPending, secondExpiry)),
			},
			{
				Config:           invitationConfigResend(env, org.ID, "erin@example.com", true),
				ConfigPlanChecks: emptyPlan,
			},
			{
				// Expiring again while on: the plan alone, with no change of configuration, re-sends it.
				PreConfig: func() { clock.Advance(8 * 24 * time.Hour) },
				Config:    invitationConfigResend(env, org.ID, "erin@example.com", true),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(invitationResource, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(invitationResource, tfjsonpath.New("status")),
					plancheck.ExpectUnknownValue(invitationResource, tfjsonpath.New("expires_at")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{status(api.InvitationPending), expiresAt(secondExpiry.Add(8 * 24 * time.Hour)), sameID.AddStateValue(invitationResource, tfjsonpath.New("id"))},
				Check:             resource.ComposeTestCheckFunc(mail.expectCodes(&invitationID, 3), onServer(api.InvitationPending, secondExpiry.Add(8*24*time.Hour))),
			},
			{
				Config:           invitationConfigResend(env, org.ID, "erin@example.com", true),
				ConfigPlanChecks: emptyPlan,
			},
			{
				// The server cannot say what the configuration wants: import sets the default.
				ResourceName:            invitationResource,
				ImportState:             true,
				ImportStateIdFunc:       acctest.ImportID(invitationResource, "organization_id", "id"),
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"resend_when_expired"},
			},
			{
				// Accepted with the latest code, it is never re-sent, however long after.
				PreConfig: func() {
					if _, err := env.NewClient(t, "").AcceptInvitation(context.Background(), api.InvitationAccept{Code: mail.code(invitationID)}); err != nil {
						t.Fatalf("accept invitation: %v", err)
					}
					clock.Advance(30 * 24 * time.Hour)
				},
				Config:            invitationConfigResend(env, org.ID, "erin@example.com", true),
				ConfigPlanChecks:  emptyPlan,
				ConfigStateChecks: []statecheck.StateCheck{status(api.InvitationAccepted)},
				Check:             mail.expectCodes(&invitationID, 3),
			},
		},
	})
}

func TestAccInvitationResource_validation(t *testing.T) {
	env := acctest.New(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      invitationConfig(env, "org_1", "carol@", "member"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Attribute\s+email:\s+"carol@"\s+is\s+not\s+a\s+valid\s+email`),
			},
			{
				Config:      invitationConfig(env, "org_1", "carol@example.com", "boss"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Attribute\s+role\s+value\s+must\s+be\s+one\s+of.*"boss"`),
			},
		},
	})
}

// TestAccInvitationResource_resendTrigger: changing resend_trigger re-sends a pending invitation in
// place (same id, a new code, a new expiry); leaving it as it is changes nothing.
func TestAccInvitationResource_resendTrigger(t *testing.T) {
	start := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := servertest.NewClock(start, 0)
	mail := &mailbox{codes: map[string][]string{}}
	env := acctest.New(t, servertest.WithClock(clock.Now), servertest.WithInvitationHook(mail.receive))
	org := env.CreateOrganization(t, api.PlanStarter)
	var invitationID string
	config := func(trigger string) string {
		return env.ProviderBlock() + fmt.Sprintf(`
resource "orgs_invitation" "test" {
  organization_id = %q
  email           = "gus@example.com"
  role            = "member"
  resend_trigger  = %q
}
`, org.ID, trigger)
	}
	sameID := statecheck.CompareValue(compare.ValuesSame())
	expiresAt := func(at time.Time) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(invitationResource, tfjsonpath.New("expires_at"), knownvalue.StringExact(at.Add(server.DefaultInvitationTTL).Format(time.RFC3339)))
	}
	resentAt := start.Add(2 * 24 * time.Hour)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:            config("first"),
				ConfigStateChecks: []statecheck.StateCheck{expiresAt(start), sameID.AddStateValue(invitationResource, tfjsonpath.New("id"))},
				Check:             resource.ComposeTestCheckFunc(acctest.Capture(invitationResource, "id", &invitationID), mail.expectCodes(&invitationID, 1)),
			},
			{
				PreConfig: func() { clock.Advance(2 * 24 * time.Hour) },
				Config:    config("lost the email"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(invitationResource, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(invitationResource, tfjsonpath.New("expires_at")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expiresAt(resentAt),
					statecheck.ExpectKnownValue(invitationResource, tfjsonpath.New("status"), knownvalue.StringExact("pending")),
					sameID.AddStateValue(invitationResource, tfjsonpath.New("id")),
				},
				Check: mail.expectCodes(&invitationID, 2),
			},
			{
				Config:           config("lost the email"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            mail.expectCodes(&invitationID, 2),
			},
		},
	})
}

// TestAccInvitationResource_acceptedRoleChange: once the invitee accepts, changing the invitation's
// role is refused at plan time, saying what to do instead; so is moving a still-pending invitation to
// orgs_member.
func TestAccInvitationResource_acceptedRoleChange(t *testing.T) {
	mail := &mailbox{codes: map[string][]string{}}
	env := acctest.New(t, servertest.WithInvitationHook(mail.receive))
	org := env.CreateOrganization(t, api.PlanStarter)
	var invitationID string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: hanaInvitation(env, org.ID, "member"),
				Check:  acctest.Capture("orgs_invitation.hana", "id", &invitationID),
			},
			{
				PreConfig: func() {
					if _, err := env.Client.AcceptInvitation(t.Context(), api.InvitationAccept{Code: mail.code(invitationID)}); err != nil {
						t.Fatalf("accept: %v", err)
					}
				},
				Config: hanaInvitation(env, org.ID, "member"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("orgs_invitation.hana", tfjsonpath.New("status"), knownvalue.StringExact("accepted")),
				},
			},
			{
				Config:   hanaInvitation(env, org.ID, "admin"),
				PlanOnly: true,
				ExpectError: wrappedText(`Hana@Example.com accepted this invitation and is a member of organization ` + org.ID + ` now, so it cannot be changed or sent again. ` +
					`To change their role, manage them as a member`),
			},
		},
	})
}

// TestAccTerraform_invitationMovedToMember: one moved block turns an accepted invitation into the
// orgs_member it became, with an empty plan, and the role then changes in place; before the invitee
// accepts, the move is refused. Terraform only: OpenTofu 1.12 moves state across types but drops the
// identity the provider returns for the moved object, and its next refresh fails.
func TestAccTerraform_invitationMovedToMember(t *testing.T) {
	acctest.RequireTerraform(t)
	mail := &mailbox{codes: map[string][]string{}}
	env := acctest.New(t, servertest.WithInvitationHook(mail.receive))
	org := env.CreateOrganization(t, api.PlanStarter)
	var invitationID string
	member := func(role string) string {
		return env.ProviderBlock() + fmt.Sprintf(`
resource "orgs_member" "hana" {
  organization_id = %q
  email           = "Hana@Example.com"
  role            = %q
}

moved {
  from = orgs_invitation.hana
  to   = orgs_member.hana
}
`, org.ID, role)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: hanaInvitation(env, org.ID, "member"),
				Check:  acctest.Capture("orgs_invitation.hana", "id", &invitationID),
			},
			{
				// A moved block before the state knows the acceptance is refused, saying what works on
				// both CLIs instead: an import block and a removed block.
				Config:      member("member"),
				PlanOnly:    true,
				ExpectError: wrappedText(`The invitation for Hana@Example.com to organization ` + org.ID + ` is pending in the state, and a moved block cannot refresh it first. Replace the moved block by`),
			},
			{
				PreConfig: func() {
					if _, err := env.Client.AcceptInvitation(t.Context(), api.InvitationAccept{Code: mail.code(invitationID)}); err != nil {
						t.Fatalf("accept: %v", err)
					}
				},
				Config: hanaInvitation(env, org.ID, "member"),
			},
			{
				Config: member("member"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("orgs_member.hana", plancheck.ResourceActionNoop),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("orgs_member.hana", tfjsonpath.New("id"), knownvalue.StringExact(org.ID+"/Hana@Example.com")),
					statecheck.ExpectIdentity("orgs_member.hana", map[string]knownvalue.Check{
						"organization_id": knownvalue.StringExact(org.ID),
						"email":           knownvalue.StringExact("Hana@Example.com"),
					}),
				},
			},
			{
				Config: member("admin"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("orgs_member.hana", plancheck.ResourceActionUpdate),
				}},
				Check: func(*terraform.State) error {
					m, err := env.Client.GetMember(context.Background(), org.ID, "hana@example.com")
					if err != nil || m.Role != api.RoleAdmin {
						return fmt.Errorf("server holds %+v, %w; want hana as admin", m, err)
					}
					return nil
				},
			},
		},
	})
}

func hanaInvitation(env *acctest.Env, orgID, role string) string {
	return env.ProviderBlock() + fmt.Sprintf(`
resource "orgs_invitation" "hana" {
  organization_id = %q
  email           = "Hana@Example.com"
  role            = %q
}
`, orgID, role)
}
