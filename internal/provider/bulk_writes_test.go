package provider_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/servertest"
)

// bulkCounter counts the bulk requests that reach the server, and keeps every request's method and
// path for the failure messages.
type bulkCounter struct {
	n    atomic.Int64
	mu   sync.Mutex
	seen []string
}

func (b *bulkCounter) requests() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.seen, "\n")
}

func (b *bulkCounter) option() servertest.Option {
	return servertest.WithHandler(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && strings.Contains(r.URL.Path, "/bulk/") {
				b.n.Add(1)
			}
			b.mu.Lock()
			b.seen = append(b.seen, r.Method+" "+r.URL.Path)
			b.mu.Unlock()
			next.ServeHTTP(w, r)
		})
	})
}

// labelsAndMembersConfig is n labels and n members (addresses without an account: invited) of orgID.
func labelsAndMembersConfig(orgID string, n int) string {
	return fmt.Sprintf(`
resource "orgs_label" "l" {
  count           = %[2]d
  organization_id = %[1]q
  key             = "bulk.example/k${count.index}"
  value           = "v${count.index}"
}

resource "orgs_member" "m" {
  count           = %[2]d
  organization_id = %[1]q
  email           = "bulk-${count.index}@example.com"
  role            = "member"
}
`, orgID, n)
}

