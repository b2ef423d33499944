package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/servertest"
)

func init() { acctest.ServeProviderIfAsked() }

// fixture is an organization holding one or more of everything, with the import blocks it must give.
type fixture struct {
	env  *acctest.Env
	org  api.Organization
	want map[string]string // "type id" to the resource name the file must give it
	// secrets must appear nowhere in what the program writes.
	secrets    []string
	registries int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	var mu sync.Mutex
	codes := map[string]string{}
	receiver := servertest.StartWebhookReceiver(t)
	env := acctest.New(t, servertest.WithPrivateWebhookTargets(), servertest.WithInvitationHook(func(e api.InvitationEmail) {
		mu.Lock()
		defer mu.Unlock()
		codes[e.To] = e.Code
	}))
	ctx := t.Context()
	c := env.Client
	org := env.CreateOrganization(t, api.PlanTeam)
	f := &fixture{env: env, org: org, want: map[string]string{}}
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	sub := func(id string) string { return org.ID + "/" + id }

	f.want[typeOrganization+" "+org.ID] = identifier(org.Name, "organization")
	f.want[typeMember+" "+sub(env.OwnerEmail)] = "owner_example_com"
	// Two emails that give the same name: the one first by import id keeps it.
	for email, name := range map[string]string{"a.b@example.com": "a_b_example_com", "a_b@example.com": "a_b_example_com_2"} {
		env.SignUp(t, email)
		_, err := c.AddMember(ctx, org.ID, api.MemberCreate{Email: email, Role: api.RoleMember})
		must("add member", err)
		f.want[typeMember+" "+sub(email)] = name
	}
	// An accepted invitation is a member, not an invitation to import.
	_, err := c.CreateInvitation(ctx, org.ID, api.InvitationCreate{Email: "carol@example.com", Role: api.RoleAdmin})
	must("invite carol", err)
	mu.Lock()
	code := codes["carol@example.com"]
	mu.Unlock()
	_, err = c.AcceptInvitation(ctx, api.InvitationAccept{Code: code})
	must("accept carol's invitation", err)
	f.want[typeMember+" "+sub("carol@example.com")] = "carol_example_com"
	inv, err := c.CreateInvitation(ctx, org.ID, api.InvitationCreate{Email: "Dave@Example.com", Role: api.RoleMember})
	must("invite dave", err)
	f.want[typeInvitation+" "+sub(inv.ID)] = "dave_example_com"

	tok, err := c.CreateAPIToken(ctx, org.ID, api.APITokenCreate{Name: "CI deploy", Role: api.RoleAdmin})
	must("create token", err)
	f.secrets = []string{env.Token, tok.Token, "registry-secret"}
	f.want[typeAPIToken+" "+sub(tok.ID)] = "ci_deploy"

	reg, err := c.CreateContainerRegistry(ctx, org.ID, api.ContainerRegistryCreate{
		Name: "ghcr", Kind: api.RegistryGitHub, URL: "https://ghcr.io", Username: "bot", Password: "registry-secret",
	})
	must("create registry", err)
	f.registries = 1
	f.want[typeRegistry+" "+sub(reg.ID)] = "ghcr"

	for key, name := range map[string]string{
		"example.com/team": "example_com_team",
		"example.com/a-b":  "example_com_a_b",   // first by import id
		"example.com/a_b":  "example_com_a_b_2", // same name as the one above
		"9lives":           "label_9lives",      // a name cannot start with a digit
	} {
		_, err := c.CreateLabel(ctx, org.ID, api.LabelCreate{Key: key, Value: "v"})
		must("create label "+key, err)
		f.want[typeLabel+" "+sub(key)] = name
	}

	// The default environment, and one more.
	envs, err := c.ListEnvironments(ctx, org.ID)
	must("list environments", err)
	if len(envs) != 1 || !envs[0].Default || envs[0].Slug != "default" {
		t.Fatalf("a new organization should have one default environment with slug default: %+v", envs)
	}
	f.want[typeEnvironment+" "+sub(envs[0].ID)] = "default"
	staging, err := c.CreateEnvironment(ctx, org.ID, api.EnvironmentCreate{Name: "Staging EU"})
	must("create environment", err)
	f.want[typeEnvironment+" "+sub(staging.ID)] = "staging_eu"

	// A verified domain is imported as its claim and as its verification; a pending one as its claim,
	// by the ASCII form the API holds.
	verified, err := c.CreateDomain(ctx, org.ID, api.DomainCreate{Domain: "example.com"})
	must("claim example.com", err)
	env.DNS.SetTXT(verified.VerificationRecordName, verified.VerificationRecordValue)
	_, err = c.VerifyDomain(ctx, org.ID, verified.Domain)
	must("verify example.com", err)
	f.want[typeDomain+" "+sub("example.com")] = "example_com"
	f.want[typeVerification+" "+sub("example.com")] = "example_com"
	_, err = c.CreateDomain(ctx, org.ID, api.DomainCreate{Domain: "Bücher.Example"})
	must("claim bücher.example", err)
	f.want[typeDomain+" "+sub("xn--bcher-kva.example")] = "xn__bcher_kva_example"

	// A team that grants admin, with a maintainer and a member (active members of the organization);
	// each membership is imported as an orgs_team_member named by the team's slug and the email.
	team, err := c.CreateTeam(ctx, org.ID, api.TeamCreate{Name: "Platform Admins", Role: api.RoleAdmin})
	must("create team", err)
	f.want[typeTeam+" "+sub(team.Slug)] = "platform_admins"
	for email, role := range map[string]api.TeamRole{"carol@example.com": api.TeamRoleMaintainer, "a.b@example.com": api.TeamRoleMember} {
		_, err := c.AddTeamMember(ctx, org.ID, team.Slug, api.TeamMemberCreate{Email: email, Role: role})
		must("add "+email+" to the team", err)
		f.want[typeTeamMember+" "+sub(team.Slug+"/"+email)] = identifier(team.Slug+"_"+email, "")
	}

	// Two webhooks to one host, named by it (never by the path, which may hold the receiver's
	// credential): the one first by import id keeps the name. Their secrets are never written.
	var hooks []string
	for i, active := range []bool{true, false} {
		hook, err := c.CreateWebhook(ctx, org.ID, api.WebhookCreate{
			URL: receiver.URL + "/token-in-path", Events: []string{"member.*"}, Active: &active, Secret: fmt.Sprintf("webhook-secret-%d-long-enough", i),
		})
		must("create webhook", err)
		hooks = append(hooks, hook.ID)
		f.secrets = append(f.secrets, fmt.Sprintf("webhook-secret-%d-long-enough", i))
	}
	slices.Sort(hooks)
	f.want[typeWebhook+" "+sub(hooks[0])] = "webhook_127_0_0_1"
	f.want[typeWebhook+" "+sub(hooks[1])] = "webhook_127_0_0_1_2"
	return f
}

