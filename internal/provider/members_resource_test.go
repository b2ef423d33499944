package provider_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/servertest"
)

const membersResource = "orgs_members.test"

// membersConfig is an orgs_members of orgID with these members: email to role, the role followed by
// the HCL of the member's environment roles when it has some (`member { default = "run" }`).
func membersConfig(env *acctest.Env, orgID string, members map[string]string) string {
	var roles, envRoles strings.Builder
	for _, email := range slices.Sorted(maps.Keys(members)) {
		role, envs, _ := strings.Cut(members[email], " ")
		fmt.Fprintf(&roles, "    %q = %q\n", email, role)
		if envs != "" {
			fmt.Fprintf(&envRoles, "    %q = %s\n", email, envs)
		}
	}
	return env.ProviderBlock() + fmt.Sprintf(`
resource "orgs_members" "test" {
  organization_id = %q
  members = {
%s  }
  environment_roles = {
%s  }
}
`, orgID, roles.String(), envRoles.String())
}

// writeCounter counts the write requests (every method but GET) that reach the server, by method and
// path, so a test can say which requests an apply made.
type writeCounter struct {
	mu     sync.Mutex
	writes []string
}

func (w *writeCounter) option() acctest.Option {
	return servertest.WithHandler(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet {
				w.mu.Lock()
				w.writes = append(w.writes, r.Method+" "+r.URL.Path)
				w.mu.Unlock()
			}
			next.ServeHTTP(rw, r)
		})
	})
}

// since returns the writes after the first n, and how many there are now.
func (w *writeCounter) since(n int) ([]string, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.writes[n:]), len(w.writes)
}

// expectMemberChanges is a plan check on an orgs_members update: the members the plan adds, removes
// and changes, by key, must be exactly these, so that a plan of one change is one entry, and an
// out-of-band addition is a removal.
type expectMemberChanges struct {
	added, removed, changed []string
}

func (e expectMemberChanges) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != membersResource {
			continue
		}
		if !rc.Change.Actions.Update() {
			resp.Error = fmt.Errorf("%s is planned %v, want an update", rc.Address, rc.Change.Actions)
			return
		}
		before, after := planMembers(rc.Change.Before), planMembers(rc.Change.After)
		var added, removed, changed []string
		for email, b := range before {
			a, ok := after[email]
			switch {
			case !ok:
				removed = append(removed, email)
			case a != b:
				changed = append(changed, email)
			}
		}
		for email := range after {
			if _, ok := before[email]; !ok {
				added = append(added, email)
			}
		}
		for _, l := range [][]string{added, removed, changed} {
			sort.Strings(l)
		}
		got := fmt.Sprintf("added %v, removed %v, changed %v", added, removed, changed)
		want := fmt.Sprintf("added %v, removed %v, changed %v", sorted(e.added), sorted(e.removed), sorted(e.changed))
		if got != want {
			resp.Error = fmt.Errorf("the plan of %s has %s; want %s", rc.Address, got, want)
			return
		}
		// A plan that adds nobody knows every status: the plan shows the members that change, not
		// every member's status as unknown.
		if unknown, _ := rc.Change.AfterUnknown.(map[string]any); len(added) == 0 && unknown["statuses"] != nil {
			resp.Error = fmt.Errorf("the plan of %s, which adds nobody, leaves statuses unknown", rc.Address)
		}
		return
	}
	resp.Error = fmt.Errorf("the plan has no change of %s", membersResource)
}

func sorted(l []string) []string {
	out := slices.Clone(l)
	sort.Strings(out)
	return out
}

// planMembers are the members of an orgs_members value (a plan's before or after, a state's values):
// email to its role and environment roles.
func planMembers(v any) map[string]string {
	out := map[string]string{}
	obj, _ := v.(map[string]any)
	members, _ := obj["members"].(map[string]any)
	envRoles, _ := obj["environment_roles"].(map[string]any)
	for email, role := range members {
		out[email] = fmt.Sprint(role, " ", envRoles[email])
	}
	return out
}

// serverRoles are the organization's memberships on the server: email to role.
func serverRoles(ctx context.Context, env *acctest.Env, orgID string) (map[string]string, error) {
	members, err := env.Client.ListMembers(ctx, orgID)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, m := range members {
		out[strings.ToLower(m.Email)] = string(m.Role)
	}
	return out, nil
}

