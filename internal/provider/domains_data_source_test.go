package provider_test

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// domainValue is the expected object for a domain the server returned: every field.
func domainValue(d api.Domain) knownvalue.Check {
	var verifiedAt knownvalue.Check = knownvalue.Null()
	if d.VerifiedAt != nil {
		verifiedAt = rfc3339(*d.VerifiedAt)
	}
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"id":                        knownvalue.StringExact(d.ID),
		"domain":                    knownvalue.StringExact(d.Domain),
		"status":                    knownvalue.StringExact(string(d.Status)),
		"verification_record_name":  knownvalue.StringExact(d.VerificationRecordName),
		"verification_record_value": knownvalue.StringExact(d.VerificationRecordValue),
		"verified_at":               verifiedAt,
		"created_at":                rfc3339(d.CreatedAt),
	})
}

// TestAccDomainsDataSource reads an organization's domains, verified and pending, with every field;
// only those in one status; and none, as an empty list.
func TestAccDomainsDataSource(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	ctx := t.Context()
	org := env.CreateOrganization(t, api.PlanTeam)
	empty := env.CreateOrganization(t, api.PlanHobby)
	verified, err := env.Client.CreateDomain(ctx, org.ID, api.DomainCreate{Domain: "example.com"})
	if err != nil {
		t.Fatal(err)
	}
	env.DNS.SetTXT(verified.VerificationRecordName, verified.VerificationRecordValue)
	if _, err := env.Client.VerifyDomain(ctx, org.ID, verified.Domain); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Client.CreateDomain(ctx, org.ID, api.DomainCreate{Domain: "Bücher.Example"}); err != nil {
		t.Fatal(err)
	}
	domains, err := env.Client.ListDomains(ctx, org.ID)
	if err != nil || len(domains) != 2 {
		t.Fatalf("the organization's domains: %+v, %v", domains, err)
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.ProviderBlock() +
				dataBlock("orgs_domains", "all", orgArg(org.ID)) +
				dataBlock("orgs_domains", "pending", orgArg(org.ID), `status = "pending"`) +
				dataBlock("orgs_domains", "none", orgArg(empty.ID)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.orgs_domains.all", tfjsonpath.New("domains"), listOf(domains, domainValue)),
				statecheck.ExpectKnownValue("data.orgs_domains.all", tfjsonpath.New("domains").AtSliceIndex(0).AtMapKey("status"), knownvalue.StringExact("verified")),
				statecheck.ExpectKnownValue("data.orgs_domains.pending", tfjsonpath.New("domains"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectPartial(map[string]knownvalue.Check{
						"domain":      knownvalue.StringExact("xn--bcher-kva.example"),
						"verified_at": knownvalue.Null(),
					}),
				})),
				statecheck.ExpectKnownValue("data.orgs_domains.none", tfjsonpath.New("domains"), knownvalue.ListExact([]knownvalue.Check{})),
			},
		}},
	})
}