func (f *fixture) getenv(name string) string {
	switch name {
	case "ORGS_ENDPOINT":
		return f.env.Endpoint
	case "ORGS_TOKEN":
		return f.env.Token
	}
	return ""
}

// onboard runs the program and returns what it wrote to the file and to stderr.
func (f *fixture) onboard(t *testing.T, out string, extra ...string) (file, stderr string) {
	t.Helper()
	var so, se bytes.Buffer
	args := append([]string{"-org", f.org.ID, "-out", out}, extra...)
	if err := run(t.Context(), args, f.getenv, &so, &se); err != nil {
		t.Fatalf("run %v: %v\nstderr:\n%s", args, err, se.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range f.secrets {
		if strings.Contains(string(b)+so.String()+se.String(), secret) {
			t.Errorf("the output holds a secret")
		}
	}
	return string(b), se.String()
}

var importBlockRE = regexp.MustCompile(`(?m)^import \{\n  to = (\w+)\.([^\s]+)\n  id = ("(?:[^"\\]|\\.)*")\n\}$`)

func TestOnboardWritesImportBlocks(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	out := filepath.Join(t.TempDir(), "onboard.tf")
	text, stderr := f.onboard(t, out)

	matches := importBlockRE.FindAllStringSubmatch(text, -1)
	if got := strings.Count(text, "import {"); got != len(matches) {
		t.Fatalf("%d import blocks, %d of them well-formed:\n%s", got, len(matches), text)
	}
	validName := regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	typeOrder := []string{typeOrganization, typeMember, typeInvitation, typeAPIToken, typeRegistry, typeLabel, typeEnvironment, typeDomain, typeVerification, typeTeam, typeTeamMember, typeWebhook}
	seen := map[string]bool{}
	var order []string
	for _, m := range matches {
		typ, name := m[1], m[2]
		id, err := strconv.Unquote(m[3])
		if err != nil {
			t.Fatalf("id %s: %v", m[3], err)
		}
		key := typ + " " + id
		if seen[key] {
			t.Errorf("%s is imported twice", key)
		}
		seen[key] = true
		if want, ok := f.want[key]; !ok {
			t.Errorf("unexpected import of %s as %s.%s", key, typ, name)
		} else if name != want {
			t.Errorf("%s is named %s, want %s", key, name, want)
		}
		if !validName.MatchString(name) {
			t.Errorf("%s.%s is not a valid resource name", typ, name)
		}
		order = append(order, fmt.Sprintf("%02d %s", slices.Index(typeOrder, typ), name))
	}
	for key := range f.want {
		if !seen[key] {
			t.Errorf("%s is not imported", key)
		}
	}
	// Sorted by type, then by name; a name repeated within a type would show as not strictly sorted.
	for i := 1; i < len(order); i++ {
		if order[i-1] >= order[i] {
			t.Errorf("blocks out of order or names repeated: %q before %q", order[i-1], order[i])
		}
	}
	for _, want := range []string{"tofu plan -generate-config-out=generated.tf", "cannot be read back", "1 container registries", "2 domains (1 verified", "1 teams, 2 team memberships, 2 webhooks",
		"the 2 webhooks are imported without their signing secret", "not under management until you set secret_wo and\n  secret_wo_version",
		"orgs_member.owner_example_com is your own membership. Before destroying this configuration, set downgrade_on_destroy = true"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	// Next to the caller's own membership (the owner's, the last one), what destroying it means.
	own := "# role owner. This is your own membership (the credential's user).\n" +
		"# Destroying it would remove the organization's last owner, which is refused, so a `destroy` of this\n" +
		"# configuration fails at plan time. Before destroying, set downgrade_on_destroy = true on it in\n" +
		"# generated.tf and apply: destroying it then keeps you in the organization as its owner.\n" +
		"import {\n  to = orgs_member.owner_example_com\n"
	if strings.Count(text, own) != 1 || strings.Count(text, "your own membership") != 1 {
		t.Errorf("the caller's own membership is not commented once as\n%s\nin:\n%s", own, text)
	}
	// Beside each webhook, that its secret is not managed until set; nowhere, the path it delivers to.
	hook := "# 127.0.0.1, inactive, events member.*.\n" +
		"# Its signing secret cannot be read back: the webhook keeps the secret the server holds, which this\n" +
		"# configuration does not manage until you set secret_wo and secret_wo_version on it in generated.tf\n" +
		"# (the next apply then sends that secret: give it to the receiver first).\n" +
		"import {\n  to = orgs_webhook.webhook_127_0_0_1"
	if strings.Count(text, hook) != 1 || strings.Count(text, "does not manage until you set secret_wo") != 2 {
		t.Errorf("the inactive webhook is not commented as\n%s\nor not every webhook says its secret is unmanaged, in:\n%s", hook, text)
	}
	if strings.Contains(text, "token-in-path") {
		t.Errorf("the file repeats a webhook's path:\n%s", text)
	}

	// The same organization gives the same file; an existing file is kept unless -force.
	var so, se bytes.Buffer
	if err := run(t.Context(), []string{"-org", f.org.ID, "-out", out}, f.getenv, &so, &se); err == nil || !strings.Contains(err.Error(), "-force") {
		t.Errorf("writing over an existing file without -force: got %v, want a refusal naming -force", err)
	}
	if again, _ := f.onboard(t, out, "-force"); again != text {
		t.Errorf("a second run wrote a different file:\n%s\nthen:\n%s", text, again)
	}
}

func TestRunRefusesMissingSettings(t *testing.T) {
	t.Parallel()
	env := map[string]string{"ORGS_ENDPOINT": "http://127.0.0.1:1", "ORGS_TOKEN": "orgs_pat_do-not-print"}
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"no org", nil, env, "-org is required"},
		{"no credential", []string{"-org", "org_x"}, map[string]string{"ORGS_ENDPOINT": "http://127.0.0.1:1"}, "ORGS_TOKEN"},
		{"stray argument", []string{"-org", "org_x", "extra"}, env, "unexpected arguments"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var so, se bytes.Buffer
			err := run(t.Context(), tc.args, func(k string) string { return tc.env[k] }, &so, &se)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			if strings.Contains(err.Error()+so.String()+se.String(), "do-not-print") {
				t.Error("the token was printed")
			}
		})
	}
}