func expectServerRoles(env *acctest.Env, orgID string, want map[string]string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got, err := serverRoles(context.Background(), env, orgID)
		if err != nil {
			return err
		}
		if !maps.Equal(got, want) {
			return fmt.Errorf("the server holds %v, want %v", got, want)
		}
		return nil
	}
}

// TestAccMembersResource walks orgs_members through its life: create (adopting the owner the
// organization already has), import by id and by identity, a member added behind Terraform's back
// planned as a removal, a change of one member planned and applied as one change in one request, the
// plan-time refusals, and a destroy that keeps the owner.
func TestAccMembersResource(t *testing.T) {
	writes := &writeCounter{}
	env := acctest.New(t, writes.option())
	org := env.CreateOrganization(t, api.PlanTeam)
	env.SignUp(t, "alice@example.com")
	owner := strings.ToLower(env.OwnerEmail)
	envs, err := env.Client.ListEnvironments(t.Context(), org.ID)
	if err != nil || len(envs) == 0 {
		t.Fatalf("the new organization's environments: %v, %v", envs, err)
	}
	slug := envs[0].Slug
	members := map[string]string{
		owner:                   "owner",
		"alice@example.com":     "admin",
		"bob@example.com":       fmt.Sprintf(`member { %q = "run" }`, slug),
		"invited@example.com":   "biller",
		"anotherone@example.ch": "member",
	}
	with := func(changes map[string]string) map[string]string {
		out := maps.Clone(members)
		for k, v := range changes {
			if v == "" {
				delete(out, k)
			} else {
				out[k] = v
			}
		}
		return out
	}
	var writesBefore int
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             expectServerRoles(env, org.ID, map[string]string{owner: "owner"}),
		Steps: []resource.TestStep{
			{
				Config: membersConfig(env, org.ID, members),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(membersResource, tfjsonpath.New("id"), knownvalue.StringExact(org.ID)),
					statecheck.ExpectKnownValue(membersResource, tfjsonpath.New("statuses").AtMapKey(owner), knownvalue.StringExact("active")),
					statecheck.ExpectKnownValue(membersResource, tfjsonpath.New("statuses").AtMapKey("invited@example.com"), knownvalue.StringExact("invited")),
					statecheck.ExpectKnownValue(membersResource, tfjsonpath.New("environment_roles").AtMapKey("bob@example.com"),
						knownvalue.MapExact(map[string]knownvalue.Check{slug: knownvalue.StringExact("run")})),
					statecheck.ExpectIdentity(membersResource, map[string]knownvalue.Check{"organization_id": knownvalue.StringExact(org.ID)}),
				},
				Check: expectServerRoles(env, org.ID, map[string]string{
					owner: "owner", "alice@example.com": "admin", "bob@example.com": "member", "invited@example.com": "biller", "anotherone@example.ch": "member",
				}),
			},
			{
				ResourceName:      membersResource,
				ImportState:       true,
				ImportStateId:     org.ID,
				ImportStateVerify: true,
			},
			{
				ResourceName:    membersResource,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
			{
				// A member added behind Terraform's back is planned as a removal, and nothing else.
				PreConfig: func() {
					if _, err := env.Client.AddMember(context.Background(), org.ID, api.MemberCreate{Email: "carol@example.com", Role: api.RoleAdmin}); err != nil {
						t.Fatal(err)
					}
				},
				Config: membersConfig(env, org.ID, members),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					expectMemberChanges{removed: []string{"carol@example.com"}},
				}},
				Check: expectServerRoles(env, org.ID, map[string]string{
					owner: "owner", "alice@example.com": "admin", "bob@example.com": "member", "invited@example.com": "biller", "anotherone@example.ch": "member",
				}),
			},
			{
				// A change of one member is one entry of the plan, and one request of the apply.
				PreConfig: func() { _, writesBefore = writes.since(0) },
				Config:    membersConfig(env, org.ID, with(map[string]string{"bob@example.com": "admin"})),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					expectMemberChanges{changed: []string{"bob@example.com"}},
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(membersResource, tfjsonpath.New("members").AtMapKey("bob@example.com"), knownvalue.StringExact("admin")),
					statecheck.ExpectKnownValue(membersResource, tfjsonpath.New("environment_roles"), knownvalue.MapExact(map[string]knownvalue.Check{})),
					// One role changed: every status is still known in the plan, and the same after.
					statecheck.ExpectKnownValue(membersResource, tfjsonpath.New("statuses").AtMapKey("bob@example.com"), knownvalue.StringExact("invited")),
				},
				Check: func(s *terraform.State) error {
					made, _ := writes.since(writesBefore)
					want := []string{"POST " + strings.ReplaceAll(api.PathBulkMembers, "{org_id}", org.ID)}
					if !slices.Equal(made, want) {
						return fmt.Errorf("the apply of one change made the writes %v, want %v", made, want)
					}
					return expectServerRoles(env, org.ID, map[string]string{
						owner: "owner", "alice@example.com": "admin", "bob@example.com": "admin", "invited@example.com": "biller", "anotherone@example.ch": "member",
					})(s)
				},
			},
			{
				// The same address twice, as the server compares addresses.
				Config:      membersConfig(env, org.ID, with(map[string]string{"Alice@EXAMPLE.com": "member"})),
				PlanOnly:    true,
				ExpectError: wrappedText(`members names "Alice@EXAMPLE.com" and "alice@example.com", which are the same address to the platform`),
			},
			{
				Config:      membersConfig(env, org.ID, with(map[string]string{"not-an-address": "member"})),
				PlanOnly:    true,
				ExpectError: wrappedText(`Invalid email address`),
			},
			{
				Config:      membersConfig(env, org.ID, with(map[string]string{"alice@example.com": `admin { default = "run" }`})),
				PlanOnly:    true,
				ExpectError: wrappedText(`alice@example.com has role "admin", which has no environment roles`),
			},
			{
				// The caller's own owner membership: neither removed nor demoted.
				Config:      membersConfig(env, org.ID, with(map[string]string{owner: ""})),
				PlanOnly:    true,
				ExpectError: wrappedText(fmt.Sprintf("This plan removes %s, an active owner of organization %s and the user this provider's credential acts as", owner, org.ID)),
			},
			{
				Config:      membersConfig(env, org.ID, with(map[string]string{owner: "admin"})),
				PlanOnly:    true,
				ExpectError: wrappedText(fmt.Sprintf("This plan demotes %s, an active owner of organization %s", owner, org.ID)),
			},
			{
				Config:      membersConfig(env, org.ID, with(map[string]string{"bob@example.com": `member { nowhere = "run" }`})),
				PlanOnly:    true,
				ExpectError: wrappedText(fmt.Sprintf(`has no environment with the slug or id "nowhere"; its environments' slugs are: %s.`, slug)),
			},
		},
	})
}

