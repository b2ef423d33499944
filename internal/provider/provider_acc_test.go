package provider_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/servertest"
)

func TestAccProvider_configuration(t *testing.T) {
	env := acctest.New(t)
	lookup := `
data "orgs_organization" "test" {
  name = "anything"
}
`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: `
provider "orgs" {
  endpoint        = "` + env.Endpoint + `"
  token           = "` + env.Token + `"
  request_timeout = "soon"
}
` + lookup,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Attribute\s+request_timeout\s+must\s+be\s+a\s+positive\s+duration`),
			},
			{
				Config: `
provider "orgs" {
  endpoint    = "` + env.Endpoint + `"
  token       = "` + env.Token + `"
  max_retries = 11
}
` + lookup,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Attribute\s+max_retries\s+value\s+must\s+be\s+between\s+0\s+and\s+10`),
			},
			{
				// A refused credential says what to check.
				Config:      env.ProviderBlockWithToken("not-a-token") + lookup,
				ExpectError: regexp.MustCompile(`(?s)HTTP 401.*Check\s+the\s+provider's\s+` + "`token`"),
			},
		},
	})
}

// A flaky API (rate limits, 503s, and writes whose response is lost after the server committed them)
// changes nothing for the user: the apply succeeds, every create made exactly one object, and the next
// plan is empty. Faults are drawn at random per request, so this runs a whole configuration rather
// than one call; max_retries is high enough that a run of faults long enough to fail is negligible.
func TestAccProvider_retriesAFlakyServer(t *testing.T) {
	env := acctest.New(t, servertest.WithFaults(server.Faults{
		Fraction429:           0.15,
		Fraction503:           0.1,
		FractionCommitThen503: 0.1,
		Seed:                  7,
	}))
	alice, _ := env.SignUp(t, "alice@example.com")
	config := `
provider "orgs" {
  endpoint    = "` + env.Endpoint + `"
  token       = "` + env.Token + `"
  max_retries = 10
}

resource "orgs_organization" "flaky" {
  name                 = "Flaky Network"
  admin_contact_emails = ["ops@example.com"]
  plan                 = "team"
}

resource "orgs_label" "flaky" {
  count           = 3
  organization_id = orgs_organization.flaky.id
  key             = "label-${count.index}"
  value           = "v${count.index}"
}

resource "orgs_member" "alice" {
  organization_id = orgs_organization.flaky.id
  email           = "` + alice.Email + `"
  role            = "admin"
}
`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkOrganizationDestroyed(env),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(*terraform.State) error {
					ctx := context.Background()
					orgs, err := env.Client.ListOrganizations(ctx)
					if err != nil {
						return err
					}
					if len(orgs) != 1 {
						return fmt.Errorf("the server holds %d organizations after one create; want 1", len(orgs))
					}
					labels, err := env.Client.ListLabels(ctx, orgs[0].ID)
					if err != nil {
						return err
					}
					members, err := env.Client.ListMembers(ctx, orgs[0].ID)
					if err != nil {
						return err
					}
					if len(labels) != 3 || len(members) != 2 {
						return fmt.Errorf("the server holds %d labels and %d members; want 3 and 2 (owner and alice)", len(labels), len(members))
					}
					return nil
				},
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

// TestAccProvider_maxRequestsPerSecond: the provider's own ceiling on its request rate, set by the
// max_requests_per_second argument or the ORGS_MAX_REQUESTS_PER_SECOND environment variable, holds
// against a server that advertises no limit (no RateLimit headers), where nothing else would slow the
// provider down. An apply of 24 environments at a ceiling of 4 per second is measured where the server
// sees it: at most 8 requests in any second (the ceiling, plus a first burst of as many), so the apply's
// requests spread over at least 5 seconds. Environments, because their writes are one request each: the
// writes of labels (members, invitations) would be coalesced into a few bulk requests, and a few
// requests say nothing about a rate. It runs the real CLI with the provider as a plugin process,
// which reads the environment as users set it.
func TestAccProvider_maxRequestsPerSecond(t *testing.T) {
	t.Parallel()
	const ceiling, environments = 4, 24
	for _, way := range []string{"argument", "environment variable"} {
		t.Run(way, func(t *testing.T) {
			t.Parallel()
			env := acctest.New(t)
			org := env.CreateOrganization(t, api.PlanEnterprise)
			expectNoRateLimitHeaders(t, env)
			var cli *acctest.CLI
			if way == "argument" {
				cli = acctest.NewCLI(t, env)
				cli.WriteFile("providers.tf", fmt.Sprintf(`terraform {
  required_providers {
    orgs = { source = "orgs-dev/orgs" }
  }
}

provider "orgs" {
  max_requests_per_second = %d
}
`, ceiling))
			} else {
				cli = acctest.NewCLI(t, env, fmt.Sprintf("ORGS_MAX_REQUESTS_PER_SECOND=%d", ceiling))
			}
			cli.WriteFile("main.tf", fmt.Sprintf(`
resource "orgs_environment" "paced" {
  count           = %d
  organization_id = %q
  name            = "paced-${count.index}"
}
`, environments, org.ID))
			run := func(args ...string) {
				t.Helper()
				if out, err := cli.Run(args...); err != nil {
					t.Fatalf("%v\n%s", err, out)
				}
			}
			run("plan", "-input=false", "-no-color", "-out=paced.tfplan")
			// Only the apply is measured: one provider process, so one ceiling's budget.
			start := time.Now()
			run("apply", "-input=false", "-no-color", "paced.tfplan")
			arrivals := env.Arrivals(start)
			if len(arrivals) < environments {
				t.Fatalf("the apply of %d environments made %d requests", environments, len(arrivals))
			}
			peak := 0
			for i, first := 0, 0; i < len(arrivals); i++ {
				for arrivals[i].Sub(arrivals[first]) >= time.Second {
					first++
				}
				peak = max(peak, i-first+1)
			}
			span := arrivals[len(arrivals)-1].Sub(arrivals[0])
			rate := float64(len(arrivals)-1) / span.Seconds()
			t.Logf("%d requests in %s (%.1f per second), at most %d in one second", len(arrivals), span.Round(time.Millisecond), rate, peak)
			// A request more than the bucket allows, for the jitter between the provider and the server.
			if limit := 2*ceiling + 1; peak > limit {
				t.Errorf("with a ceiling of %d per second set by the %s, the server saw %d requests in one second (want at most %d), %d in %s (%.1f per second)",
					ceiling, way, peak, limit, len(arrivals), span.Round(time.Millisecond), rate)
			}
			if least := time.Duration(float64(len(arrivals)-ceiling-1) / ceiling * 0.9 * float64(time.Second)); span < least {
				t.Errorf("with a ceiling of %d per second set by the %s, the apply's %d requests took %s (%.1f per second); want at least %s",
					ceiling, way, len(arrivals), span.Round(time.Millisecond), rate, least.Round(time.Millisecond))
			}
		})
	}
}

// expectNoRateLimitHeaders fails the test unless env's server advertises no rate limit: the premise of
// a test of the provider's own ceiling.
func expectNoRateLimitHeaders(t *testing.T, env *acctest.Env) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, env.Endpoint+api.PathCurrentUser, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+env.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, h := range []string{api.HeaderRateLimitPolicy, api.HeaderRateLimit} {
		if v := resp.Header.Get(h); v != "" || resp.StatusCode != http.StatusOK {
			t.Fatalf("the test server answers %d with %s: %q; want 200 and no rate limit advertised", resp.StatusCode, h, v)
		}
	}
}
