package provider_test

import (
	"fmt"
	"net/http"
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
	run := func(args ...string) string {
		t.Helper()
		out, err := cli.Run(append(args, "-input=false", "-no-color")...)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return out
	}
	run("apply", "-auto-approve")

	before := env.RequestsTo("/activity")
	if out := run("plan"); !wrappedText("No changes.").MatchString(out) || wrappedText("outside Terraform").MatchString(out) {
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
	out := run("plan")
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

// TestAccDriftAttribution_members: orgs_members names each member changed outside Terraform on a line
// of its own, with who changed it and when: a role changed, a member with an account removed (the
// log names it by its user id, which the state keeps in user_ids), an address without an account
// added (named by its address). The refresh asks the log once for all of them, and a plan without
// drift not at all. A caller the log answers 403 gets the same lines without the who and when.
func TestAccDriftAttribution_members(t *testing.T) {
	t.Parallel()
	var now atomic.Int64
	now.Store(time.Date(2031, 3, 1, 9, 0, 0, 0, time.UTC).UnixNano())
	var forbidActivity atomic.Bool
	env := acctest.New(t, servertest.WithClock(func() time.Time { return time.Unix(0, now.Load()).UTC() }),
		servertest.WithHandler(func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if forbidActivity.Load() && strings.HasSuffix(r.URL.Path, "/activity") {
					w.Header().Set("Content-Type", "application/problem+json")
					w.WriteHeader(http.StatusForbidden)
					_, _ = w.Write([]byte(`{"type":"about:blank","title":"Forbidden","status":403,"detail":"may not read the activity log"}`))
					return
				}
				next.ServeHTTP(w, r)
			})
		}))
	ctx := t.Context()
	org := env.CreateOrganization(t, api.PlanTeam)
	owner := strings.ToLower(env.OwnerEmail)
	carol, carolToken := env.SignUp(t, "carol@example.com")
	if _, err := env.Client.AddMember(ctx, org.ID, api.MemberCreate{Email: carol.Email, Role: api.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	env.SignUp(t, "bob@example.com")
	env.SignUp(t, "dan@example.com")

	cli := acctest.NewCLI(t, env)
	cli.WriteFile("main.tf", fmt.Sprintf(`
resource "orgs_members" "all" {
  organization_id = %q
  members = {
    %q = "owner"
    "carol@example.com" = "admin"
    "bob@example.com"   = "admin"
    "dan@example.com"   = "member"
  }
}
`, org.ID, owner))
	run := func(args ...string) string {
		t.Helper()
		out, err := cli.Run(append(args, "-input=false", "-no-color")...)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return out
	}
	run("apply", "-auto-approve")
	before := env.RequestsTo("/activity")
	if out := run("plan"); !wrappedText("No changes.").MatchString(out) || wrappedText("outside Terraform").MatchString(out) {
		t.Fatalf("the plan after apply is not a quiet empty plan:\n%s", out)
	}
	if n := env.RequestsTo("/activity") - before; n != 0 {
		t.Fatalf("a plan without drift made %d activity requests, want none", n)
	}

	// Behind Terraform's back, at 10:02, carol (an admin) changes bob's role, removes dan and adds eve.
	now.Store(time.Date(2031, 3, 1, 10, 2, 0, 0, time.UTC).UnixNano())
	asCarol := env.NewClient(t, carolToken)
	member := api.RoleMember
	if _, err := asCarol.UpdateMember(ctx, org.ID, "bob@example.com", api.MemberUpdate{Role: &member}); err != nil {
		t.Fatal(err)
	}
	if err := asCarol.RemoveMember(ctx, org.ID, "dan@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := asCarol.AddMember(ctx, org.ID, api.MemberCreate{Email: "eve@example.com", Role: api.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	lines := []string{
		"bob@example.com: role admin -> member",
		"dan@example.com: removed (was member)",
		"eve@example.com: added as admin",
	}
	by := []string{
		", by carol@example.com at 2031-03-01T10:02:00Z (member.update)",
		", by carol@example.com at 2031-03-01T10:02:00Z (member.delete)",
		", by carol@example.com at 2031-03-01T10:02:00Z (member.create)",
	}
	before = env.RequestsTo("/activity")
	out := run("plan")
	if !wrappedText(fmt.Sprintf("A refresh found memberships of organization %s changed outside Terraform:", org.ID)).MatchString(out) {
		t.Errorf("the plan does not warn of the drift:\n%s", out)
	}
	for i, line := range lines {
		if !wrappedText(line + by[i]).MatchString(out) {
			t.Errorf("the plan does not say %q:\n%s", line+by[i], out)
		}
	}
	if n := env.RequestsTo("/activity") - before; n != 1 {
		t.Errorf("the plan that found three members drifted made %d activity requests, want 1", n)
	}

	// A caller the log refuses: the same lines, without who or when.
	forbidActivity.Store(true)
	out = run("plan")
	for _, line := range lines {
		if !wrappedText(line).MatchString(out) {
			t.Errorf("the plan without the log does not say %q:\n%s", line, out)
		}
	}
	if strings.Contains(out, "by carol@example.com") || strings.Contains(out, "could not be read") {
		t.Errorf("the plan without the log says who made the changes, or that it could not tell:\n%s", out)
	}
}
