package provider_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
	"github.com/orgs-dev/terraform-provider-orgs/internal/provider"
)

// Ephemeral resources need OpenTofu 1.11 or Terraform 1.10; the version check fails (never skips) on
// an older CLI.
var ephemeralCLI = []tfversion.TerraformVersionCheck{tfversion.RequireAbove(tfversion.Version1_10_0)}

// echoFactories serves orgs and the echo provider, which copies what its provider block receives (here
// the ephemeral token) into the state of its echo resource: the one way a test can see an ephemeral value.
func echoFactories() map[string]func() (tfprotov6.ProviderServer, error) {
	f := maps.Clone(acctest.ProtoV6ProviderFactories)
	f["echo"] = echoprovider.NewProviderServer()
	return f
}

// ephemeralTokenConfig is an ephemeral orgs_api_token.ci echoed into resource echo.<echoName>. The echo
// resource keeps what it saw first, so each step that must see a new token names a new one.
func ephemeralTokenConfig(env *acctest.Env, orgID, role, echoName string, args ...string) string {
	return env.ProviderBlock() + fmt.Sprintf(`
ephemeral "orgs_api_token" "ci" {
  organization_id = %q
  name            = "ci"
  role            = %q
  %s
}

provider "echo" {
  data = ephemeral.orgs_api_token.ci
}

resource "echo" %q {}
`, orgID, role, strings.Join(args, "\n  "), echoName)
}

// TestAccEphemeralAPIToken_revokedWhenRunEnds opens the token in a run, sees its values through the
// echo provider, and checks with the server that the run created it and revoked it at its end.
func TestAccEphemeralAPIToken_revokedWhenRunEnds(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanHobby)
	owner, err := env.Client.CurrentUser(t.Context())
	if err != nil {
		t.Fatalf("current user: %v", err)
	}
	data := func(attr string) tfjsonpath.Path { return tfjsonpath.New("data").AtMapKey(attr) }
	start := time.Now()

	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   ephemeralCLI,
		ProtoV6ProviderFactories: echoFactories(),
		Steps: []resource.TestStep{
			{
				Config: ephemeralTokenConfig(env, org.ID, "member", "first"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("echo.first", data("token"), knownvalue.StringRegexp(regexp.MustCompile(`^orgs_ot_\S{16,}$`))),
					statecheck.ExpectKnownValue("echo.first", data("id"), knownvalue.StringRegexp(regexp.MustCompile(`^tok_\w+$`))),
					statecheck.ExpectKnownValue("echo.first", data("organization_id"), knownvalue.StringExact(org.ID)),
					statecheck.ExpectKnownValue("echo.first", data("name"), knownvalue.StringExact("ci")),
					statecheck.ExpectKnownValue("echo.first", data("role"), knownvalue.StringExact("member")),
					statecheck.ExpectKnownValue("echo.first", data("expires_in"), knownvalue.Null()),
					statecheck.ExpectKnownValue("echo.first", data("expires_at"), expiresAfter(start, provider.DefaultEphemeralTokenLifetime)),
					expectRevoked(env, org.ID, "echo.first", owner.ID),
				},
			},
			{
				Config: ephemeralTokenConfig(env, org.ID, "admin", "second", `expires_in = "10m"`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("echo.second", data("role"), knownvalue.StringExact("admin")),
					statecheck.ExpectKnownValue("echo.second", data("expires_in"), knownvalue.StringExact("10m")),
					statecheck.ExpectKnownValue("echo.second", data("expires_at"), expiresAfter(start, 10*time.Minute)),
					expectRevoked(env, org.ID, "echo.second", owner.ID),
				},
			},
		},
	})
}

