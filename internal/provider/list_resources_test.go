package provider_test

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	fwprovider "github.com/hashicorp/terraform-plugin-framework/provider"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/provider"
)

// TestAccQuery_everyType runs `terraform query` (Terraform only: OpenTofu has no list resources) over an
// organization holding every kind of object in every state: each list resource finds them all, its
// filters keep the right ones, every result carries its identity and a display name, and
// include_resource returns the object as an import would hold it, without any secret.
func TestAccQuery_everyType(t *testing.T) {
	acctest.RequireTerraform(t)
	t.Parallel()
	e := acctest.NewEstate(t)
	org := e.Org.ID
	list := func(typ, name, config string, extra ...string) string {
		block := fmt.Sprintf("list %q %q {\n  provider = orgs\n", typ, name)
		for _, line := range extra {
			block += "  " + line + "\n"
		}
		return block + "  config {\n" + config + "  }\n}\n"
	}
	inOrg := fmt.Sprintf("    organization_id = %q\n", org)
	withFilter := func(name, value string) string { return inOrg + fmt.Sprintf("    %s = %q\n", name, value) }
	id := func(attrs map[string]string) map[string]knownvalue.Check {
		checks := map[string]knownvalue.Check{}
		for k, v := range attrs {
			checks[k] = knownvalue.StringExact(v)
		}
		return checks
	}
	values := func(pairs ...any) []querycheck.KnownValueCheck {
		var checks []querycheck.KnownValueCheck
		for i := 0; i+1 < len(pairs); i += 2 {
			name, ok := pairs[i].(string)
			check, okCheck := pairs[i+1].(knownvalue.Check)
			if !ok || !okCheck {
				t.Fatalf("values takes attribute names and checks in pairs, got %T, %T", pairs[i], pairs[i+1])
			}
			checks = append(checks, querycheck.KnownValueCheck{Path: tfjsonpath.New(name), KnownValue: check})
		}
		return checks
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.RequireAbove(tfversion.Version1_14_0)},
		Steps: []resource.TestStep{
			{
				// Query mode needs a configuration initialized first.
				Config: e.Env.ProviderBlock() + fmt.Sprintf("data \"orgs_organization\" \"o\" {\n  id = %q\n}\n", org),
			},
			{
				// The provider block comes from the configuration of the step before.
				Query: true,
				Config: list("orgs_organization", "all", "", "include_resource = true") +
					list("orgs_organization", "enterprise", "    plan = \"enterprise\"\n") +
					list("orgs_member", "all", inOrg) +
					list("orgs_member", "billers", withFilter("role", "biller"), "include_resource = true") +
					list("orgs_invitation", "all", inOrg) +
					list("orgs_invitation", "expired", withFilter("status", "expired"), "include_resource = true") +
					list("orgs_api_token", "all", inOrg) +
					list("orgs_api_token", "inactive", withFilter("status", "inactive"), "include_resource = true") +
					list("orgs_container_registry", "ecr", withFilter("kind", "ecr"), "include_resource = true") +
					list("orgs_label", "all", inOrg, "include_resource = true") +
					list("orgs_label", "two", inOrg, "limit = 2") +
					list("orgs_environment", "all", inOrg, "include_resource = true") +
					list("orgs_environment", "connected", withFilter("status", "connected")) +
					list("orgs_domain", "all", inOrg, "include_resource = true") +
					list("orgs_domain", "pending", withFilter("status", "pending"), "include_resource = true") +
					list("orgs_domain_verification", "all", inOrg, "include_resource = true") +
					list("orgs_team", "all", inOrg, "include_resource = true") +
					list("orgs_team", "admins", withFilter("role", "admin")) +
					list("orgs_team_member", "all", inOrg, "include_resource = true") +
					list("orgs_team_member", "maintainers", withFilter("role", "maintainer")) +
					list("orgs_team_members", "all", inOrg, "include_resource = true") +
					list("orgs_webhook", "all", inOrg, "include_resource = true") +
					list("orgs_webhook", "inactive", withFilter("status", "inactive"), "include_resource = true") +
					list("orgs_members", "all", inOrg, "include_resource = true"),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("orgs_organization.all", 1),
					querycheck.ExpectIdentity("orgs_organization.all", id(map[string]string{"id": org})),
					querycheck.ExpectResourceKnownValues("orgs_organization.all", queryfilter.ByResourceIdentity(id(map[string]string{"id": org})),
						values("name", knownvalue.StringExact(e.Org.Name), "plan", knownvalue.StringExact("team"))),
					querycheck.ExpectLength("orgs_organization.enterprise", 0),

					querycheck.ExpectLength("orgs_member.all", e.Count["orgs_member"]),
					querycheck.ExpectIdentity("orgs_member.all", id(map[string]string{"organization_id": org, "email": e.Env.OwnerEmail})),
					querycheck.ExpectLength("orgs_member.billers", 1),
					querycheck.ExpectResourceDisplayName("orgs_member.billers",
						queryfilter.ByResourceIdentity(id(map[string]string{"organization_id": org, "email": "cyd@example.com"})),
						knownvalue.StringExact("cyd@example.com (biller)")),
					querycheck.ExpectResourceKnownValues("orgs_member.billers",
						queryfilter.ByResourceIdentity(id(map[string]string{"organization_id": org, "email": "cyd@example.com"})),
						values("role", knownvalue.StringExact("biller"), "id", knownvalue.StringExact(org+"/cyd@example.com"))),

					querycheck.ExpectLength("orgs_invitation.all", e.Count["orgs_invitation"]),
					querycheck.ExpectLength("orgs_invitation.expired", 1),
					querycheck.ExpectResourceKnownValues("orgs_invitation.expired",
						queryfilter.ByResourceIdentity(id(map[string]string{"organization_id": org, "id": e.ExpiredInvitation})),
						values("status", knownvalue.StringExact("expired"), "resend_when_expired", knownvalue.Bool(false))),

					querycheck.ExpectLength("orgs_api_token.all", e.Count["orgs_api_token"]),
					querycheck.ExpectLength("orgs_api_token.inactive", 1),
					querycheck.ExpectResourceKnownValues("orgs_api_token.inactive",
						queryfilter.ByResourceIdentity(id(map[string]string{"organization_id": org, "id": e.InactiveToken})),
						values("active", knownvalue.Bool(false), "token", knownvalue.Null(), "name", knownvalue.StringExact("ada's script"))),

					querycheck.ExpectLength("orgs_container_registry.ecr", 1),
					querycheck.ExpectResourceDisplayName("orgs_container_registry.ecr", queryfilter.ByDisplayName(knownvalue.StringRegexp(regexp.MustCompile(`^ecr \(ecr, https://`))),
						knownvalue.StringRegexp(regexp.MustCompile(`^ecr `))),
					querycheck.ExpectResourceKnownValues("orgs_container_registry.ecr", queryfilter.ByDisplayName(knownvalue.StringRegexp(regexp.MustCompile(`^ecr `))),
						values("access_key_id", knownvalue.StringExact("AKIAESTATE"), "secret_access_key", knownvalue.Null(), "password", knownvalue.Null())),

					querycheck.ExpectLength("orgs_label.all", e.Count["orgs_label"]),
					querycheck.ExpectResourceKnownValues("orgs_label.all",
						queryfilter.ByResourceIdentity(id(map[string]string{"organization_id": org, "key": "example.com/team"})),
						values("value", knownvalue.StringExact("platform"), "id", knownvalue.StringExact(org+"/example.com/team"))),
					querycheck.ExpectResourceDisplayName("orgs_label.all",
						queryfilter.ByResourceIdentity(id(map[string]string{"organization_id": org, "key": "cost-center"})),
						knownvalue.StringExact("cost-center=42")),
					querycheck.ExpectLength("orgs_label.two", 2),

					querycheck.ExpectLength("orgs_environment.all", e.Count["orgs_environment"]),
					querycheck.ExpectResourceKnownValues("orgs_environment.all", queryfilter.ByDisplayName(knownvalue.StringExact("Default (default, disconnected)")),
						values("default", knownvalue.Bool(true), "slug", knownvalue.StringExact("default"), "organization_id", knownvalue.StringExact(org))),
					querycheck.ExpectLength("orgs_environment.connected", 0),

					querycheck.ExpectLength("orgs_domain.all", e.Count["orgs_domain"]),
					querycheck.ExpectResourceKnownValues("orgs_domain.all",
						queryfilter.ByResourceIdentity(id(map[string]string{"organization_id": org, "domain": "example.com"})),
						values("status", knownvalue.StringExact("verified"), "verified_at", knownvalue.NotNull(),
							"verification_record_name", knownvalue.StringExact("_orgs-verification.example.com"))),
					querycheck.ExpectLength("orgs_domain.pending", 1),
					querycheck.ExpectResourceDisplayName("orgs_domain.pending",
						queryfilter.ByResourceIdentity(id(map[string]string{"organization_id": org, "domain": "xn--bcher-kva.example"})),
						knownvalue.StringExact("xn--bcher-kva.example (pending)")),
					querycheck.ExpectResourceKnownValues("orgs_domain.pending",
						queryfilter.ByResourceIdentity(id(map[string]string{"organization_id": org, "domain": "xn--bcher-kva.example"})),
						values("status", knownvalue.StringExact("pending"), "verified_at", knownvalue.Null())),
					querycheck.ExpectLength("orgs_domain_verification.all", e.Count["orgs_domain_verification"]),
					querycheck.ExpectIdentity("orgs_domain_verification.all", id(map[string]string{"organization_id": org, "domain": "example.com"})),

					querycheck.ExpectLength("orgs_team.all", e.Count["orgs_team"]),
					querycheck.ExpectResourceKnownValues("orgs_team.all",
						queryfilter.ByResourceIdentity(id(map[string]string{"organization_id": org, "slug": "platform-admins"})),
						values("name", knownvalue.StringExact("Platform Admins"), "role", knownvalue.StringExact("admin"),
							// Keyed by slug, as orgs_member's are.
							"environment_roles", knownvalue.MapExact(map[string]knownvalue.Check{"default": knownvalue.StringExact("admin")}))),
					querycheck.ExpectResourceKnownValues("orgs_team.all",
						queryfilter.ByResourceIdentity(id(map[string]string{"organization_id": org, "slug": "readers-eu"})),
						values("role", knownvalue.Null(), "description", knownvalue.StringExact("Read-only, for now"))),
					querycheck.ExpectLength("orgs_team.admins", 1),
					querycheck.ExpectResourceDisplayName("orgs_team.admins",
						queryfilter.ByResourceIdentity(id(map[string]string{"organization_id": org, "slug": "platform-admins"})),
						knownvalue.StringExact("Platform Admins (platform-admins)")),
					querycheck.ExpectLength("orgs_team_member.all", e.Count["orgs_team_member"]),
					querycheck.ExpectResourceKnownValues("orgs_team_member.all",
						queryfilter.ByResourceIdentity(id(map[string]string{"organization_id": org, "team_slug": "platform-admins", "email": "cyd@example.com"})),
						values("role", knownvalue.StringExact("member"), "id", knownvalue.StringExact(org+"/platform-admins/cyd@example.com"))),
					querycheck.ExpectLength("orgs_team_members.all", e.Count["orgs_team"]),
					querycheck.ExpectResourceKnownValues("orgs_team_members.all",
						queryfilter.ByResourceIdentity(id(map[string]string{"organization_id": org, "team_slug": "platform-admins"})),
						values("members", knownvalue.MapExact(map[string]knownvalue.Check{
							"bea@example.com": knownvalue.StringExact("maintainer"), "cyd@example.com": knownvalue.StringExact("member"),
						}))),
					querycheck.ExpectResourceDisplayName("orgs_team_members.all",
						queryfilter.ByResourceIdentity(id(map[string]string{"organization_id": org, "team_slug": "readers-eu"})),
						knownvalue.StringExact("readers-eu (0 members)")),
					// The whole membership, one result for the organization, as an import holds it.
					querycheck.ExpectLength("orgs_members.all", 1),
					querycheck.ExpectIdentity("orgs_members.all", id(map[string]string{"organization_id": org})),
					querycheck.ExpectResourceDisplayName("orgs_members.all", queryfilter.ByResourceIdentity(id(map[string]string{"organization_id": org})),
						knownvalue.StringExact(fmt.Sprintf("%s (%d members)", org, e.Count["orgs_member"]))),
					querycheck.ExpectResourceKnownValues("orgs_members.all", queryfilter.ByResourceIdentity(id(map[string]string{"organization_id": org})),
						values("id", knownvalue.StringExact(org),
							"members", knownvalue.MapPartial(map[string]knownvalue.Check{
								"bea@example.com": knownvalue.StringExact("member"), "cyd@example.com": knownvalue.StringExact("biller"),
								"Invited.Person@Example.com": knownvalue.StringExact("member"),
							}),
							"statuses", knownvalue.MapPartial(map[string]knownvalue.Check{
								"Invited.Person@Example.com": knownvalue.StringExact("invited"), "pen@example.com": knownvalue.StringExact("pending"),
								"dec@example.com": knownvalue.StringExact("declined"), "exp@example.com": knownvalue.StringExact("expired"),
							}),
							// Keyed by slug, as orgs_member's are.
							"environment_roles", knownvalue.MapPartial(map[string]knownvalue.Check{
								"bea@example.com": knownvalue.MapExact(map[string]knownvalue.Check{"default": knownvalue.StringExact("run")}),
							}),
							"user_ids", knownvalue.MapPartial(map[string]knownvalue.Check{"bea@example.com": knownvalue.StringRegexp(regexp.MustCompile(`.`))}),
							// An expired membership is not offered again by bringing it under management.
							"resend_when_expired", knownvalue.Bool(false))),
					querycheck.ExpectLength("orgs_team_member.maintainers", 1),
					querycheck.ExpectIdentity("orgs_team_member.maintainers",
						id(map[string]string{"organization_id": org, "team_slug": "platform-admins", "email": "bea@example.com"})),

					querycheck.ExpectLength("orgs_webhook.all", e.Count["orgs_webhook"]),
					querycheck.ExpectResourceKnownValues("orgs_webhook.all", queryfilter.ByDisplayName(knownvalue.StringExact(e.Webhooks.URL+" (3 events)")),
						values("active", knownvalue.Bool(true), "events", knownvalue.SetExact([]knownvalue.Check{
							knownvalue.StringExact("label.update"), knownvalue.StringExact("member.*"), knownvalue.StringExact("team.create"),
						}), "secret_wo", knownvalue.Null(), "secret_wo_version", knownvalue.Null())),
					querycheck.ExpectLength("orgs_webhook.inactive", 1),
					querycheck.ExpectResourceKnownValues("orgs_webhook.inactive",
						queryfilter.ByResourceIdentity(id(map[string]string{"organization_id": org, "id": e.InactiveWebhook})),
						values("active", knownvalue.Bool(false), "url", knownvalue.StringExact(e.Webhooks.URL+"/paused"),
							"events", knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("*")}), "secret_wo", knownvalue.Null())),
				},
			},
		},
	})
}

