package provider_test

import (
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
)

// The examples in examples/ are what users copy from the docs. Each refers to the objects it needs but
// does not declare (the organization "platform", most often); the test declares those before it, and
// otherwise runs the example exactly as written: it must apply, and the plan after it must be empty.

// examplePrelude declares, by address, the objects examples refer to without declaring them.
var examplePrelude = map[string]string{
	"orgs_organization.platform": `resource "orgs_organization" "platform" {
  name                 = "Platform Team"
  admin_contact_emails = ["platform-admins@example.com"]
  plan                 = "team"
}`,
	"orgs_api_token.ci": `resource "orgs_api_token" "ci" {
  organization_id = orgs_organization.platform.id
  name            = "ci"
  role            = "admin"
}`,
	"orgs_member.alice": `resource "orgs_member" "alice" {
  organization_id = orgs_organization.platform.id
  email           = "alice@example.com"
  role            = "admin"
}`,
	"orgs_team.platform_admins": `resource "orgs_team" "platform_admins" {
  organization_id = orgs_organization.platform.id
  name            = "Platform Admins"
  role            = "admin"
}`,
	"orgs_webhook.audit": `resource "orgs_webhook" "audit" {
  organization_id   = orgs_organization.platform.id
  url               = "https://hooks.example.com/orgs"
  events            = ["member.*"]
  secret_wo         = "example-webhook-secret"
  secret_wo_version = 1
}`,
}

// exampleTeamMembers are the people the team examples put in teams: a team takes only active members,
// so they have accounts before the example runs (and the test server makes their memberships active).
var exampleTeamMembers = []string{"alice@example.com"}

// exampleHosts are the webhook receivers the examples name, with the public addresses the test's DNS
// server gives them (the server delivers only to public addresses). No event an example causes is
// delivered to them.
var exampleHosts = []string{"hooks.example.com", "siem.example.com"}

// examplePlaceholders are values the docs show for objects of the reader's own, which the test
// replaces by the objects it made: the organization id the README uses.
var examplePlaceholders = map[string]func(orgRef string) string{
	`"org_q2w2yvnct4y4yn7tbtic"`: func(orgRef string) string { return orgRef },
}

var (
	exampleReference   = regexp.MustCompile(`(?m)(^|[^.\w"])(orgs_[a-z_]+\.[a-z0-9_]+)`)
	exampleDeclaration = regexp.MustCompile(`(?m)^resource\s+"(orgs_[a-z_]+)"\s+"([a-z0-9_]+)"`)
)

// exampleFiles is the example at path, and the declarations of what it refers to (its prelude).
func exampleFiles(t *testing.T, path string) (prelude, example string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	example = string(data)
	declared := map[string]bool{}
	for _, m := range exampleDeclaration.FindAllStringSubmatch(example, -1) {
		declared[m[1]+"."+m[2]] = true
	}
	needed := map[string]bool{}
	var add func(ref string)
	add = func(ref string) {
		if declared[ref] || needed[ref] {
			return
		}
		snippet, ok := examplePrelude[ref]
		if !ok {
			t.Fatalf("%s refers to %s, which it does not declare and examplePrelude does not either", path, ref)
		}
		needed[ref] = true
		for _, m := range exampleReference.FindAllStringSubmatch(snippet, -1) {
			add(m[2])
		}
	}
	for _, m := range exampleReference.FindAllStringSubmatch(example, -1) {
		add(m[2])
	}
	for placeholder, replace := range examplePlaceholders {
		if strings.Contains(example, placeholder) {
			add("orgs_organization.platform")
			example = strings.ReplaceAll(example, placeholder, replace("orgs_organization.platform.id"))
		}
	}
	var parts []string
	for _, ref := range slices.Sorted(maps.Keys(needed)) {
		parts = append(parts, examplePrelude[ref])
	}
	return strings.Join(parts, "\n\n") + "\n", example
}

// exampleVariables are the values the examples' input variables (secrets) get, from the environment as
// a user's CI would give them (an example that declares none ignores them).
var exampleVariables = []string{
	"TF_VAR_ghcr_token=ghp-example", "TF_VAR_ecr_access_key_id=AKIAEXAMPLE", "TF_VAR_ecr_secret_access_key=example-secret",
	"TF_VAR_webhook_secret=example-webhook-secret",
}

// TestAccExamples_applyAndPlanEmpty: every resource, data source and ephemeral resource example,
// through the real CLI as a user runs it (the objects it refers to made first), applies as written, and
// the plan after it is empty.
func TestAccExamples_applyAndPlanEmpty(t *testing.T) {
	var files []string
	for _, pattern := range []string{"resources/*/resource.tf", "data-sources/*/data-source.tf", "ephemeral-resources/*/ephemeral-resource.tf"} {
		found, err := filepath.Glob(filepath.Join("..", "..", "examples", pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, found...)
	}
	if len(files) < 15 {
		t.Fatalf("found only %d examples: %v", len(files), files)
	}
	for _, file := range files {
		name := strings.TrimPrefix(filepath.ToSlash(file), "../../examples/")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := acctest.New(t)
			// The domain examples leave the DNS record that proves a domain to the reader's DNS
			// provider (as a comment); the test's DNS server stands in for it.
			env.PublishVerificationRecords()
			for _, host := range exampleHosts {
				env.DNS.SetAddrs(host, netip.MustParseAddr("93.184.215.14"))
			}
			cli := acctest.NewCLI(t, env, exampleVariables...)
			prelude, example := exampleFiles(t, file)
			if strings.Contains(example, "orgs_team_member") { // orgs_team_members too
				for _, email := range exampleTeamMembers {
					env.SignUp(t, email)
				}
			}
			run := func(what string, args ...string) {
				t.Helper()
				if out, err := cli.Run(args...); err != nil {
					t.Fatalf("%s: %v\n%s", what, err, out)
				}
			}
			cli.WriteFile("prelude.tf", prelude)
			run("apply what the example refers to", "apply", "-auto-approve", "-input=false", "-no-color")
			cli.WriteFile("example.tf", example)
			run("apply the example", "apply", "-auto-approve", "-input=false", "-no-color")
			if out, err := cli.Run("plan", "-detailed-exitcode", "-input=false", "-no-color"); err != nil {
				t.Fatalf("the plan after the example's apply is not empty (%v):\n%s", err, out)
			}
		})
	}
}
