package provider_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/servertest"
)

// domainVerificationBlock waits for orgs_domain.test; extra lines go into its body.
func domainVerificationBlock(extra ...string) string {
	return `
resource "orgs_domain_verification" "test" {
  organization_id = orgs_domain.test.organization_id
  domain          = orgs_domain.test.domain
  ` + strings.Join(extra, "\n  ") + `
}
`
}

// TestAccDomainVerification_lifecycle: the verification waits for the record published after the
// claim and ends with the domain verified; it imports; when another organization takes the domain, a
// refresh drops it and the plan waits again, which (the record being ours again) verifies the domain
// back.
func TestAccDomainVerification_lifecycle(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanTeam)
	const addr = "orgs_domain_verification.test"
	const domain = "example.com"
	var recordName, recordValue string

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		// Destroying the verification changes nothing; destroying the claim removes the domain.
		CheckDestroy: env.CheckDestroy("orgs_domain", domainGone),
		Steps: []resource.TestStep{
			{
				Config: domainConfig(env, org.ID, domain),
				Check: resource.ComposeTestCheckFunc(
					acctest.Capture("orgs_domain.test", "verification_record_name", &recordName),
					acctest.Capture("orgs_domain.test", "verification_record_value", &recordValue),
				),
			},
			{
				// The record is published (by a DNS resource, in a real configuration); the
				// verification finds it.
				PreConfig: func() { env.DNS.SetTXT(recordName, recordValue) },
				Config:    domainConfig(env, org.ID, domain, domainVerificationBlock()),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
					plancheck.ExpectResourceAction("orgs_domain.test", plancheck.ResourceActionNoop),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("verified_at"), rfc3339Value()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("domain"), knownvalue.StringExact(domain)),
					statecheck.CompareValuePairs(addr, tfjsonpath.New("id"), "orgs_domain.test", tfjsonpath.New("id"), compare.ValuesSame()),
					statecheck.ExpectIdentity(addr, map[string]knownvalue.Check{
						"organization_id": knownvalue.StringExact(org.ID),
						"domain":          knownvalue.StringExact(domain),
					}),
					expectDomainOnServer(env, org.ID, domain, api.DomainVerified),
				},
			},
			{
				// The claim's own state shows the verification at the next refresh, without a diff.
				Config: domainConfig(env, org.ID, domain, domainVerificationBlock()),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("orgs_domain.test", tfjsonpath.New("status"), knownvalue.StringExact("verified")),
				},
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateId:     org.ID + "/" + domain,
				ImportStateVerify: true,
			},
			{
				ResourceName:    addr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
			{
				// Another organization proves the domain, then the record is ours again: the refresh
				// finds the domain pending, so the plan verifies it again, and the apply takes it back.
				PreConfig: func() {
					ctx := t.Context()
					rival := env.CreateOrganization(t, api.PlanTeam)
					claim, err := env.Client.CreateDomain(ctx, rival.ID, api.DomainCreate{Domain: domain})
					if err != nil {
						t.Fatalf("the rival's claim: %v", err)
					}
					env.DNS.SetTXT(recordName, claim.VerificationRecordValue)
					if _, err := env.Client.VerifyDomain(ctx, rival.ID, domain); err != nil {
						t.Fatalf("the rival proves the domain: %v", err)
					}
					env.DNS.SetTXT(recordName, recordValue)
				},
				Config: domainConfig(env, org.ID, domain, domainVerificationBlock()),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
					plancheck.ExpectResourceAction("orgs_domain.test", plancheck.ResourceActionNoop),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectDomainOnServer(env, org.ID, domain, api.DomainVerified),
				},
			},
		},
	})
}

// TestAccDomainVerification_waitsForTheRecord: without the record, the verification gives up when its
// create timeout runs out, saying what the server found and what to do; with the record published
// while it waits (after a check that did not find it), it checks again and succeeds.
func TestAccDomainVerification_waitsForTheRecord(t *testing.T) {
	t.Parallel()
	var dns atomic.Pointer[servertest.DNS]
	var toPublish atomic.Pointer[api.Domain] // published once a verification is refused
	var refusedThenPublished atomic.Bool
	env := acctest.New(t, servertest.WithHandler(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := servertest.NewStatusRecorder(w)
			next.ServeHTTP(rec, r)
			if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/verify") && rec.Status == http.StatusConflict {
				if d := toPublish.Swap(nil); d != nil {
					dns.Load().SetTXT(d.VerificationRecordName, d.VerificationRecordValue)
					refusedThenPublished.Store(true)
				}
			}
		})
	}))
	dns.Store(env.DNS)
	org := env.CreateOrganization(t, api.PlanTeam)
	const domain = "example.com"
	const addr = "orgs_domain_verification.test"

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: domainConfig(env, org.ID, domain, domainVerificationBlock(`timeouts {
    create = "2s"
  }`)),
				ExpectError: regexp.MustCompile(`(?s)Domain not verified in time.*` +
					wrappedText(`was not verified before the create timeout of 2s (timeouts.create) ran out`).String() + `.*` +
					wrappedText(`no TXT record _orgs-verification.example.com holds`).String() + `.*` +
					wrappedText(`raise timeouts.create`).String()),
			},
			{
				PreConfig: func() {
					d, err := env.Client.GetDomain(t.Context(), org.ID, domain)
					if err != nil || d.Status != api.DomainPending {
						t.Fatalf("the claim left by the step before: %+v, %v; want it pending", d, err)
					}
					toPublish.Store(d)
				},
				Config: domainConfig(env, org.ID, domain, domainVerificationBlock()),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("verified_at"), rfc3339Value()),
					expectDomainOnServer(env, org.ID, domain, api.DomainVerified),
					serverCheck(func(context.Context, *tfjson.State) error {
						if !refusedThenPublished.Load() {
							return fmt.Errorf("the record was never published: the verification was not refused once before it succeeded")
						}
						return nil
					}),
				},
			},
		},
	})
}

// TestAccDomainVerification_unclaimed: verifying a domain the organization has not claimed fails
// with the server's words and says to claim it first.
func TestAccDomainVerification_unclaimed(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanTeam)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.ProviderBlock() + fmt.Sprintf(`
resource "orgs_domain_verification" "test" {
  organization_id = %q
  domain          = "example.com"
}
`, org.ID),
			ExpectError: wrappedText(`Claim the domain with orgs_domain first`),
		}},
	})
}
