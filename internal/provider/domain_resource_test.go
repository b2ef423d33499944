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

var (
	domainIDPattern          = regexp.MustCompile(`^dom_[a-z0-9]+$`)
	verificationValuePattern = regexp.MustCompile(`^orgs-domain-verification=\S+$`)
)

// domainConfig is one orgs_domain.test with the given extra blocks after it.
func domainConfig(env *acctest.Env, orgID, domain string, extra ...string) string {
	return env.ProviderBlock() + fmt.Sprintf(`
resource "orgs_domain" "test" {
  organization_id = %q
  domain          = %q
}
`, orgID, domain) + strings.Join(extra, "\n")
}

// TestAccDomain_lifecycle walks a claim's life: pending with its record; verified outside Terraform
// (as the server's own check does), which a refresh shows without a diff; imported by ID and by
// identity; spelled in Unicode and upper case without a change; updated in place only in its timeouts;
// removed behind Terraform's back and claimed again, keeping the configuration's spelling; replaced by
// another domain.
func TestAccDomain_lifecycle(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanTeam)
	const addr = "orgs_domain.test"
	const ascii = "xn--bcher-kva.example" // bücher.example
	var recordValue string

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             env.CheckDestroy("orgs_domain", domainGone),
		Steps: []resource.TestStep{
			{
				Config: domainConfig(env, org.ID, ascii),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringRegexp(domainIDPattern)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact("pending")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("verification_record_name"), knownvalue.StringExact("_orgs-verification."+ascii)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("verification_record_value"), knownvalue.StringRegexp(verificationValuePattern)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("verified_at"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("created_at"), rfc3339Value()),
					statecheck.ExpectIdentity(addr, map[string]knownvalue.Check{
						"organization_id": knownvalue.StringExact(org.ID),
						"domain":          knownvalue.StringExact(ascii),
					}),
					expectDomainOnServer(env, org.ID, ascii, api.DomainPending),
				},
				Check: acctest.Capture(addr, "verification_record_value", &recordValue),
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateId:     org.ID + "/" + ascii,
				ImportStateVerify: true,
			},
			{
				ResourceName:    addr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
			{
				// The record is published and the domain verified outside Terraform, as the server's own
				// check of pending domains does: the refresh shows it, and there is nothing to apply.
				PreConfig: func() {
					env.DNS.SetTXT("_orgs-verification."+ascii, recordValue)
					if _, err := env.Client.VerifyDomain(t.Context(), org.ID, ascii); err != nil {
						t.Fatalf("verify the domain outside Terraform: %v", err)
					}
				},
				Config: domainConfig(env, org.ID, ascii),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact("verified")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("verified_at"), rfc3339Value()),
				},
			},
			{
				// The same domain in its Unicode form and upper case: no change, and the state keeps its spelling.
				Config: domainConfig(env, org.ID, "BÜCHER.Example"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("domain"), knownvalue.StringExact(ascii)),
				},
			},
			{
				// Only the timeouts can change in place; nothing the server holds is planned.
				Config: env.ProviderBlock() + fmt.Sprintf(`
resource "orgs_domain" "test" {
  organization_id = %q
  domain          = %q

  timeouts {
    read = "2m"
  }
}
`, org.ID, ascii),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact("verified")),
					plancheck.ExpectKnownValue(addr, tfjsonpath.New("verification_record_value"), knownvalue.StringFunc(func(v string) error { return sameString(v, recordValue) })),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("timeouts").AtMapKey("read"), knownvalue.StringExact("2m")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact("verified")),
				},
			},
			{
				// Removed behind Terraform's back: claimed again, with a record value of its own; the
				// state keeps the configuration's spelling.
				PreConfig: func() {
					if err := env.Client.DeleteDomain(t.Context(), org.ID, ascii); err != nil {
						t.Fatalf("remove the domain behind Terraform's back: %v", err)
					}
				},
				Config: domainConfig(env, org.ID, "Bücher.Example"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("domain"), knownvalue.StringExact("Bücher.Example")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact("pending")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("verification_record_name"), knownvalue.StringExact("_orgs-verification."+ascii)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("verification_record_value"), knownvalue.StringFunc(func(v string) error {
						if v == recordValue || !verificationValuePattern.MatchString(v) {
							return fmt.Errorf("the new claim's record value %q, want a new one", v)
						}
						return nil
					})),
					statecheck.ExpectIdentity(addr, map[string]knownvalue.Check{
						"organization_id": knownvalue.StringExact(org.ID),
						"domain":          knownvalue.StringExact("Bücher.Example"),
					}),
					expectDomainOnServer(env, org.ID, ascii, api.DomainPending),
				},
			},
			{
				Config: domainConfig(env, org.ID, "example.com"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectDomainOnServer(env, org.ID, "example.com", api.DomainPending),
					serverCheck(func(ctx context.Context, _ *tfjson.State) error {
						return expectNotFound(env.Client.GetDomain(ctx, org.ID, ascii))
					}),
				},
			},
		},
	})
}

// TestAccDomain_recordInPlaceVerifiesAtCreate: when the record already holds the claim's value as the
// claim is made (here published the moment the server answers the claim), the create verifies the
// domain at once.
func TestAccDomain_recordInPlaceVerifiesAtCreate(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	env.PublishVerificationRecords()
	org := env.CreateOrganization(t, api.PlanTeam)
	const addr = "orgs_domain.test"

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             env.CheckDestroy("orgs_domain", domainGone),
		Steps: []resource.TestStep{{
			Config: domainConfig(env, org.ID, "example.com"),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact("verified")),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("verified_at"), rfc3339Value()),
				expectDomainOnServer(env, org.ID, "example.com", api.DomainVerified),
			},
		}},
	})
}

// TestAccDomain_validation refuses, at plan time and naming the attribute, what the server would refuse.
func TestAccDomain_validation(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanTeam)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      domainConfig(env, org.ID, "localhost"),
				PlanOnly:    true,
				ExpectError: wrappedText(`Attribute domain must be a domain name such as example.com (its Unicode form is accepted too): "localhost" is not a domain an address can be in (it has no dot).`),
			},
			{
				Config:      domainConfig(env, org.ID, "-bad-.example"),
				PlanOnly:    true,
				ExpectError: wrappedText(`Attribute domain must be a domain name such as example.com (its Unicode form is accepted too): "-bad-.example" is not a valid domain name`),
			},
			{
				Config:      domainConfig(env, org.ID, "alice@example.com"),
				PlanOnly:    true,
				ExpectError: wrappedText(`Attribute domain must be a domain name`),
			},
		},
	})
}

func expectDomainOnServer(env *acctest.Env, orgID, domain string, status api.DomainStatus) statecheck.StateCheck {
	return serverCheck(func(ctx context.Context, _ *tfjson.State) error {
		d, err := env.Client.GetDomain(ctx, orgID, domain)
		if err != nil {
			return fmt.Errorf("domain %s on the server: %w", domain, err)
		}
		if d.Status != status {
			return fmt.Errorf("domain %s on the server is %s, want %s", domain, d.Status, status)
		}
		return nil
	})
}

func domainGone(ctx context.Context, c *client.Client, attrs map[string]string) error {
	_, err := c.GetDomain(ctx, attrs["organization_id"], attrs["domain"])
	return err
}