// TestAccMembersResource_partialFailure: one apply whose change of one member the server refuses (no
// seat left) makes the others' changes, fails naming that member with the server's message, and
// leaves the state as the server has it; once there is room, the next plan offers exactly that member
// again and the apply converges.
func TestAccMembersResource_partialFailure(t *testing.T) {
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanStarter) // 3 seats
	owner := strings.ToLower(env.OwnerEmail)
	two := map[string]string{owner: "owner", "ann@example.com": "member"}
	three := maps.Clone(two)
	three["ann@example.com"] = "admin"
	three["ben@example.com"] = "member"
	three["cat@example.com"] = "member"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: membersConfig(env, org.ID, two)},
			{
				// Two new members for one seat: ben@ gets it (creates go in address order), cat@ is
				// refused; ann@'s change is made.
				Config:      membersConfig(env, org.ID, three),
				ExpectError: wrappedText("In organization " + org.ID + ", could not add cat@example.com:"),
			},
			{
				// The server holds every change but cat@'s; with a seat more, the plan offers exactly that
				// one again, and the apply converges.
				PreConfig: func() {
					if err := expectServerRoles(env, org.ID, map[string]string{owner: "owner", "ann@example.com": "admin", "ben@example.com": "member"})(nil); err != nil {
						t.Fatalf("after the apply that partly failed: %v", err)
					}
					plan := api.PlanStartup
					if _, err := env.Client.UpdateOrganization(context.Background(), org.ID, api.OrganizationUpdate{Plan: &plan}); err != nil {
						t.Fatal(err)
					}
				},
				Config: membersConfig(env, org.ID, three),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					expectMemberChanges{added: []string{"cat@example.com"}},
				}},
				Check: expectServerRoles(env, org.ID, map[string]string{
					owner: "owner", "ann@example.com": "admin", "ben@example.com": "member", "cat@example.com": "member",
				}),
			},
		},
	})
}