// TestAccQuery_filterWithLimit: a list block with both a filter and a limit returns the first objects
// the filter keeps, as many as the limit: the limit counts what the filter keeps, not what the listing
// holds. Tokens are listed in the order they were made, and the ones the filter drops come first.
func TestAccQuery_filterWithLimit(t *testing.T) {
	acctest.RequireTerraform(t)
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanTeam)
	ids := map[string][]string{}
	for i, role := range []api.Role{api.RoleAdmin, api.RoleAdmin, api.RoleMember, api.RoleAdmin, api.RoleMember, api.RoleMember} {
		tok, err := env.Client.CreateAPIToken(t.Context(), org.ID, api.APITokenCreate{Name: fmt.Sprintf("token-%d", i), Role: role})
		if err != nil {
			t.Fatal(err)
		}
		ids[string(role)] = append(ids[string(role)], tok.ID)
	}
	list := func(name, role string, limit int) string {
		return fmt.Sprintf("list \"orgs_api_token\" %q {\n  provider = orgs\n  limit    = %d\n  config {\n    organization_id = %q\n    role            = %q\n  }\n}\n",
			name, limit, org.ID, role)
	}
	token := func(id string) map[string]knownvalue.Check {
		return map[string]knownvalue.Check{"organization_id": knownvalue.StringExact(org.ID), "id": knownvalue.StringExact(id)}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.RequireAbove(tfversion.Version1_14_0)},
		Steps: []resource.TestStep{
			{
				// Query mode needs a configuration initialized first.
				Config: env.ProviderBlock() + fmt.Sprintf("data \"orgs_organization\" \"o\" {\n  id = %q\n}\n", org.ID),
			},
			{
				Query:  true,
				Config: list("two_members", "member", 2) + list("admins", "admin", 5),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("orgs_api_token.two_members", 2),
					querycheck.ExpectIdentity("orgs_api_token.two_members", token(ids["member"][0])),
					querycheck.ExpectIdentity("orgs_api_token.two_members", token(ids["member"][1])),
					querycheck.ExpectNoIdentity("orgs_api_token.two_members", token(ids["member"][2])),
					// A limit above what the filter keeps returns all of it.
					querycheck.ExpectLength("orgs_api_token.admins", 3),
				},
			},
		},
	})
}

