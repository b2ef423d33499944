package provider_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// TestAccTimeouts_createRunsOut: against a server slower than the resource's create timeout, the
// provider gives up on the create when the timeout runs out (measured at the server: how long the
// request was held before the provider hung up), the apply fails with an error that names the timeout,
// and the state records nothing. It runs the real CLI with the provider as a plugin process.
func TestAccTimeouts_createRunsOut(t *testing.T) {
	t.Parallel()
	const latency, timeout = 20 * time.Second, 2 * time.Second
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanTeam)
	cli := acctest.NewCLI(t, env)
	// The organization exists; from now on every request waits longer than the timeout allows.
	env.SetLatency(latency)
	cli.WriteFile("main.tf", fmt.Sprintf(`
resource "orgs_label" "slow" {
  organization_id = %q
  key             = "slow"

  timeouts {
    create = "%s"
  }
}
`, org.ID, timeout))
	start := time.Now()
	out, err := cli.Run("apply", "-auto-approve", "-input=false", "-no-color")
	elapsed := time.Since(start)
	if err == nil {
		t.Fatalf("the apply succeeded against a server slower than the timeout:\n%s", out)
	}
	for _, want := range []string{"Timed out: create label", "the create timeout of 2s (timeouts.create) ran out", "raise timeouts.create"} {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
			t.Errorf("the error does not say %q:\n%s", want, out)
		}
	}
	expectGaveUp(t, env, "POST", "/labels", timeout)
	// The whole apply, CLI start-up included, ends long before the server would have answered.
	if elapsed >= latency {
		t.Errorf("the apply took %s, as long as the server's latency (%s)", elapsed, latency)
	}
	if state, err := cli.Run("state", "list"); strings.Contains(state, "orgs_label.slow") {
		t.Errorf("the timed-out create was recorded in state (%v):\n%s", err, state)
	}
}

// TestAccTimeouts_updateRunsOut: an update is bounded by timeouts.update, not by the create timeout (here
// far longer than the server's latency): against a server slower than the update timeout, the provider
// gives up on the update when that timeout runs out, and the apply fails with an error that names it.
// The plan is made while the server is quick and applied once it is slow, so that only the update
// meets the latency.
func TestAccTimeouts_updateRunsOut(t *testing.T) {
	t.Parallel()
	const latency, timeout = 20 * time.Second, 2 * time.Second
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanTeam)
	cli := acctest.NewCLI(t, env)
	config := func(value string) string {
		return fmt.Sprintf(`
resource "orgs_label" "slow" {
  organization_id = %q
  key             = "slow"
  value           = %q

  timeouts {
    create = "5m"
    update = "%s"
  }
}
`, org.ID, value, timeout)
	}
	cli.WriteFile("main.tf", config("before"))
	cli.MustRun("apply", "-auto-approve")
	cli.WriteFile("main.tf", config("after"))
	if out := cli.MustRun("plan", "-out=update.tfplan"); !strings.Contains(out, "1 to change") {
		t.Fatalf("the plan does not update the label:\n%s", out)
	}
	// From now on every request waits longer than the update timeout allows.
	env.SetLatency(latency)
	start := time.Now()
	out, err := cli.Run("apply", "-input=false", "-no-color", "update.tfplan")
	elapsed := time.Since(start)
	if err == nil {
		t.Fatalf("the apply succeeded against a server slower than the update timeout:\n%s", out)
	}
	for _, want := range []string{"Timed out: update label", "the update timeout of 2s (timeouts.update) ran out", "raise timeouts.update"} {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
			t.Errorf("the error does not say %q:\n%s", want, out)
		}
	}
	expectGaveUp(t, env, "PATCH", "/labels/slow", timeout)
	if elapsed >= latency {
		t.Errorf("the apply took %s, as long as the server's latency (%s)", elapsed, latency)
	}
	env.SetLatency(0)
	label, err := env.Client.GetLabel(t.Context(), org.ID, "slow")
	if err != nil {
		t.Fatal(err)
	}
	if label.Value != "before" {
		t.Errorf("the label's value is %q after the update timed out, want the one before, %q", label.Value, "before")
	}
}

// expectGaveUp checks that requests whose path ends with suffix reached the server, and that the provider
// hung up on each of them after about timeout (measured at the server: how long the request was held).
func expectGaveUp(t *testing.T, env *acctest.Env, method, suffix string, timeout time.Duration) {
	t.Helper()
	n := 0
	for _, r := range env.DelayedRequests() {
		if r.Method != method || !strings.HasSuffix(r.Path, suffix) {
			continue
		}
		n++
		if !r.GaveUp || r.Waited > timeout+time.Second {
			t.Errorf("%s %s was held %s before the provider hung up (gave up: %v); want about the %s timeout", r.Method, r.Path, r.Waited, r.GaveUp, timeout)
		}
	}
	if n == 0 {
		t.Errorf("no %s of ...%s reached the server", method, suffix)
	}
}