// TestAccMembersResource_importEveryStatus: an organization with memberships in every status (active,
// invited, pending, declined, expired; environment roles) imports into orgs_members with the
// configuration the CLI generates; that configuration applies as written, and the next plan is empty.
func TestAccMembersResource_importEveryStatus(t *testing.T) {
	t.Parallel()
	e := acctest.NewEstate(t)
	cli := acctest.NewCLI(t, e.Env)
	cli.WriteFile("import.tf", fmt.Sprintf("import {\n  to = orgs_members.all\n  id = %q\n}\n", e.Org.ID))
	out, err := cli.Run("plan", "-generate-config-out=generated.tf", "-input=false", "-no-color")
	generated, readErr := os.ReadFile(filepath.Join(cli.Dir, "generated.tf"))
	if err != nil || readErr != nil {
		t.Fatalf("plan -generate-config-out: %v %v\n%s", err, readErr, out)
	}
	for _, want := range []string{`"Invited.Person@Example.com"`, `"pen@example.com"`, `"dec@example.com"`, `"exp@example.com"`, `resend_when_expired = false`} {
		if !strings.Contains(string(generated), want) {
			t.Errorf("generated.tf does not hold %s:\n%s", want, generated)
		}
	}
	if out, err := cli.Run("apply", "-auto-approve", "-input=false", "-no-color"); err != nil || !strings.Contains(out, "1 imported, 0 added, 0 changed, 0 destroyed") {
		t.Fatalf("apply of the import: %v\n%s", err, out)
	}
	out = cli.MustRun("plan", "-detailed-exitcode")
	if !wrappedText("dec@example.com declined the membership, so it is not offered again").MatchString(out) {
		t.Errorf("the plan does not name the declined membership:\n%s", out)
	}
	shownStatuses(t, cli)

	// Offering expired memberships again: the apply offers exp@'s, which is pending again, and the
	// next plan is empty.
	if err := os.WriteFile(filepath.Join(cli.Dir, "generated.tf"), []byte(strings.Replace(string(generated), "resend_when_expired = false", "resend_when_expired = true", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := cli.Run("apply", "-auto-approve", "-input=false", "-no-color"); err != nil || !strings.Contains(out, "0 added, 1 changed, 0 destroyed") {
		t.Fatalf("apply of the offer: %v\n%s", err, out)
	}
	if m, err := e.Env.Client.GetMember(t.Context(), e.Org.ID, "exp@example.com"); err != nil || m.Status != api.MemberPending {
		t.Errorf("exp@ after the offer: %+v, %v; want pending", m, err)
	}
	cli.MustRun("plan", "-detailed-exitcode")
}

// shownStatuses fails unless the state holds a member in each status the API has.
func shownStatuses(t *testing.T, cli *acctest.CLI) {
	t.Helper()
	state, err := cli.Run("show", "-json")
	if err != nil {
		t.Fatal(err)
	}
	var shown tfjson.State
	if err := shown.UnmarshalJSON([]byte(state)); err != nil {
		t.Fatalf("show -json: %v\n%s", err, state)
	}
	statuses := map[string]bool{}
	for _, r := range shown.Values.RootModule.Resources {
		held, _ := r.AttributeValues["statuses"].(map[string]any)
		for _, status := range held {
			statuses[fmt.Sprint(status)] = true
		}
	}
	for _, s := range api.MemberStatuses {
		if !statuses[string(s)] {
			t.Errorf("no member of the imported state is %s: %v", s, statuses)
		}
	}
}

// TestAccMembersResource_withOrgsMemberWarns: a configuration that manages one organization's members
// with both orgs_members and orgs_member gets a warning at plan time saying they undo each other.
func TestAccMembersResource_withOrgsMemberWarns(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanTeam)
	cli := acctest.NewCLI(t, env)
	cli.WriteFile("main.tf", fmt.Sprintf(`
resource "orgs_members" "all" {
  organization_id = %[1]q
  members = {
    %[2]q = "owner"
  }
}

resource "orgs_member" "dan" {
  organization_id = %[1]q
  email           = "dan@example.com"
  role            = "member"
}
`, org.ID, strings.ToLower(env.OwnerEmail)))
	out := cli.MustRun("plan")
	if !wrappedText("This configuration manages the members of organization " + org.ID + " with both orgs_members and orgs_member").MatchString(out) {
		t.Errorf("the plan does not warn that both manage the organization:\n%s", out)
	}
}

// TestAccMembersResource_planReadsAsChanges: what a reviewer reads in the CLI's own plan output: a
// change of one member's role is one line naming that member, the others are folded into a count, and
// a member added behind Terraform's back is one line of removal.
func TestAccMembersResource_planReadsAsChanges(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanTeam)
	cli := acctest.NewCLI(t, env)
	owner := strings.ToLower(env.OwnerEmail)
	write := func(bobRole string) {
		cli.WriteFile("main.tf", fmt.Sprintf(`
resource "orgs_members" "all" {
  organization_id = %q
  members = {
    %q = "owner"
    "ann@example.com" = "admin"
    "bob@example.com" = %q
    "cyd@example.com" = "member"
  }
}
`, org.ID, owner, bobRole))
	}
	write("member")
	cli.MustRun("apply", "-auto-approve")
	if _, err := env.Client.AddMember(t.Context(), org.ID, api.MemberCreate{Email: "eve@example.com", Role: api.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	write("admin")
	out := cli.MustRun("plan")
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^\s+~ "bob@example.com"\s+= "member" -> "admin"$`),
		regexp.MustCompile(`(?m)^\s+- "eve@example.com"\s+= "admin" -> null$`),
		regexp.MustCompile(`# \(3 unchanged elements hidden\)`),
		regexp.MustCompile(`Plan: 0 to add, 1 to change, 0 to destroy`),
	} {
		if !want.MatchString(out) {
			t.Errorf("the plan output does not match %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "ann@example.com") || strings.Contains(out, "cyd@example.com") {
		t.Errorf("the plan output names members that do not change:\n%s", out)
	}
}

// TestAccMembersResource_createLeavesOthersInPlace: creating orgs_members over an organization that has
// members it does not name removes nobody: the apply warns, naming them, and the next plan shows each as
// a removal for the reviewer to see.
func TestAccMembersResource_createLeavesOthersInPlace(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanTeam)
	for _, email := range []string{"eve@example.com", "fay@example.com"} {
		if _, err := env.Client.AddMember(t.Context(), org.ID, api.MemberCreate{Email: email, Role: api.RoleMember}); err != nil {
			t.Fatal(err)
		}
	}
	cli := acctest.NewCLI(t, env)
	cli.WriteFile("main.tf", fmt.Sprintf(`
resource "orgs_members" "all" {
  organization_id = %q
  members = {
    %q = "owner"
    "ann@example.com" = "admin"
  }
}
`, org.ID, strings.ToLower(env.OwnerEmail)))
	out := cli.MustRun("apply", "-auto-approve")
	if !wrappedText("Memberships not in members are left in place for now").MatchString(out) ||
		!wrappedText("eve@example.com, fay@example.com").MatchString(out) {
		t.Errorf("the apply does not warn of the two members it leaves in place:\n%s", out)
	}
	// ann@ has no account: she is invited, and the apply says so once.
	if !wrappedText("Some new members are not active yet").MatchString(out) || !wrappedText("invited: ann@example.com.").MatchString(out) {
		t.Errorf("the apply does not say that ann@example.com is only invited:\n%s", out)
	}
	if err := expectServerRoles(env, org.ID, map[string]string{
		strings.ToLower(env.OwnerEmail): "owner", "ann@example.com": "admin", "eve@example.com": "member", "fay@example.com": "member",
	})(nil); err != nil {
		t.Errorf("after the create: %v", err)
	}
	out = cli.MustRun("plan")
	for _, email := range []string{"eve@example.com", "fay@example.com"} {
		if !regexp.MustCompile(`(?m)^\s+- "` + regexp.QuoteMeta(email) + `"\s+= "member" -> null$`).MatchString(out) {
			t.Errorf("the next plan does not remove %s:\n%s", email, out)
		}
	}
}

// TestAccMembersResource_overSeatsWarnsAtPlan: a plan that adds more members than the seats left
// (after its own removals free theirs) warns, counting the room there is, naming the members the apply
// will refuse (the last addresses in order) and the plan that would hold them all.
func TestAccMembersResource_overSeatsWarnsAtPlan(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanStarter) // 3 members
	if _, err := env.Client.AddMember(t.Context(), org.ID, api.MemberCreate{Email: "old@example.com", Role: api.RoleMember}); err != nil {
		t.Fatal(err)
	}
	cli := acctest.NewCLI(t, env)
	config := func(imported bool) string {
		importBlock := ""
		if imported {
			importBlock = fmt.Sprintf("import {\n  to = orgs_members.all\n  id = %q\n}\n", org.ID)
		}
		return importBlock + fmt.Sprintf(`
resource "orgs_members" "all" {
  organization_id = %q
  members = {
    %q = "owner"
    "ann@example.com" = "member"
    "bob@example.com" = "member"
    "cyd@example.com" = "member"
    "dee@example.com" = "member"
    "eve@example.com" = "member"
  }
}
`, org.ID, strings.ToLower(env.OwnerEmail))
	}
	plan := func(imported bool, want ...string) {
		t.Helper()
		cli.WriteFile("main.tf", config(imported))
		out := cli.MustRun("plan")
		for _, w := range append([]string{"No seat left: the apply will refuse some new members"}, want...) {
			if !wrappedText(w).MatchString(out) {
				t.Errorf("the plan (imported: %v) does not say %q:\n%s", imported, w, out)
			}
		}
	}
	// Three seats, the owner and old@ holding two. Creating the resource removes nobody, so one of the
	// five new fits.
	plan(false, "there is room for 1 member more, so the apply will refuse bob@example.com, cyd@example.com, dee@example.com")
	// Imported, it removes old@, which frees its seat: two of the five new fit, and the six memberships
	// the plan wants fit plan "startup" exactly.
	plan(true,
		`is on plan "starter", which allows 3 members; its seats hold 2 seats: 1 active member, 1 invited address`,
		"after this plan's removals there is room for 2 members more, so the apply will refuse cyd@example.com, dee@example.com",
		`Plan "startup" allows 6 members`)
}

// TestAccMembersResource_lastOwnerRefusedForAdmin: with an admin's credential (not an owner, so the
// refusal of the caller's own owner membership has nothing to say), a plan that removes the
// organization's last active owner is refused at plan time, naming that owner.
func TestAccMembersResource_lastOwnerRefusedForAdmin(t *testing.T) {
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanTeam)
	owner := strings.ToLower(env.OwnerEmail)
	alice, aliceToken := env.SignUp(t, "alice@example.com")
	if m, err := env.Client.AddMember(t.Context(), org.ID, api.MemberCreate{Email: alice.Email, Role: api.RoleAdmin}); err != nil || m.Status != api.MemberActive {
		t.Fatalf("add alice as an active admin: %+v, %v", m, err)
	}
	asAlice := func(members map[string]string) string {
		return strings.Replace(membersConfig(env, org.ID, members), env.ProviderBlock(), env.ProviderBlockWithToken(aliceToken), 1)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: asAlice(map[string]string{owner: "owner", "alice@example.com": "admin"})},
			{
				Config:   asAlice(map[string]string{"alice@example.com": "admin"}),
				PlanOnly: true,
				ExpectError: wrappedText(fmt.Sprintf("This plan removes or demotes %s, and with that organization %s would have no active owner left",
					owner, org.ID)),
			},
			{
				// The refusal is the plan's: the server still has its owner.
				Config: asAlice(map[string]string{owner: "owner", "alice@example.com": "admin"}),
				Check:  expectServerRoles(env, org.ID, map[string]string{owner: "owner", "alice@example.com": "admin"}),
			},
		},
	})
}

