package provider_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/servertest"
)

// webhookWait bounds the wait for a delivery that must arrive; a delivery normally arrives in
// milliseconds.
const webhookWait = 20 * time.Second

// webhookEnv is a server that may deliver to the test's receiver on loopback, retrying fast.
func webhookEnv(t *testing.T) (*acctest.Env, *servertest.WebhookReceiver) {
	t.Helper()
	env := acctest.New(t, servertest.WithPrivateWebhookTargets(), servertest.WithWebhookRetry(300*time.Millisecond, 2*time.Second, 10, 5*time.Second))
	return env, servertest.StartWebhookReceiver(t)
}

// webhookConfig is an orgs_webhook.hook subscribed to label events, and an orgs_label.l made after it
// (so that the label's changes are delivered to it).
func webhookConfig(env *acctest.Env, orgID, url, secret string, version int, labelValue string, more ...string) string {
	extra := ""
	for _, line := range more {
		extra += "  " + line + "\n"
	}
	return env.ProviderBlock() + fmt.Sprintf(`
resource "orgs_webhook" "hook" {
  organization_id   = %q
  url               = %q
  events            = ["label.*"]
  secret_wo         = %q
  secret_wo_version = %d
%s}

resource "orgs_label" "l" {
  organization_id = %q
  key             = "team"
  value           = %q
  depends_on      = [orgs_webhook.hook]
}
`, orgID, url, secret, version, extra, orgID, labelValue)
}

// expectDelivery waits for the receiver's next delivery of event about the label with the value
// given, and checks that it verifies with secret: the signed event a change made through Terraform
// causes. answered, when not 0, is the status the receiver must have answered it with.
func expectDelivery(rcv *servertest.WebhookReceiver, event, secret string, answered int, got *servertest.WebhookRequest) resource.TestCheckFunc {
	return func(*terraform.State) error {
		r, err := rcv.Wait(webhookWait, func(r servertest.WebhookRequest) bool { return r.Event() == event })
		if err != nil {
			return fmt.Errorf("waiting for %s: %w", event, err)
		}
		if err := r.Verify(secret); err != nil {
			return fmt.Errorf("the %s delivery does not verify with the configured secret: %w", event, err)
		}
		var e api.WebhookEvent
		if err := json.Unmarshal(r.Body, &e); err != nil || e.Event != event || e.ObjectType != "label" || e.ObjectID != "team" {
			return fmt.Errorf("the %s delivery's body %s is not the label's event (decoding: %w)", event, r.Body, err)
		}
		if answered != 0 && r.Answered != answered {
			return fmt.Errorf("the %s delivery was answered %d, want %d", event, r.Answered, answered)
		}
		if got != nil {
			*got = r
		}
		return nil
	}
}

// expectDeliveryLog waits until the delivery of the request got is no longer pending, and checks its
// status and the status codes of its attempts.
func expectDeliveryLog(env *acctest.Env, orgID string, webhookID *string, got *servertest.WebhookRequest, want api.WebhookDeliveryStatus, codes ...int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		deadline := time.Now().Add(webhookWait)
		for {
			d, err := env.Client.GetWebhookDelivery(context.Background(), orgID, *webhookID, got.Delivery())
			if err != nil {
				return err
			}
			if d.Status != api.DeliveryPending {
				var gotCodes []int
				for _, a := range d.Attempts {
					gotCodes = append(gotCodes, a.StatusCode)
				}
				if d.Status != want || !slices.Equal(gotCodes, codes) {
					return fmt.Errorf("delivery %s: %s with attempts %v, want %s with %v", d.ID, d.Status, gotCodes, want, codes)
				}
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("delivery %s still pending after %s: %+v", d.ID, webhookWait, d)
			}
			time.Sleep(50 * time.Millisecond) // the deliverer writes its outcome just after the receiver answers
		}
	}
}

func webhookGone(ctx context.Context, c *client.Client, attrs map[string]string) error {
	_, err := c.GetWebhook(ctx, attrs["organization_id"], attrs["id"])
	return err
}

