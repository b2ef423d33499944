package provider_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// TestAccTimeouts_createRunsOut: against a server slower than the resource's create timeout, the apply
// fails within the timeout plus the CLI's own overhead, with an error that names the timeout, and the
// state records nothing. It runs the real CLI with the provider as a plugin process.
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
	// The CLI and plugin start-up take a few seconds on a loaded machine; the server's latency is far more.
	if limit := timeout + 8*time.Second; elapsed > limit {
		t.Errorf("the apply took %s, more than the timeout (%s) plus a margin (%s in all)", elapsed, timeout, limit)
	}
	if state, err := cli.Run("state", "list"); strings.Contains(state, "orgs_label.slow") {
		t.Errorf("the timed-out create was recorded in state (%v):\n%s", err, state)
	}
}
