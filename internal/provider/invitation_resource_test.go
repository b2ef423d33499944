package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"sync"
	"sync/atomic"
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
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
)

const invitationResource = "orgs_invitation.test"

// fakeClock is a server clock the test moves forward.
type fakeClock struct{ now atomic.Int64 }

func newFakeClock(t time.Time) *fakeClock {
	c := &fakeClock{}
	c.now.Store(t.UnixNano())
	return c
}

func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.now.Load()).UTC() }
func (c *fakeClock) Advance(d time.Duration) { c.now.Add(int64(d)) }

// mailbox keeps the acceptance codes the server "emails", by invitation id.
type mailbox struct {
	mu    sync.Mutex
	codes map[string]string
}

func (m *mailbox) receive(e api.InvitationEmail) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.codes[e.InvitationID] = e.Code
}

func (m *mailbox) code(invitationID string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.codes[invitationID]
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
	clock := newFakeClock(start)
	mail := &mailbox{codes: map[string]string{}}
	env := acctest.New(t, acctest.WithClock(clock.Now), acctest.WithInvitationHook(mail.receive))
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