// TestAccWebhook_lifecycle walks a webhook's life and its deliveries: a signed event within seconds of
// a change made through Terraform; retries after the receiver answers 500, signed with the new secret
// once secret_wo_version changed; an event delivered after a server restart mid-retry; import, an empty
// re-plan, and re-creation after a delete behind Terraform's back.
func TestAccWebhook_lifecycle(t *testing.T) {
	t.Parallel()
	env, rcv := webhookEnv(t)
	org := env.CreateOrganization(t, api.PlanTeam)
	const addr = "orgs_webhook.hook"
	const first, second = "first-secret-0123456789", "second-secret-0123456789"
	sameID := statecheck.CompareValue(compare.ValuesSame())
	var id string
	var retried, restarted servertest.WebhookRequest

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             env.CheckDestroy("orgs_webhook", webhookGone),
		Steps: []resource.TestStep{
			{
				Config: webhookConfig(env, org.ID, rcv.URL, first, 1, "a"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("url"), knownvalue.StringExact(rcv.URL)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("events"), knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("label.*")})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("active"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("secret_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("secret_wo_version"), knownvalue.Int64Exact(1)),
					expectInState(first, false),
					sameID.AddStateValue(addr, tfjsonpath.New("id")),
					statecheck.ExpectIdentity(addr, map[string]knownvalue.Check{
						"organization_id": knownvalue.StringExact(org.ID),
						"id":              knownvalue.StringRegexp(regexp.MustCompile(`^wh_`)),
					}),
					statecheck.ExpectIdentityValueMatchesState(addr, tfjsonpath.New("id")),
				},
				Check: resource.ComposeTestCheckFunc(
					acctest.Capture(addr, "id", &id),
					expectDelivery(rcv, "label.create", first, http.StatusNoContent, nil),
				),
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateIdFunc: acctest.ImportID(addr, "organization_id", "id"),
				ImportStateVerify: true,
				// Nothing in the API gives the version back; secret_wo is null on both sides.
				ImportStateVerifyIgnore: []string{"secret_wo_version"},
			},
			{
				// A new secret (its version changed) and a label change; the receiver fails twice. The
				// webhook is updated before the label (depends_on), so every attempt is signed with the
				// new secret.
				PreConfig: func() {
					rcv.Answer(http.StatusInternalServerError, http.StatusInternalServerError, http.StatusNoContent)
				},
				Config: webhookConfig(env, org.ID, rcv.URL, second, 2, "b"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{sameID.AddStateValue(addr, tfjsonpath.New("id")), expectInState(second, false)},
				Check: resource.ComposeTestCheckFunc(
					expectDelivery(rcv, "label.update", second, http.StatusInternalServerError, &retried),
					expectDelivery(rcv, "label.update", second, http.StatusInternalServerError, nil),
					expectDelivery(rcv, "label.update", second, http.StatusNoContent, nil),
					expectDeliveryLog(env, org.ID, &id, &retried, api.DeliverySucceeded, 500, 500, 204),
				),
			},
			{
				Config: webhookConfig(env, org.ID, rcv.URL, second, 2, "b"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
			{
				// The receiver fails; the server restarts while the delivery waits for its retry, and
				// the server that starts after it delivers.
				PreConfig: func() { rcv.Answer(http.StatusInternalServerError) },
				Config:    webhookConfig(env, org.ID, rcv.URL, second, 2, "c"),
				Check: resource.ComposeTestCheckFunc(
					expectDelivery(rcv, "label.update", second, http.StatusInternalServerError, &restarted),
					func(*terraform.State) error {
						env.Restart(t)
						rcv.Answer(http.StatusNoContent)
						r, err := rcv.Wait(webhookWait, func(r servertest.WebhookRequest) bool { return r.Answered == http.StatusNoContent })
						if err != nil {
							return fmt.Errorf("after the restart: %w", err)
						}
						if r.Delivery() != restarted.Delivery() || r.Verify(second) != nil {
							return fmt.Errorf("after the restart the receiver got delivery %s, want %s (verify: %w)", r.Delivery(), restarted.Delivery(), r.Verify(second))
						}
						return nil
					},
				),
			},
			{
				PreConfig: func() {
					if err := env.Client.DeleteWebhook(t.Context(), org.ID, id); err != nil {
						t.Fatalf("delete the webhook behind Terraform's back: %v", err)
					}
				},
				Config: webhookConfig(env, org.ID, rcv.URL, second, 2, "c", "active = false"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("active"), knownvalue.Bool(false)),
				},
				Check: func(s *terraform.State) error {
					w, err := env.Client.GetWebhook(t.Context(), org.ID, s.RootModule().Resources[addr].Primary.Attributes["id"])
					if err != nil || w.Active || w.URL != rcv.URL {
						return fmt.Errorf("the re-created webhook on the server: %+v, want it inactive (read: %w)", w, err)
					}
					return nil
				},
			},
		},
	})
}

// TestAccWebhook_dataSources reads a webhook one at a time and all of an organization's, without its
// secret.
func TestAccWebhook_dataSources(t *testing.T) {
	t.Parallel()
	env, rcv := webhookEnv(t)
	org := env.CreateOrganization(t, api.PlanTeam)
	off := false
	w, err := env.Client.CreateWebhook(t.Context(), org.ID, api.WebhookCreate{URL: rcv.URL, Events: []string{"member.*", "*"}, Active: &off, Secret: "data-source-secret-1"})
	if err != nil {
		t.Fatal(err)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.ProviderBlock() + fmt.Sprintf(`
data "orgs_webhook" "one" {
  organization_id = %[1]q
  id              = %[2]q
}
data "orgs_webhooks" "all" {
  organization_id = %[1]q
}
data "orgs_webhooks" "active" {
  organization_id = %[1]q
  status          = "active"
}
`, org.ID, w.ID),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.orgs_webhook.one", tfjsonpath.New("url"), knownvalue.StringExact(rcv.URL)),
				statecheck.ExpectKnownValue("data.orgs_webhook.one", tfjsonpath.New("active"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue("data.orgs_webhook.one", tfjsonpath.New("events"),
					knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("*"), knownvalue.StringExact("member.*")})),
				statecheck.ExpectKnownValue("data.orgs_webhooks.all", tfjsonpath.New("webhooks"), knownvalue.ListSizeExact(1)),
				statecheck.ExpectKnownValue("data.orgs_webhooks.all", tfjsonpath.New("webhooks").AtSliceIndex(0).AtMapKey("id"), knownvalue.StringExact(w.ID)),
				statecheck.ExpectKnownValue("data.orgs_webhooks.active", tfjsonpath.New("webhooks"), knownvalue.ListSizeExact(0)),
				expectInState("data-source-secret-1", false),
			},
		}},
	})
}