// TestAccEphemeralAPIToken_asProviderCredential is the use the resource is for: a provider acting with a
// token that exists only during the run. The organization is created in the same configuration, so the
// token's arguments are unknown at plan time; the label is made, and at destroy removed, by that token.
//
// A user writes the second provider as an alias of orgs. The test framework, however, serves each provider
// name from one in-process server that every configuration of that name reconfigures, so the alias would
// also change the credential of the default orgs provider. The same provider served under a second name
// gets a server of its own.
func TestAccEphemeralAPIToken_asProviderCredential(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	config := env.ProviderBlock() + fmt.Sprintf(`
resource "orgs_organization" "test" {
  name                 = "Ephemeral"
  admin_contact_emails = [%q]
}

ephemeral "orgs_api_token" "deploy" {
  organization_id = orgs_organization.test.id
  name            = "deploy"
  role            = "admin"
  expires_in      = "15m"
}

provider "orgsdeploy" {
  endpoint = %q
  token    = ephemeral.orgs_api_token.deploy.token
}

resource "orgs_label" "team" {
  provider        = orgsdeploy
  organization_id = orgs_organization.test.id
  key             = "team"
  value           = "platform"
}
`, env.OwnerEmail, env.Endpoint)
	factories := maps.Clone(acctest.ProtoV6ProviderFactories)
	factories["orgsdeploy"] = providerserver.NewProtocol6WithError(provider.New("test")())
	var orgID string

	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   ephemeralCLI,
		ProtoV6ProviderFactories: factories,
		CheckDestroy: func(*terraform.State) error {
			// The label went first, removed with a token of the destroy run; then its organization.
			if err := expectNotFound(env.Client.GetOrganization(context.Background(), orgID)); err != nil {
				return fmt.Errorf("organization %s after destroy: %w", orgID, err)
			}
			return nil
		},
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				serverCheck(func(ctx context.Context, state *tfjson.State) error {
					var err error
					if orgID, err = stateString(state, "orgs_organization.test", "id"); err != nil {
						return err
					}
					if _, err := env.Client.GetLabel(ctx, orgID, "team"); err != nil {
						return fmt.Errorf("label on the server: %w", err)
					}
					log, err := tokenActivity(ctx, env.Client, orgID)
					if err != nil {
						return err
					}
					creators := log.actors("label.create")
					if len(creators) != 1 || creators[0].typ != "token" {
						return fmt.Errorf("label.create was done by %v, want one organization API token", creators)
					}
					if err := log.createdAndRevoked(creators[0].id); err != nil {
						return fmt.Errorf("the token that created the label: %w", err)
					}
					return expectNoTokens(ctx, env.Client, orgID)
				}),
			},
		}},
	})
}

