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
	creates := 0
	for _, r := range env.DelayedRequests() {
		if r.Method != "POST" || !strings.HasSuffix(r.Path, "/labels") {
			continue
		}
		creates++
		if !r.GaveUp || r.Waited > timeout+time.Second {
			t.Errorf("the create was held %s before the provider hung up (gave up: %v); want about the %s timeout", r.Waited, r.GaveUp, timeout)
		}
	}
	if creates == 0 {
		t.Error("no create reached the server")
	}
	// The whole apply, CLI start-up included, ends long before the server would have answered.
	if elapsed >= latency {
		t.Errorf("the apply took %s, as long as the server's latency (%s)", elapsed, latency)
	}
	if state, err := cli.Run("state", "list"); strings.Contains(state, "orgs_label.slow") {
		t.Errorf("the timed-out create was recorded in state (%v):\n%s", err, state)
	}
}
