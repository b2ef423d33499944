package provider_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// Losing access must never look like deletion (issue 8 item 7). These tests run the real CLI, with the
// provider as a plugin process, as users do: a credential that can no longer see an organization makes
// the plan fail and leaves the state file as it was; only a real deletion plans re-creation.

// lostAccessConfig is an organization holding a member (the environment's owner, so that they can act
// on it behind Terraform's back) and three labels: three reads of one kind, so the refresh goes through
// the shared listing as well as single GETs.
func lostAccessConfig(name, contact, ownerEmail string) string {
	return fmt.Sprintf(`
resource "orgs_organization" "o" {
  name                 = %q
  admin_contact_emails = [%q]
  plan                 = "team"
}

resource "orgs_member" "owner" {
  organization_id = orgs_organization.o.id
  email           = %q
  role            = "owner"
}

resource "orgs_label" "l" {
  for_each        = toset(["a", "b", "c"])
  organization_id = orgs_organization.o.id
  key             = each.key
  value           = "v"
}
`, name, contact, ownerEmail)
}

// lostAccessCLI signs up a user and prepares a CLI working directory that acts as them (ORGS_TOKEN) and
// manages lostAccessConfig; it applies it and returns the CLI, the user's address and the
// organization's id.
func lostAccessCLI(t *testing.T, env *acctest.Env) (cli *acctest.CLI, userEmail, orgID string, run func(args ...string) string) {
	t.Helper()
	userEmail = "user@example.com"
	_, token := env.SignUp(t, userEmail)
	cli = acctest.NewCLI(t, env, "ORGS_TOKEN="+token)
	cli.WriteFile("main.tf", lostAccessConfig("lost-access", userEmail, env.OwnerEmail))
	run = func(args ...string) string {
		t.Helper()
		out, err := cli.Run(append(args, "-input=false", "-no-color")...)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return out
	}
	run("apply", "-auto-approve")
	orgs, err := env.NewClient(t, token).ListOrganizations(t.Context())
	if err != nil || len(orgs) != 1 {
		t.Fatalf("the user's organizations after apply: %+v, %v; want the one applied", orgs, err)
	}
	return cli, userEmail, orgs[0].ID, run
}

func readState(t *testing.T, cli *acctest.CLI) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(cli.Dir, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// expectFailsKeepingState runs a command that must fail saying each of wants, and checks that the state
// file is byte for byte what it was.
func expectFailsKeepingState(t *testing.T, cli *acctest.CLI, wants []string, args ...string) {
	t.Helper()
	before := readState(t, cli)
	out, err := cli.Run(append(args, "-input=false", "-no-color")...)
	if err == nil {
		t.Fatalf("%s %s succeeded, want it to fail:\n%s", cli.Name, strings.Join(args, " "), out)
	}
	for _, want := range wants {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
			t.Errorf("%s %s does not say %q:\n%s", cli.Name, strings.Join(args, " "), want, out)
		}
	}
	if strings.Contains(out, "will be created") || strings.Contains(out, "has been deleted") {
		t.Errorf("%s %s takes losing access for a deletion:\n%s", cli.Name, strings.Join(args, " "), out)
	}
	if after := readState(t, cli); !bytes.Equal(before, after) {
		t.Errorf("%s %s changed the state:\nbefore %s\nafter %s", cli.Name, strings.Join(args, " "), before, after)
	}
}

// TestAccLostAccess_planFailsAndKeepsState: a user applies an organization with a member and labels,
// then another owner removes the user from the organization. With the user's credential, the plan and
// a refresh-only apply fail, saying that the credential cannot see the organization, and the state file
// is unchanged. With a credential that can see it (its owner's), the same state plans no change.
func TestAccLostAccess_planFailsAndKeepsState(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	cli, userEmail, orgID, _ := lostAccessCLI(t, env)

	if err := env.Client.RemoveMember(t.Context(), orgID, userEmail); err != nil {
		t.Fatalf("remove the user from the organization behind Terraform's back: %v", err)
	}
	wants := []string{
		"Error: Cannot see organization " + orgID,
		fmt.Sprintf("The credential in use cannot see organization %q", orgID),
		"the state was left unchanged",
		"ORGS_TOKEN",
	}
	expectFailsKeepingState(t, cli, wants, "plan")
	expectFailsKeepingState(t, cli, wants, "apply", "-refresh-only", "-auto-approve")

	// The state was kept whole: with the owner's credential it matches the server exactly.
	cli.WriteFile("providers.tf", strings.Replace(readFile(t, filepath.Join(cli.Dir, "providers.tf")),
		`provider "orgs" {}`, fmt.Sprintf("provider \"orgs\" {\n  token = %q\n}", env.Token), 1))
	out, err := cli.Run("plan", "-input=false", "-no-color", "-detailed-exitcode")
	if err != nil || !strings.Contains(out, "No changes.") {
		t.Fatalf("plan with the owner's credential: %v, want no changes:\n%s", err, out)
	}
}