// TestAccMembersResource_createPartlyFails: the first apply (the resource's creation) whose addition of
// one member the server refuses (no seat left) adds the others, fails naming that member, and records
// nothing: the next plan is a creation again, not a replacement of a tainted resource (which would
// remove every member first). Once there is room, that creation adopts the members the first one added
// (the same memberships, not removed and added again) and adds the refused one.
func TestAccMembersResource_createPartlyFails(t *testing.T) {
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanStarter) // 3 seats: the owner and two more
	owner := strings.ToLower(env.OwnerEmail)
	all := map[string]string{owner: "owner", "ann@example.com": "admin", "ben@example.com": "member", "cat@example.com": "member"}
	created := map[string]string{}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             expectServerRoles(env, org.ID, map[string]string{owner: "owner"}),
		Steps: []resource.TestStep{
			{
				// Additions go in address order: ann@ and ben@ get the seats, cat@ is refused.
				Config:      membersConfig(env, org.ID, all),
				ExpectError: wrappedText("In organization " + org.ID + ", could not add cat@example.com:"),
			},
			{
				PreConfig: func() {
					if err := expectServerRoles(env, org.ID, map[string]string{owner: "owner", "ann@example.com": "admin", "ben@example.com": "member"})(nil); err != nil {
						t.Fatalf("after the creation that partly failed: %v", err)
					}
					for _, email := range []string{"ann@example.com", "ben@example.com"} {
						m, err := env.Client.GetMember(t.Context(), org.ID, email)
						if err != nil {
							t.Fatal(err)
						}
						created[email] = m.CreatedAt.String()
					}
					plan := api.PlanStartup
					if _, err := env.Client.UpdateOrganization(t.Context(), org.ID, api.OrganizationUpdate{Plan: &plan}); err != nil {
						t.Fatal(err)
					}
				},
				Config: membersConfig(env, org.ID, all),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					// Nothing was recorded: a creation, not the replacement of a tainted resource.
					plancheck.ExpectResourceAction(membersResource, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(membersResource, tfjsonpath.New("statuses").AtMapKey("cat@example.com"), knownvalue.StringExact("invited")),
				},
				Check: func(s *terraform.State) error {
					for email, at := range created {
						m, err := env.Client.GetMember(context.Background(), org.ID, email)
						if err != nil {
							return err
						}
						if m.CreatedAt.String() != at {
							return fmt.Errorf("%s was added again (created %s, first %s): the creation did not adopt it", email, m.CreatedAt, at)
						}
					}
					return expectServerRoles(env, org.ID, map[string]string{owner: "owner", "ann@example.com": "admin", "ben@example.com": "member", "cat@example.com": "member"})(s)
				},
			},
		},
	})
}