// TestAccWebhook_validation: bad arguments fail at plan time, naming the attribute; the server is
// never asked.
func TestAccWebhook_validation(t *testing.T) {
	t.Parallel()
	env, rcv := webhookEnv(t)
	org := env.CreateOrganization(t, api.PlanTeam)
	hook := func(lines ...string) string {
		body := ""
		for _, l := range lines {
			body += "  " + l + "\n"
		}
		return env.ProviderBlock() + fmt.Sprintf("resource \"orgs_webhook\" \"hook\" {\n  organization_id = %q\n%s}\n", org.ID, body)
	}
	url := fmt.Sprintf("url = %q", rcv.URL)
	secret := `secret_wo = "0123456789abcdef"`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: hook(url, `events = ["label.rename"]`, secret), PlanOnly: true, ExpectError: wrappedText(`"label.rename" is not an event name`)},
			{Config: hook(url, `events = ["robot.*"]`, secret), PlanOnly: true, ExpectError: wrappedText(`"robot" is not an object type with events`)},
			{Config: hook(url, `events = []`, secret), PlanOnly: true, ExpectError: regexp.MustCompile(`events`)},
			{Config: hook(`url = "hooks.example.com/x"`, `events = ["*"]`, secret), PlanOnly: true, ExpectError: wrappedText(`is not an absolute http or https URL`)},
			{Config: hook(`url = "https://u:p@hooks.example.com/x"`, `events = ["*"]`, secret), PlanOnly: true, ExpectError: wrappedText(`holds a user name or password`)},
			{Config: hook(url, `events = ["*"]`, `secret_wo = "short"`), PlanOnly: true, ExpectError: regexp.MustCompile(`secret_wo`)},
			{Config: hook(url, `events = ["*"]`), PlanOnly: true, ExpectError: wrappedText(`A new webhook needs the secret that signs its deliveries: set secret_wo`)},
			{Config: hook(url, `events = ["*"]`, `secret_wo_version = 1`), PlanOnly: true,
				ExpectError: wrappedText(`secret_wo_version is the version of secret_wo and applies only with it`)},
		},
	})
}

// TestAccWebhook_privateTargetRefused: without the server's flag, a webhook on loopback is refused
// with the server's message naming the URL and the flag.
func TestAccWebhook_privateTargetRefused(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanTeam)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.ProviderBlock() + fmt.Sprintf(`
resource "orgs_webhook" "hook" {
  organization_id = %q
  url             = "http://127.0.0.1:9/hook"
  events          = ["*"]
  secret_wo       = "0123456789abcdef"
}
`, org.ID),
			ExpectError: wrappedText(`the host 127.0.0.1 is a loopback address (127.0.0.1): the server delivers webhooks to public addresses only, unless it is started with -allow-private-webhook-targets`),
		}},
	})
}

// TestAccQuery_webhooks lists webhooks for terraform query, with their identities and state, and
// without their secrets.
func TestAccQuery_webhooks(t *testing.T) {
	acctest.RequireTerraform(t)
	t.Parallel()
	env, rcv := webhookEnv(t)
	org := env.CreateOrganization(t, api.PlanTeam)
	w, err := env.Client.CreateWebhook(t.Context(), org.ID, api.WebhookCreate{URL: rcv.URL, Events: []string{"label.*"}, Secret: "query-secret-0123456"})
	if err != nil {
		t.Fatal(err)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.RequireAbove(tfversion.Version1_14_0)},
		Steps: []resource.TestStep{
			{Config: env.ProviderBlock() + fmt.Sprintf("data \"orgs_organization\" \"o\" {\n  id = %q\n}\n", org.ID)},
			{
				Query: true,
				Config: fmt.Sprintf(`
list "orgs_webhook" "all" {
  provider         = orgs
  include_resource = true
  config {
    organization_id = %[1]q
  }
}
list "orgs_webhook" "inactive" {
  provider = orgs
  config {
    organization_id = %[1]q
    status          = "inactive"
  }
}
`, org.ID),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("orgs_webhook.all", 1),
					querycheck.ExpectIdentity("orgs_webhook.all", map[string]knownvalue.Check{
						"organization_id": knownvalue.StringExact(org.ID), "id": knownvalue.StringExact(w.ID),
					}),
					querycheck.ExpectLength("orgs_webhook.inactive", 0),
				},
			},
		},
	})
}
