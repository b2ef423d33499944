package provider_test

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/servertest"
)

// TestAccDriftAttribution runs plans through the real CLI (refresh warnings reach the user in its
// output, which terraform-plugin-testing does not expose) against a server whose clock the test sets.
// A plan without drift makes no activity request. Then, behind Terraform's back, an admin changes a
// member's role, edits a label and revokes an API token, and an organization token deletes another
// label: the next plan warns about each object, naming who did it (the admin by address, the token
// by name and role) and when, and asks the activity log once for all of them.
func TestAccDriftAttribution(t *testing.T) {
	t.Parallel()
	var now atomic.Int64
	now.Store(time.Date(2031, 3, 1, 9, 0, 0, 0, time.UTC).UnixNano())
	env := acctest.New(t, servertest.WithClock(func() time.Time { return time.Unix(0, now.Load()).UTC() }))
	ctx := t.Context()
	org := env.CreateOrganization(t, api.PlanTeam)
	alice, _ := env.SignUp(t, "alice@example.com")
	bob, bobToken := env.SignUp(t, "bob@example.com")
	if _, err := env.Client.AddMember(ctx, org.ID, api.MemberCreate{Email: bob.Email, Role: api.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	bot, err := env.Client.CreateAPIToken(ctx, org.ID, api.APITokenCreate{Name: "ci-bot", Role: api.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}

	cli := acctest.NewCLI(t, env)
	cli.WriteFile("main.tf", fmt.Sprintf(`
resource "orgs_member" "alice" {
  organization_id = %[1]q
  email           = %[2]q
  role            = "admin"
}

resource "orgs_label" "team" {
  organization_id = %[1]q
  key             = "team"
  value           = "platform"
}

resource "orgs_label" "cost_center" {
  organization_id = %[1]q
  key             = "cost-center"
  value           = "cc-42"
}

resource "orgs_api_token" "deploy" {
  organization_id = %[1]q
  name            = "deploy"
  role            = "member"
}
`, org.ID, alice.Email))
	cli.MustRun("apply", "-auto-approve")

	before := env.RequestsTo("/activity")
	if out := cli.MustRun("plan"); !wrappedText("No changes.").MatchString(out) || wrappedText("outside Terraform").MatchString(out) {
		t.Fatalf("the plan after apply is not a quiet empty plan:\n%s", out)
	}
	if n := env.RequestsTo("/activity") - before; n != 0 {
		t.Fatalf("a plan without drift made %d activity requests, want none", n)
	}

	// Behind Terraform's back, at 10:02.
	now.Store(time.Date(2031, 3, 1, 10, 2, 0, 0, time.UTC).UnixNano())
	asBob, asBot := env.NewClient(t, bobToken), env.NewClient(t, bot.Token)
	member := api.RoleMember
	if _, err := asBob.UpdateMember(ctx, org.ID, alice.Email, api.MemberUpdate{Role: &member}); err != nil {
		t.Fatal(err)
	}
	infra := "infra"
	if _, err := asBob.UpdateLabel(ctx, org.ID, "team", api.LabelUpdate{Value: &infra}); err != nil {
		t.Fatal(err)
	}
	tokens, err := env.Client.ListAPITokens(ctx, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range tokens {
		if tok.Name == "deploy" {
			if err := asBob.DeleteAPIToken(ctx, org.ID, tok.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	now.Store(time.Date(2031, 3, 1, 10, 5, 0, 0, time.UTC).UnixNano())
	if err := asBot.DeleteLabel(ctx, org.ID, "cost-center"); err != nil {
		t.Fatal(err)
	}

	before = env.RequestsTo("/activity")
	out := cli.MustRun("plan")
	for _, want := range []string{
		fmt.Sprintf(`member alice@example.com of organization %s: role changed from "admin" to "member" outside Terraform by bob@example.com at 2031-03-01T10:02:00Z (member.update).`, org.ID),
		fmt.Sprintf(`label "team" of organization %s: value changed from "platform" to "infra" outside Terraform by bob@example.com at 2031-03-01T10:02:00Z (label.update).`, org.ID),
		`was deleted outside Terraform by bob@example.com at 2031-03-01T10:02:00Z (api_token.delete).`,
		fmt.Sprintf(`label "cost-center" of organization %s: was deleted outside Terraform by API token "ci-bot" (role admin) at 2031-03-01T10:05:00Z (label.delete).`, org.ID),
		"Plan: 2 to add, 2 to change, 0 to destroy.",
	} {
		if !wrappedText(want).MatchString(out) {
			t.Errorf("the plan does not say %q:\n%s", want, out)
		}
	}
	if n := env.RequestsTo("/activity") - before; n != 1 {
		t.Errorf("the plan that found four objects drifted in one organization made %d activity requests, want 1", n)
	}
}

// TestAccDriftAttribution_deletedWithItsOrganization: an object whose organization was deleted outside
// Terraform is reported as deleted with its organization, not as deleted by itself, and the plan
// creates it again.
func TestAccDriftAttribution_deletedWithItsOrganization(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanTeam)
	cli := acctest.NewCLI(t, env)
	cli.WriteFile("main.tf", fmt.Sprintf(`
resource "orgs_label" "team" {
  organization_id = %q
  key             = "team"
  value           = "platform"
}
`, org.ID))
	cli.MustRun("apply", "-auto-approve")
	if err := env.Client.DeleteOrganization(t.Context(), org.ID); err != nil {
		t.Fatalf("delete the organization behind Terraform's back: %v", err)
	}
	out := cli.MustRun("plan")
	if !wrappedText(fmt.Sprintf(`label "team" of organization %s: was deleted with its organization outside Terraform`, org.ID)).MatchString(out) {
		t.Errorf("the plan does not say the label went with its organization:\n%s", out)
	}
}

// TestAccDriftAttribution_statusMovesAreNotDrift: a refresh that finds only what the server moves by
// itself changed (a domain verified: its status and verified_at) updates the state and warns of nothing:
// nothing configured changed.
func TestAccDriftAttribution_statusMovesAreNotDrift(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanTeam)
	cli := acctest.NewCLI(t, env)
	cli.WriteFile("main.tf", fmt.Sprintf(`
resource "orgs_domain" "corp" {
  organization_id = %q
  domain          = "corp.example"
}
`, org.ID))
	cli.MustRun("apply", "-auto-approve")
	d, err := env.Client.GetDomain(t.Context(), org.ID, "corp.example")
	if err != nil || d.Status != api.DomainPending {
		t.Fatalf("the claimed domain: %+v, %v; want it pending", d, err)
	}
	env.DNS.SetTXT(d.VerificationRecordName, d.VerificationRecordValue)
	if d, err := env.Client.VerifyDomain(t.Context(), org.ID, "corp.example"); err != nil || d.Status != api.DomainVerified {
		t.Fatalf("verify the domain outside Terraform: %+v, %v", d, err)
	}
	out := cli.MustRun("plan")
	if strings.Contains(out, "changed outside Terraform") || !strings.Contains(out, "No changes.") {
		t.Errorf("a refresh that found the domain verified warns of drift or plans a change:\n%s", out)
	}
}