// TestAccQuery_generateConfigRoundTrip is the native way to bring an existing organization under
// Terraform: `terraform query -generate-config-out` over every list resource writes import blocks and
// configuration for everything the organization holds, in every state; that applies without any hand
// edit, and the next plan is empty. It runs the real Terraform with the provider as a plugin (this test
// binary; see init in api_token_resource_test.go).
func TestAccQuery_generateConfigRoundTrip(t *testing.T) {
	acctest.RequireTerraform(t)
	t.Parallel()
	e := acctest.NewEstate(t)
	cli := acctest.NewCLI(t, e.Env)
	// Every type the estate holds is listed; and every list resource of the provider must be among them,
	// so that a new type fails here until the estate holds one.
	estateTypes := slices.Sorted(maps.Keys(e.Count))
	for _, typ := range listResourceTypes(t) {
		if !slices.Contains(estateTypes, typ) && !slices.Contains(wholeListTypes, typ) {
			t.Errorf("the estate holds no %s: add one to acctest.NewEstate, so that its generated configuration is proven here", typ)
		}
	}
	var query strings.Builder
	for _, typ := range estateTypes {
		fmt.Fprintf(&query, "list %q \"all\" {\n  provider         = orgs\n  include_resource = true\n", typ)
		if typ != "orgs_organization" {
			fmt.Fprintf(&query, "  config {\n    organization_id = %q\n  }\n", e.Org.ID)
		}
		query.WriteString("}\n\n")
	}
	cli.WriteFile("all.tfquery.hcl", query.String())

	out := cli.MustRun("query", "-generate-config-out=generated.tf")
	generated, err := os.ReadFile(filepath.Join(cli.Dir, "generated.tf"))
	if err != nil {
		t.Fatalf("terraform query wrote no generated.tf: %v\n%s", err, out)
	}
	for _, secret := range e.Secrets {
		if strings.Contains(string(generated)+out, secret) {
			t.Errorf("generated.tf or the query's output holds a secret")
		}
	}
	imports := 0
	for _, n := range e.Count {
		imports += n
	}
	if got := strings.Count(string(generated), "import {"); got != imports {
		t.Fatalf("generated.tf has %d import blocks, want %d:\n%s", got, imports, generated)
	}
	for typ, n := range e.Count {
		if got := strings.Count(string(generated), fmt.Sprintf("resource %q ", typ)); got != n {
			t.Errorf("generated.tf holds %d %s, want %d", got, typ, n)
		}
	}

	out = cli.MustRun("apply", "-auto-approve")
	if want := fmt.Sprintf("Apply complete! Resources: %d imported, 0 added, 0 changed, 0 destroyed.", imports); !strings.Contains(out, want) {
		t.Fatalf("the apply does not say %q:\n%s", want, out)
	}
	cli.MustRun("plan", "-detailed-exitcode")
}

