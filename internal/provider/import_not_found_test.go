package provider_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// importTargetsConfig is one resource of every type, for import steps only: none is ever applied.
func importTargetsConfig(env *acctest.Env, orgID string) string {
	return env.ProviderBlock() + fmt.Sprintf(`
resource "orgs_organization" "o" {
  name                 = "imported"
  admin_contact_emails = ["ops@example.com"]
}

resource "orgs_member" "m" {
  organization_id = %[1]q
  email           = "someone@example.com"
  role            = "member"
}

resource "orgs_invitation" "i" {
  organization_id = %[1]q
  email           = "someone@example.com"
  role            = "member"
}

resource "orgs_api_token" "t" {
  organization_id = %[1]q
  name            = "ci-deploy"
  role            = "member"
}

resource "orgs_container_registry" "r" {
  organization_id = %[1]q
  name            = "ghcr"
  kind            = "github"
  url             = "https://ghcr.io"
  username        = "bot"
}

resource "orgs_label" "l" {
  organization_id = %[1]q
  key             = "team"
}

resource "orgs_environment" "e" {
  organization_id = %[1]q
  name            = "Staging EU"
}
`, orgID)
}

// TestAccImport_notFound: importing what does not exist says what is missing (the organization, or
// the object in it), which import IDs work, and, where the ID names something in another way (an API
// token by its name, a member who is only invited), what to import instead; never the CLI's generic
// "Cannot import non-existent remote object".
func TestAccImport_notFound(t *testing.T) {
	t.Parallel()
	env := acctest.New(t, acctest.WithPendingMemberships())
	ctx := t.Context()
	org := env.CreateOrganization(t, api.PlanTeam)
	token, err := env.Client.CreateAPIToken(ctx, org.ID, api.APITokenCreate{Name: "ci-deploy", Role: api.RoleMember})
	if err != nil {
		t.Fatal(err)
	}
	reg, err := env.Client.CreateContainerRegistry(ctx, org.ID, api.ContainerRegistryCreate{
		Name: "ghcr", Kind: api.RegistryGitHub, URL: "https://ghcr.io", Username: "bot", Password: "secret",
	})
	if err != nil {
		t.Fatal(err)
	}
	staging, err := env.Client.CreateEnvironment(ctx, org.ID, api.EnvironmentCreate{Name: "Staging EU"})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := env.Client.CreateInvitation(ctx, org.ID, api.InvitationCreate{Email: "carol@example.com", Role: api.RoleMember})
	if err != nil {
		t.Fatal(err)
	}
	deleted := env.CreateOrganization(t, api.PlanHobby)
	if err := env.Client.DeleteOrganization(ctx, deleted.ID); err != nil {
		t.Fatal(err)
	}

	config := importTargetsConfig(env, org.ID)
	step := func(addr, id string, want ...string) resource.TestStep {
		parts := make([]string, len(want))
		for i, w := range want {
			parts[i] = wrappedText(w).String()
		}
		return resource.TestStep{
			Config:        config,
			ResourceName:  addr,
			ImportState:   true,
			ImportStateId: id,
			ExpectError:   regexp.MustCompile(`(?s)` + strings.Join(parts, ".*")),
		}
	}
	sub := func(id string) string { return org.ID + "/" + id }

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			step("orgs_organization.o", org.Name,
				"Cannot import organization "+org.Name,
				fmt.Sprintf("No organization %q is visible to the credential in use", org.Name),
				"An organization imports by its id (it starts with org_), not by its name.",
				fmt.Sprintf("Organization %q has id %s: import it with that id.", org.Name, org.ID)),
			step("orgs_organization.o", deleted.ID,
				"Cannot import organization "+deleted.ID,
				fmt.Sprintf("Organization %s was deleted, with everything it held: there is nothing to import.", deleted.ID)),
			step("orgs_member.m", sub("nobody@example.com"),
				fmt.Sprintf("Cannot import member nobody@example.com of organization %s", org.ID),
				fmt.Sprintf("Organization %s has no member nobody@example.com.", org.ID),
				"A member imports by `<organization_id>/<email>`."),
			step("orgs_member.m", sub("carol@example.com"),
				fmt.Sprintf("Organization %s has no member carol@example.com.", org.ID),
				fmt.Sprintf("carol@example.com is invited (invitation %s, pending) and has not accepted yet: until then, import it as an orgs_invitation, with id %q.", inv.ID, sub(inv.ID))),
			step("orgs_member.m", "org_doesnotexist/someone@example.com",
				"Cannot import member someone@example.com of organization org_doesnotexist",
				`No organization "org_doesnotexist" is visible to the credential in use: it does not exist, or the credential's user is not one of its members.`,
				"A member imports by `<organization_id>/<email>`."),
			step("orgs_api_token.t", sub("ci-deploy"),
				fmt.Sprintf("Cannot import API token ci-deploy of organization %s", org.ID),
				fmt.Sprintf(`Organization %s has no API token with id "ci-deploy".`, org.ID),
				"An API token imports by `<organization_id>/<token_id>` (the id starts with tok_), not by its name.",
				fmt.Sprintf(`The API token named "ci-deploy" has id %s: import it with id %q.`, token.ID, sub(token.ID))),
			step("orgs_container_registry.r", sub("ghcr"),
				fmt.Sprintf(`Organization %s has no container registry with id "ghcr".`, org.ID),
				fmt.Sprintf(`The container registry named "ghcr" has id %s: import it with id %q.`, reg.ID, sub(reg.ID))),
			step("orgs_environment.e", sub("staging-eu"),
				fmt.Sprintf(`Organization %s has no environment with id "staging-eu".`, org.ID),
				"not by its name or slug",
				fmt.Sprintf(`The environment with slug "staging-eu" has id %s: import it with id %q.`, staging.ID, sub(staging.ID))),
			step("orgs_invitation.i", sub("Carol@Example.com"),
				fmt.Sprintf(`Organization %s has no invitation with id "Carol@Example.com".`, org.ID),
				fmt.Sprintf(`The invitation to "Carol@Example.com" has id %s: import it with id %q.`, inv.ID, sub(inv.ID))),
			step("orgs_label.l", sub("team"),
				fmt.Sprintf(`Cannot import label "team" of organization %s`, org.ID),
				fmt.Sprintf(`Organization %s has no label "team".`, org.ID),
				"A label imports by `<organization_id>/<key>`."),
		},
	})
}

// TestAccErrorSummary_namesObjectAndOrganization: a read the server refuses is reported under a summary
// that names the object and its organization, not "the object with id ...".
func TestAccErrorSummary_namesObjectAndOrganization(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanTeam)
	// A biller may read usage, not labels.
	_, billerToken := env.SignUp(t, "biller@example.com")
	if _, err := env.Client.AddMember(t.Context(), org.ID, api.MemberCreate{Email: "biller@example.com", Role: api.RoleBiller}); err != nil {
		t.Fatal(err)
	}
	label := func(token string) string {
		return env.ProviderBlockWithToken(token) + fmt.Sprintf(`
resource "orgs_label" "l" {
  organization_id = %q
  key             = "team"
  value           = "platform"
}
`, org.ID)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: label(env.Token)},
			{
				Config:      label(billerToken),
				ExpectError: wrappedText(fmt.Sprintf(`Error: Failed to read label "team" of organization %s`, org.ID)),
			},
			{Config: label(env.Token)},
		},
	})
}