func runCLI(t *testing.T, cli *acctest.CLI, args ...string) string {
	t.Helper()
	out, err := cli.Run(append(args, "-input=false", "-no-color")...)
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// TestAccBulkWrites_coalescedCreates: the first apply of 30 labels and 30 members, against a server
// with its default rate limit, sends the creates that Terraform runs in parallel as bulk requests: far
// fewer requests than resources, none answered 429. Every object is made, and the next plan is empty.
// Destroying them is coalesced too.
func TestAccBulkWrites_coalescedCreates(t *testing.T) {
	t.Parallel()
	const n = 30
	var bulk bulkCounter
	env := acctest.New(t, servertest.WithRateLimit(server.RateLimit{}), bulk.option())
	org := env.CreateOrganization(t, api.PlanTeam)
	cli := acctest.NewCLI(t, env)
	cli.WriteFile("main.tf", labelsAndMembersConfig(org.ID, n))

	before, _ := env.Requests()
	runCLI(t, cli, "apply", "-auto-approve")
	after, limited := env.Requests()
	// 2n creates at Terraform's parallelism of 10 fill about 2n/10 bulk requests, and the plan reads a
	// little; on a busy machine some windows close with fewer writes. One request per two objects is
	// far from one per object.
	if requests := after - before; requests > n {
		t.Errorf("the first apply of %d objects took %d requests, want at most %d:\n%s", 2*n, requests, n, bulk.requests())
	}
	if bulk.n.Load() < 2 {
		t.Errorf("the first apply sent %d bulk requests; the creates were not coalesced", bulk.n.Load())
	}
	if limited != 0 {
		t.Errorf("the apply was answered 429 %d times", limited)
	}
	labels, err := env.Client.ListLabels(t.Context(), org.ID)
	if err != nil || len(labels) != n {
		t.Fatalf("the organization holds %d labels (%v), want %d", len(labels), err, n)
	}
	members, err := env.Client.ListMembers(t.Context(), org.ID)
	if err != nil || len(members) != n+1 {
		t.Fatalf("the organization holds %d members (%v), want %d and its owner", len(members), err, n)
	}
	if out := runCLI(t, cli, "plan", "-detailed-exitcode"); !strings.Contains(out, "No changes.") {
		t.Fatalf("the plan after the apply is not empty:\n%s", out)
	}

	bulkBefore := bulk.n.Load()
	runCLI(t, cli, "destroy", "-auto-approve")
	if bulk.n.Load() == bulkBefore {
		t.Errorf("destroying %d objects sent no bulk request", 2*n)
	}
	if labels, err := env.Client.ListLabels(t.Context(), org.ID); err != nil || len(labels) != 0 {
		t.Errorf("after destroy the organization holds %d labels (%v)", len(labels), err)
	}
}

// TestAccBulkWrites_itemsFailAlone: 12 labels on a plan that holds 10, created in bulk: exactly the two
// past the limit fail, each with the server's message naming the plan, and the other ten are made and
// in the state. Raising the plan and applying again converges.
func TestAccBulkWrites_itemsFailAlone(t *testing.T) {
	t.Parallel()
	var bulk bulkCounter
	env := acctest.New(t, bulk.option())
	org := env.CreateOrganization(t, api.PlanHobby)
	cli := acctest.NewCLI(t, env)
	cli.WriteFile("main.tf", fmt.Sprintf(`
resource "orgs_label" "l" {
  count           = 12
  organization_id = %q
  key             = "bulk.example/k${count.index}"
  value           = "v"
}
`, org.ID))
	out, err := cli.Run("apply", "-auto-approve", "-input=false", "-no-color")
	if err == nil {
		t.Fatalf("an apply of 12 labels on a plan of 10 succeeded:\n%s", out)
	}
	if got := strings.Count(out, "Error: Failed to create label"); got != 2 {
		t.Errorf("%d labels failed, want the 2 past the limit:\n%s", got, out)
	}
	if !strings.Contains(strings.Join(strings.Fields(out), " "), `plan "hobby" allows at most 10 labels`) {
		t.Errorf("the failure does not carry the server's message:\n%s", out)
	}
	if bulk.n.Load() == 0 {
		t.Errorf("the creates were not sent in bulk")
	}
	state, err := cli.Run("state", "list")
	if err != nil {
		t.Fatalf("state list: %v\n%s", err, state)
	}
	if got := strings.Count(state, "orgs_label.l["); got != 10 {
		t.Errorf("the state holds %d labels, want the 10 made:\n%s", got, state)
	}

	team := api.PlanTeam
	if _, err := env.Client.UpdateOrganization(t.Context(), org.ID, api.OrganizationUpdate{Plan: &team}); err != nil {
		t.Fatal(err)
	}
	if out := runCLI(t, cli, "apply", "-auto-approve"); !strings.Contains(out, "2 added, 0 changed, 0 destroyed") {
		t.Errorf("the apply after raising the plan:\n%s", out)
	}
	if out := runCLI(t, cli, "plan", "-detailed-exitcode"); !strings.Contains(out, "No changes.") {
		t.Fatalf("the plan after converging is not empty:\n%s", out)
	}
}

// TestAccBulkWrites_retriedBulkMakesNoDuplicate: the server commits every write and loses its answer
// (503); the provider retries each bulk request with its Idempotency-Key, gets the first attempt's
// results back, and each object is made once: the apply succeeds, and the activity log holds one
// creation per label.
func TestAccBulkWrites_retriedBulkMakesNoDuplicate(t *testing.T) {
	t.Parallel()
	const n = 20
	var bulk bulkCounter
	env := acctest.New(t, servertest.WithFaults(server.Faults{FractionCommitThen503: 1}), bulk.option())
	org := env.CreateOrganization(t, api.PlanTeam)
	cli := acctest.NewCLI(t, env)
	cli.WriteFile("main.tf", fmt.Sprintf(`
resource "orgs_label" "l" {
  count           = %d
  organization_id = %q
  key             = "bulk.example/k${count.index}"
  value           = "v"
}
`, n, org.ID))
	runCLI(t, cli, "apply", "-auto-approve")
	if bulk.n.Load() < 2 {
		t.Errorf("%d bulk attempts; the creates were not coalesced and retried", bulk.n.Load())
	}
	labels, err := env.Client.ListLabels(t.Context(), org.ID)
	if err != nil || len(labels) != n {
		t.Fatalf("the organization holds %d labels (%v), want %d", len(labels), err, n)
	}
	created := map[string]int{}
	if err := env.Client.WalkActivity(t.Context(), org.ID, client.ActivityFilter{Action: "label.create"}, func(e api.ActivityEntry) bool {
		created[e.ObjectID]++
		return true
	}); err != nil {
		t.Fatal(err)
	}
	for _, l := range labels {
		if created[l.Key] != 1 {
			t.Errorf("label %s was created %d times", l.Key, created[l.Key])
		}
	}
	if out := runCLI(t, cli, "plan", "-detailed-exitcode"); !strings.Contains(out, "No changes.") {
		t.Fatalf("the plan after the apply is not empty:\n%s", out)
	}
}