// TestAccLostAccess_objectsOfAnOrganizationManagedElsewhere: the configuration holds only objects of
// an organization (three labels, read through the shared listing, and a member), not the organization
// itself. After the user is removed from the organization, every one of them fails the plan with the
// same error, none is taken for deleted, and the state file is unchanged.
func TestAccLostAccess_objectsOfAnOrganizationManagedElsewhere(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanTeam)
	const userEmail, otherEmail = "user@example.com", "other@example.com"
	_, token := env.SignUp(t, userEmail)
	env.SignUp(t, otherEmail)
	if _, err := env.Client.AddMember(t.Context(), org.ID, api.MemberCreate{Email: userEmail, Role: api.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	cli := acctest.NewCLI(t, env, "ORGS_TOKEN="+token)
	cli.WriteFile("main.tf", fmt.Sprintf(`
resource "orgs_label" "l" {
  for_each        = toset(["a", "b", "c"])
  organization_id = %[1]q
  key             = each.key
  value           = "v"
}

resource "orgs_member" "other" {
  organization_id = %[1]q
  email           = %[2]q
  role            = "member"
}
`, org.ID, otherEmail))
	cli.MustRun("apply", "-auto-approve")
	if err := env.Client.RemoveMember(t.Context(), org.ID, userEmail); err != nil {
		t.Fatal(err)
	}
	before := readState(t, cli)
	out, err := cli.Run("plan", "-input=false", "-no-color")
	if err == nil {
		t.Fatalf("the plan succeeded, want it to fail:\n%s", out)
	}
	if n := strings.Count(out, "Error: Cannot see organization "+org.ID); n != 4 {
		t.Errorf("%d errors say the credential cannot see the organization, want one for each of the 4 objects:\n%s", n, out)
	}
	if strings.Contains(out, "will be created") {
		t.Errorf("the plan takes losing access for a deletion:\n%s", out)
	}
	if after := readState(t, cli); !bytes.Equal(before, after) {
		t.Errorf("the plan changed the state:\nbefore %s\nafter %s", before, after)
	}
}

// TestAccLostAccess_deletedOrganizationPlansRecreation: a user applies an organization with a member
// and labels, then another owner deletes the organization. With the user's credential (a member when
// it was deleted), the plan shows the organization and everything in it for creation, and an apply
// re-creates them.
func TestAccLostAccess_deletedOrganizationPlansRecreation(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	_, _, orgID, run := lostAccessCLI(t, env)

	if err := env.Client.DeleteOrganization(t.Context(), orgID); err != nil {
		t.Fatalf("delete the organization behind Terraform's back: %v", err)
	}
	out := run("plan")
	for _, want := range []string{
		"orgs_organization.o will be created",
		"orgs_member.owner will be created",
		`orgs_label.l["a"] will be created`,
		`orgs_label.l["b"] will be created`,
		`orgs_label.l["c"] will be created`,
		"Plan: 5 to add, 0 to change, 0 to destroy.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the plan after the organization was deleted does not say %q:\n%s", want, out)
		}
	}
	run("apply", "-auto-approve")
	if out := run("plan", "-detailed-exitcode"); !strings.Contains(out, "No changes.") {
		t.Errorf("the plan after re-creating is not empty:\n%s", out)
	}
}

// TestAccLostAccess_organizationTokenOfDeletedOrganization: an organization API token is deleted with
// its organization, so the server cannot tell its holder anything about the organization (401). The plan
// fails saying so, and the state is unchanged: the token could not re-create an organization anyway.
func TestAccLostAccess_organizationTokenOfDeletedOrganization(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanTeam)
	tok, err := env.Client.CreateAPIToken(t.Context(), org.ID, api.APITokenCreate{Name: "ci", Role: api.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	cli := acctest.NewCLI(t, env, "ORGS_TOKEN="+tok.Token)
	cli.WriteFile("main.tf", fmt.Sprintf(`
resource "orgs_label" "l" {
  for_each        = toset(["a", "b", "c"])
  organization_id = %q
  key             = each.key
  value           = "v"
}
`, org.ID))
	cli.MustRun("apply", "-auto-approve")
	if err := env.Client.DeleteOrganization(t.Context(), org.ID); err != nil {
		t.Fatal(err)
	}
	expectFailsKeepingState(t, cli, []string{"HTTP 401", "when its organization is deleted", "removed nothing from the state"}, "plan")
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