// wholeListTypes manage, as one resource, objects that other types manage one by one (a team's roster
// is its orgs_team_member objects, an organization's membership its orgs_member objects); a configuration holds one or the other, so the round trip lists the
// objects one by one.
var wholeListTypes = []string{"orgs_members", "orgs_team_members"}

// listResourceTypes are the type names of the provider's list resources.
func listResourceTypes(t *testing.T) []string {
	t.Helper()
	p, ok := provider.New("test")().(fwprovider.ProviderWithListResources)
	if !ok {
		t.Fatal("the provider has no list resources")
	}
	var types []string
	for _, newList := range p.ListResources(t.Context()) {
		var meta fwresource.MetadataResponse
		newList().Metadata(t.Context(), fwresource.MetadataRequest{ProviderTypeName: "orgs"}, &meta)
		types = append(types, meta.TypeName)
	}
	return types
}

// TestAccQuery_generateConfigMembers: `terraform query -generate-config-out` over orgs_members writes one
// import block and the configuration of the organization's whole membership, in every status (an
// address spelled in capitals, an expired membership not offered again); that applies without any
// hand edit, imports one resource, and the next plan is empty. orgs_members is kept out of
// TestAccQuery_generateConfigRoundTrip: it and orgs_member must not manage one organization together.
func TestAccQuery_generateConfigMembers(t *testing.T) {
	acctest.RequireTerraform(t)
	t.Parallel()
	e := acctest.NewEstate(t)
	cli := acctest.NewCLI(t, e.Env)
	cli.WriteFile("members.tfquery.hcl", fmt.Sprintf("list \"orgs_members\" \"all\" {\n  provider         = orgs\n  include_resource = true\n  config {\n    organization_id = %q\n  }\n}\n", e.Org.ID))
	out := cli.MustRun("query", "-generate-config-out=generated.tf")
	generated, err := os.ReadFile(filepath.Join(cli.Dir, "generated.tf"))
	if err != nil {
		t.Fatalf("terraform query wrote no generated.tf: %v\n%s", err, out)
	}
	if got := strings.Count(string(generated), "import {"); got != 1 {
		t.Fatalf("generated.tf has %d import blocks, want 1:\n%s", got, generated)
	}
	for _, want := range []string{`"Invited.Person@Example.com"`, `"dec@example.com"`, `"exp@example.com"`, `resend_when_expired = false`} {
		if !strings.Contains(string(generated), want) {
			t.Errorf("generated.tf does not hold %s:\n%s", want, generated)
		}
	}
	out = cli.MustRun("apply", "-auto-approve")
	if want := "Apply complete! Resources: 1 imported, 0 added, 0 changed, 0 destroyed."; !strings.Contains(out, want) {
		t.Fatalf("the apply does not say %q:\n%s", want, out)
	}
	cli.MustRun("plan", "-detailed-exitcode")
}