func TestQuote(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"org_1/a@b.c":    `"org_1/a@b.c"`,
		`say "hi" \o/`:   `"say \"hi\" \\o/"`,
		"${var.x} %{if}": `"$${var.x} %%{if}"`,
		"$ { % $$":       `"$ { % $$"`,
		"a\nb\tc\x01":    `"a\nb\tc\u0001"`,
		"bad\xffbyte":    `"bad\ufffdbyte"`,
		"naïve":          `"naïve"`,
	} {
		if got := quote(in); got != want {
			t.Errorf("quote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestIdentifier(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"example.com/team":  "example_com_team",
		"Alice@Example.COM": "alice_example_com",
		"9lives":            "label_9lives",
		"--":                "label",
		"_x_":               "x",
		"ünï":               "n",
	} {
		if got := identifier(in, "label"); got != want {
			t.Errorf("identifier(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestAccOnboard_roundTrip proves the file works for every state the API can produce: over an
// organization holding one of everything (acctest.Estate: an expired invitation, an inactive token,
// registries whose secrets cannot be read back, labels with '/' ...), the CLI (OpenTofu or Terraform,
// with the provider as a plugin: this test binary, see init) generates the configuration from it, the
// generated files apply without any hand edit, and the next plan is empty.
func TestAccOnboard_roundTrip(t *testing.T) {
	t.Parallel()
	e := acctest.NewEstate(t)
	cli := acctest.NewCLI(t, e.Env)
	f := &fixture{env: e.Env, org: e.Org, secrets: e.Secrets}
	f.onboard(t, filepath.Join(cli.Dir, "onboard.tf"))
	run := func(args ...string) string {
		t.Helper()
		out, err := cli.Run(append(args, "-input=false", "-no-color")...)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return out
	}

	out := run("plan", "-generate-config-out=generated.tf")
	// Every object but the accepted invitation, which is a member and imported as one.
	imports := 0
	for _, n := range e.Count {
		imports += n
	}
	imports--
	if want := fmt.Sprintf("Plan: %d to import, 0 to add, 0 to change, 0 to destroy.", imports); !strings.Contains(out, want) {
		t.Fatalf("the first plan does not say %q:\n%s", want, out)
	}
	generated, err := os.ReadFile(filepath.Join(cli.Dir, "generated.tf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range e.Secrets {
		if strings.Contains(string(generated)+out, secret) {
			t.Errorf("generated.tf or the plan holds a secret")
		}
	}
	// Every type the estate holds, each object once: a type the program leaves out fails here by name.
	for typ, n := range e.Count {
		if typ == typeInvitation {
			n-- // the accepted one
		}
		if got := strings.Count(string(generated), fmt.Sprintf("resource %q ", typ)); got != n {
			t.Errorf("generated.tf holds %d %s, want %d", got, typ, n)
		}
	}

	out = run("apply", "-auto-approve")
	if want := fmt.Sprintf("Apply complete! Resources: %d imported, 0 added, 0 changed, 0 destroyed.", imports); !strings.Contains(out, want) {
		t.Fatalf("the apply does not say %q:\n%s", want, out)
	}
	if out, err := cli.Run("plan", "-detailed-exitcode", "-input=false", "-no-color"); err != nil {
		t.Fatalf("the plan after the import is not empty: %v\n%s", err, out)
	}
	// The imported webhook, whose configuration holds no secret, still signs with the one the server holds.
	if _, err := e.Env.Client.AddMember(t.Context(), e.Org.ID, api.MemberCreate{Email: "late-joiner@example.com", Role: api.RoleMember}); err != nil {
		t.Fatal(err)
	}
	delivery, err := e.Webhooks.Wait(20*time.Second, func(r servertest.WebhookRequest) bool { return r.Event() == "member.create" })
	if err != nil {
		t.Fatal(err)
	}
	if err := delivery.Verify(e.WebhookSecret); err != nil {
		t.Errorf("after the import, a delivery is not signed with the secret the webhook was made with: %v", err)
	}

	// What the comment beside the caller's own membership says: a destroy fails at plan time, since it
	// would remove the last owner; with downgrade_on_destroy applied, the whole configuration goes.
	if out, err := cli.Run("plan", "-destroy", "-input=false", "-no-color"); err == nil || !strings.Contains(out, "Cannot leave the organization without an owner") {
		t.Fatalf("a destroy of a configuration that manages its last owner: %v\n%s", err, out)
	}
	block := regexp.MustCompile(`(?s)resource "orgs_member" "owner_example_com" \{\n.*?\n\}\n`)
	own := block.FindString(string(generated))
	if own == "" || !strings.Contains(own, "downgrade_on_destroy") {
		t.Fatalf("generated.tf has no orgs_member.owner_example_com with downgrade_on_destroy:\n%s", generated)
	}
	downgraded := regexp.MustCompile(`downgrade_on_destroy\s*=\s*false`).ReplaceAllString(own, "downgrade_on_destroy = true")
	cli.WriteFile("generated.tf", strings.Replace(string(generated), own, downgraded, 1))
	if out := run("apply", "-auto-approve"); !strings.Contains(out, "0 added, 1 changed, 0 destroyed") {
		t.Fatalf("setting downgrade_on_destroy does not change one resource:\n%s", out)
	}
	run("destroy", "-auto-approve")
	if _, err := e.Env.Client.GetOrganization(t.Context(), e.Org.ID); !client.IsOrganizationDeleted(err) {
		t.Errorf("after the destroy, the organization: %v; want it deleted", err)
	}
}

// TestProgramRunsAnywhere (issue 25, item 6): the program as users install it (go install, or the
// release archive: a binary of its own) works from any directory, writes -out relative to it, and
// needs nothing of the clone. `go install ...@version` refuses a module with replace directives, so
// the module has none.
func TestProgramRunsAnywhere(t *testing.T) {
	t.Parallel()
	mod, err := os.ReadFile(filepath.Join("..", "..", "..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if regexp.MustCompile(`(?m)^\s*(replace|exclude)\b`).Match(mod) {
		t.Errorf("go.mod has replace or exclude directives: `go install ...orgs-onboard@latest`, as the README says, would refuse it")
	}

	bin := filepath.Join(t.TempDir(), "orgs-onboard")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	f := newFixture(t)
	dir := t.TempDir() // a configuration's directory, nowhere near the clone
	cmd := exec.CommandContext(t.Context(), bin, "-org", f.org.ID, "-out", "onboard.tf")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ORGS_ENDPOINT="+f.env.Endpoint, "ORGS_TOKEN="+f.env.Token)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("orgs-onboard in %s: %v\n%s", dir, err, stderr.String())
	}
	text, err := os.ReadFile(filepath.Join(dir, "onboard.tf"))
	if err != nil {
		t.Fatalf("onboard.tf is not in the directory it ran in: %v", err)
	}
	if n := len(importBlockRE.FindAllString(string(text), -1)); n != len(f.want) {
		t.Errorf("%d import blocks, want %d:\n%s", n, len(f.want), text)
	}
	if !strings.Contains(stderr.String(), "Wrote onboard.tf") || stdout.Len() != 0 {
		t.Errorf("stdout %q, stderr:\n%s", stdout.String(), stderr.String())
	}
}