// TestAccMembersResource_destroyPartlyFails: a destroy whose removal of one member the server refuses
// (an organization admin token may not remove an owner, here one who has not accepted yet) removes the
// others, fails naming that member with the server's reason, and leaves exactly that member in the
// state (the active owner it keeps is no longer managed); with an owner's credential, the next destroy
// completes. Through the real CLI, to read the state the failed destroy left (a test step refreshes it).
func TestAccMembersResource_destroyPartlyFails(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanTeam)
	owner := strings.ToLower(env.OwnerEmail)
	admin, err := env.Client.CreateAPIToken(t.Context(), org.ID, api.APITokenCreate{Name: "admin-bot", Role: api.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	cli := acctest.NewCLI(t, env)
	cli.WriteFile("main.tf", fmt.Sprintf(`
resource "orgs_members" "all" {
  organization_id = %q
  members = {
    %q = "owner"
    "pat@example.com" = "owner"
    "bob@example.com" = "member"
  }
}
`, org.ID, owner))
	cli.MustRun("apply", "-auto-approve")
	cli.WriteFile("providers.tf", fmt.Sprintf(`terraform {
  required_providers {
    orgs = { source = "orgs-dev/orgs" }
  }
}

provider "orgs" {
  token = %q
}
`, admin.Token))
	out, err := cli.Run("destroy", "-auto-approve", "-input=false", "-no-color")
	if err == nil {
		t.Fatalf("the destroy with an admin token succeeded:\n%s", out)
	}
	if !wrappedText("In organization "+org.ID+", could not remove pat@example.com:").MatchString(out) ||
		!wrappedText("only owners unmake owners").MatchString(out) || strings.Contains(out, "could not remove bob@example.com") {
		t.Errorf("the destroy does not fail naming exactly pat@example.com with the server's reason:\n%s", out)
	}
	if got, err := serverRoles(t.Context(), env, org.ID); err != nil || !maps.Equal(got, map[string]string{owner: "owner", "pat@example.com": "owner"}) {
		t.Errorf("after the destroy that partly failed, the server holds %v (%v), want the owner and pat@", got, err)
	}
	shown, err := cli.Run("show", "-json")
	if err != nil {
		t.Fatal(err)
	}
	var state tfjson.State
	if err := state.UnmarshalJSON([]byte(shown)); err != nil {
		t.Fatalf("show -json: %v\n%s", err, shown)
	}
	var kept map[string]string
	for _, r := range state.Values.RootModule.Resources {
		if r.Address == "orgs_members.all" {
			kept = map[string]string{}
			for email, role := range planMembers(r.AttributeValues) {
				kept[email] = strings.TrimSpace(role)
			}
		}
	}
	if want := map[string]string{"pat@example.com": "owner <nil>"}; !maps.Equal(kept, want) {
		t.Errorf("the state after the destroy that partly failed holds %v, want %v", kept, want)
	}

	cli.WriteFile("providers.tf", "terraform {\n  required_providers {\n    orgs = { source = \"orgs-dev/orgs\" }\n  }\n}\n\nprovider \"orgs\" {}\n")
	cli.MustRun("destroy", "-auto-approve")
	if got, err := serverRoles(t.Context(), env, org.ID); err != nil || !maps.Equal(got, map[string]string{owner: "owner"}) {
		t.Errorf("after the destroy, the server holds %v (%v), want only the owner", got, err)
	}
}

// TestAccMembersResource_caseOnlyChange: an address written in another letter case than the state
// holds it is the same membership. The plan cannot hide the new spelling (members is the configuration's
// map, and the refresh that comes before the plan cannot see the configuration), so it shows the old key
// removed and the new one added; the apply sends nothing to the server, the state takes the
// configuration's spelling, and the next plan is empty (the refresh keeps the state's spelling).
func TestAccMembersResource_caseOnlyChange(t *testing.T) {
	writes := &writeCounter{}
	env := acctest.New(t, writes.option())
	org := env.CreateOrganization(t, api.PlanTeam)
	owner := strings.ToLower(env.OwnerEmail)
	var before int
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: membersConfig(env, org.ID, map[string]string{owner: "owner", "bob@example.com": "admin"})},
			{
				PreConfig: func() { _, before = writes.since(0) },
				Config:    membersConfig(env, org.ID, map[string]string{owner: "owner", "Bob@Example.com": "admin"}),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					expectMemberChanges{added: []string{"Bob@Example.com"}, removed: []string{"bob@example.com"}},
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(membersResource, tfjsonpath.New("members"), knownvalue.MapExact(map[string]knownvalue.Check{
						owner: knownvalue.StringExact("owner"), "Bob@Example.com": knownvalue.StringExact("admin"),
					})),
					statecheck.ExpectKnownValue(membersResource, tfjsonpath.New("statuses").AtMapKey("Bob@Example.com"), knownvalue.StringExact("invited")),
				},
				Check: func(s *terraform.State) error {
					if made, _ := writes.since(before); len(made) != 0 {
						return fmt.Errorf("the apply of a change of letter case made the writes %v, want none", made)
					}
					return expectServerRoles(env, org.ID, map[string]string{owner: "owner", "bob@example.com": "admin"})(s)
				},
			},
			{
				Config: membersConfig(env, org.ID, map[string]string{owner: "owner", "Bob@Example.com": "admin"}),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
		},
	})
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
	cli.MustRun("apply", "-auto-approve")
	before := env.RequestsTo("/activity")
	if out := cli.MustRun("plan"); !wrappedText("No changes.").MatchString(out) || wrappedText("outside Terraform").MatchString(out) {
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
	out := cli.MustRun("plan")
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
	out = cli.MustRun("plan")
	for _, line := range lines {
		if !wrappedText(line).MatchString(out) {
			t.Errorf("the plan without the log does not say %q:\n%s", line, out)
		}
	}
	if strings.Contains(out, "by carol@example.com") || strings.Contains(out, "could not be read") {
		t.Errorf("the plan without the log says who made the changes, or that it could not tell:\n%s", out)
	}
}