func TestAccEphemeralAPIToken_validation(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanHobby)

	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   ephemeralCLI,
		ProtoV6ProviderFactories: echoFactories(),
		Steps: []resource.TestStep{
			{
				Config:      ephemeralTokenConfig(env, org.ID, "owner", "test"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)` + wrappedText(`Attribute role value must be one of:`).String() + `.*got:(?:\s|│)+"owner"`),
			},
			{
				Config:      ephemeralTokenConfig(env, org.ID, "member", "test", `expires_in = "soon"`),
				PlanOnly:    true,
				ExpectError: wrappedText(`Attribute expires_in must be a duration of at least 1s: "soon" is not a duration`),
			},
			{
				Config:      ephemeralTokenConfig(env, org.ID, "member", "test", `expires_in = "-5m"`),
				PlanOnly:    true,
				ExpectError: wrappedText(`Attribute expires_in must be a duration of at least 1s: "-5m" must be greater than zero`),
			},
			{
				// Shorter than a second would round to an expiry in the past.
				Config:      ephemeralTokenConfig(env, org.ID, "member", "test", `expires_in = "500ms"`),
				PlanOnly:    true,
				ExpectError: wrappedText(`Attribute expires_in must be a duration of at least 1s: "500ms" is shorter than 1s, the shortest this accepts`),
			},
		},
	})
	// Refused before any Open: no token was ever made.
	log, err := tokenActivity(t.Context(), env.Client, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(log.created) != 0 {
		t.Errorf("invalid configurations created tokens %v", log.created)
	}
}

// TestAccEphemeralAPIToken_refusal shows the server's refusal, in its own words, when the plan's token
// limit leaves no room for the run's token.
func TestAccEphemeralAPIToken_refusal(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanHobby)
	for i := range int(api.PlanLimits[api.PlanHobby].APITokens) {
		if _, err := env.Client.CreateAPIToken(t.Context(), org.ID, api.APITokenCreate{Name: fmt.Sprintf("existing-%d", i), Role: api.RoleMember}); err != nil {
			t.Fatalf("create token %d: %v", i, err)
		}
	}
	refusal := refusalOf(t, func() error {
		_, err := env.Client.CreateAPIToken(t.Context(), org.ID, api.APITokenCreate{Name: "one-too-many", Role: api.RoleMember})
		return err
	}, api.ProblemLimitReached)

	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   ephemeralCLI,
		ProtoV6ProviderFactories: echoFactories(),
		Steps: []resource.TestStep{{
			Config:      ephemeralTokenConfig(env, org.ID, "member", "test"),
			ExpectError: wrappedText(refusal),
		}},
	})
}

// expiresAfter checks an RFC 3339 expires_at set to lifetime after a moment between start and now.
func expiresAfter(start time.Time, lifetime time.Duration) knownvalue.Check {
	return knownvalue.StringFunc(func(s string) error {
		at, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return err
		}
		// The provider keeps whole seconds, rounded up so the token lives at least as long as asked.
		earliest, latest := start.Add(lifetime), time.Now().Add(lifetime).Add(time.Second)
		if at.Before(earliest) || at.After(latest) {
			return fmt.Errorf("expires_at %s, want %s after the run's token was made (between %s and %s)",
				s, lifetime, earliest.UTC().Format(time.RFC3339), latest.UTC().Format(time.RFC3339))
		}
		return nil
	})
}

// expectRevoked checks, once the run is over, that the token echoed into echoAddr was made by the run
// (as the provider's user) and revoked at its end: its secret no longer authenticates, the organization
// lists no token, and the activity log holds its creation and its deletion.
func expectRevoked(env *acctest.Env, orgID, echoAddr, creatorID string) statecheck.StateCheck {
	return serverCheck(func(ctx context.Context, state *tfjson.State) error {
		v, err := stateValue(state, echoAddr, "data")
		if err != nil {
			return err
		}
		echoed, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s.data is %T, want the ephemeral token's attributes", echoAddr, v)
		}
		id, _ := echoed["id"].(string)
		secret, _ := echoed["token"].(string)
		if id == "" || secret == "" {
			return fmt.Errorf("%s.data has no id or token: keys %v", echoAddr, slices.Sorted(maps.Keys(echoed)))
		}

		if err := expectNoTokens(ctx, env.Client, orgID); err != nil {
			return err
		}
		c, err := client.New(client.Config{Endpoint: env.Endpoint, Token: secret, MaxRetries: 0})
		if err != nil {
			return err
		}
		switch _, err := c.GetOrganization(ctx, orgID); {
		case err == nil:
			return errors.New("the run's token still works after the run")
		case !client.IsUnauthorized(err):
			return fmt.Errorf("the run's token after the run: want 401 (revoked), got: %w", err)
		}

		log, err := tokenActivity(ctx, env.Client, orgID)
		if err != nil {
			return err
		}
		if err := log.createdAndRevoked(id); err != nil {
			return err
		}
		if got := log.creator[id]; got != (actor{"user", creatorID}) {
			return fmt.Errorf("token %s was created by %v, want the provider's user %s", id, got, creatorID)
		}
		// Every run that opened a token (plans too) closed it: nothing is left behind.
		for _, made := range log.created {
			if !slices.Contains(log.deleted, made) {
				return fmt.Errorf("token %s was created and never revoked (created %v, deleted %v)", made, log.created, log.deleted)
			}
		}
		return nil
	})
}

func expectNoTokens(ctx context.Context, c *client.Client, orgID string) error {
	tokens, err := c.ListAPITokens(ctx, orgID)
	if err != nil {
		return fmt.Errorf("list tokens: %w", err)
	}
	if len(tokens) != 0 {
		ids := make([]string, len(tokens))
		for i, tok := range tokens {
			ids[i] = tok.ID
		}
		return fmt.Errorf("the organization still has tokens %v after the run", ids)
	}
	return nil
}

type actor struct{ typ, id string }

// activityLog is an organization's activity, indexed for the questions these tests ask.
type activityLog struct {
	entries          []api.ActivityEntry
	created, deleted []string         // API token ids, in order
	creator          map[string]actor // API token id: who created it
}

func tokenActivity(ctx context.Context, c *client.Client, orgID string) (*activityLog, error) {
	entries, err := c.ListActivity(ctx, orgID)
	if err != nil {
		return nil, fmt.Errorf("list activity: %w", err)
	}
	log := &activityLog{entries: entries, creator: map[string]actor{}}
	for _, e := range entries {
		switch e.Action {
		case "api_token.create":
			log.created = append(log.created, e.ObjectID)
			log.creator[e.ObjectID] = actor{e.ActorType, e.ActorID}
		case "api_token.delete":
			log.deleted = append(log.deleted, e.ObjectID)
		}
	}
	return log, nil
}

func (l *activityLog) actors(action string) []actor {
	var out []actor
	for _, e := range l.entries {
		if e.Action == action {
			out = append(out, actor{e.ActorType, e.ActorID})
		}
	}
	return out
}

func (l *activityLog) createdAndRevoked(id string) error {
	var errs []error
	if !slices.Contains(l.created, id) {
		errs = append(errs, fmt.Errorf("no api_token.create for %s in the activity log (created: %v)", id, l.created))
	}
	if !slices.Contains(l.deleted, id) {
		errs = append(errs, fmt.Errorf("no api_token.delete for %s in the activity log (deleted: %v)", id, l.deleted))
	}
	return errors.Join(errs...)
}
