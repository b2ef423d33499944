package provider_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
)

// tokenConfig is one orgs_api_token.test with the given extra argument lines.
func tokenConfig(env *acctest.Env, orgID, name, role string, args ...string) string {
	return env.ProviderBlock() + fmt.Sprintf(`
resource "orgs_api_token" "test" {
  organization_id = %q
  name            = %q
  role            = %q
  %s
}
`, orgID, name, role, strings.Join(args, "\n  "))
}

func TestAccAPIToken_lifecycle(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanHobby)
	owner, err := env.Client.CurrentUser(t.Context())
	if err != nil {
		t.Fatalf("current user: %v", err)
	}
	const addr = "orgs_api_token.test"
	idsDiffer := statecheck.CompareValue(compare.ValuesDiffer())
	secretsDiffer := statecheck.CompareValue(compare.ValuesDiffer())
	var firstID, currentID string // as the server knows them, captured from state by the checks

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             env.CheckDestroy("orgs_api_token", tokenGone),
		Steps: []resource.TestStep{
			{
				Config: tokenConfig(env, org.ID, "ci", "member"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("role"), knownvalue.StringExact("member")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("active"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("created_by"), knownvalue.StringExact(owner.ID)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("expires_at"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("created_at"), rfc3339Value()),
					statecheck.ExpectSensitiveValue(addr, tfjsonpath.New("token")),
					idsDiffer.AddStateValue(addr, tfjsonpath.New("id")),
					secretsDiffer.AddStateValue(addr, tfjsonpath.New("token")),
					expectWorkingToken(env, org.ID, addr, &firstID),
					statecheck.ExpectIdentity(addr, map[string]knownvalue.Check{
						"organization_id": knownvalue.StringExact(org.ID),
						"id":              knownvalue.NotNull(),
					}),
					statecheck.ExpectIdentityValueMatchesState(addr, tfjsonpath.New("id")),
				},
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateIdFunc: acctest.ImportID(addr, "organization_id", "id"),
				ImportStateVerify: true,
				// The secret cannot come back: the server keeps only its hash. last_used_at moves when the
				// token is used, as the check above does.
				ImportStateVerifyIgnore: []string{"token", "last_used_at"},
				ImportStateCheck:        expectNoSecret,
			},
			{
				// Importing with an import block plans no change at all (the step fails otherwise), and
				// the imported token has no secret.
				ResourceName:      addr,
				ImportState:       true,
				ImportStateKind:   resource.ImportBlockWithID,
				ImportStateIdFunc: acctest.ImportID(addr, "organization_id", "id"),
				ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(addr, tfjsonpath.New("token"), knownvalue.Null()),
				}},
			},
			{
				// The same with the identity from state; the step also checks that the imported
				// identity equals it.
				ResourceName:    addr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
				ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(addr, tfjsonpath.New("token"), knownvalue.Null()),
				}},
			},
			{
				// The API cannot change a token: a new role is a new token, with a new secret.
				Config: tokenConfig(env, org.ID, "ci", "admin"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("role"), knownvalue.StringExact("admin")),
					idsDiffer.AddStateValue(addr, tfjsonpath.New("id")),
					secretsDiffer.AddStateValue(addr, tfjsonpath.New("token")),
					expectWorkingToken(env, org.ID, addr, &currentID),
					serverCheck(func(ctx context.Context, _ *tfjson.State) error {
						return expectNotFound(env.Client.GetAPIToken(ctx, org.ID, firstID))
					}),
				},
			},
			{
				Config: tokenConfig(env, org.ID, "ci", "admin"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
			{
				PreConfig: func() {
					if err := env.Client.DeleteAPIToken(t.Context(), org.ID, currentID); err != nil {
						t.Fatalf("delete token behind Terraform's back: %v", err)
					}
				},
				Config: tokenConfig(env, org.ID, "ci", "admin"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					idsDiffer.AddStateValue(addr, tfjsonpath.New("id")),
					secretsDiffer.AddStateValue(addr, tfjsonpath.New("token")),
					expectWorkingToken(env, org.ID, addr, &currentID),
				},
			},
		},
	})
}

// TestAccAPIToken_importHasNoSecretAndNoDiff imports a token made outside Terraform: its state has no
// secret, and the plan right after is empty, even with expires_at written with another UTC offset than
// the API uses.
func TestAccAPIToken_importHasNoSecretAndNoDiff(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanHobby)
	expires := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second)
	tok, err := env.Client.CreateAPIToken(t.Context(), org.ID, api.APITokenCreate{Name: "deploy", Role: api.RoleBiller, ExpiresAt: &expires})
	if err != nil {
		t.Fatalf("create token: %v", err)
	}
	const addr = "orgs_api_token.test"
	cfg := tokenConfig(env, org.ID, "deploy", "biller",
		fmt.Sprintf("expires_at = %q", expires.In(time.FixedZone("CEST", 2*3600)).Format(time.RFC3339)))

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             env.CheckDestroy("orgs_api_token", tokenGone),
		Steps: []resource.TestStep{
			{
				Config:             cfg,
				ResourceName:       addr,
				ImportState:        true,
				ImportStateId:      org.ID + "/" + tok.ID,
				ImportStatePersist: true,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if err := expectNoSecret(states); err != nil {
						return err
					}
					if got := states[0].Attributes["id"]; got != tok.ID {
						return fmt.Errorf("imported id %q, want %q", got, tok.ID)
					}
					return nil
				},
			},
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("token"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(tok.ID)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("created_by"), knownvalue.StringExact(tok.CreatedBy)),
				},
			},
		},
	})
}

// TestAccAPIToken_expiresAt: the instant is what counts, not how it is written.
func TestAccAPIToken_expiresAt(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanHobby)
	const addr = "orgs_api_token.test"
	expires := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	withOffset := expires.In(time.FixedZone("", -5*3600)).Format(time.RFC3339)
	inUTC := expires.Format(time.RFC3339)
	later := expires.Add(24 * time.Hour).Format(time.RFC3339)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             env.CheckDestroy("orgs_api_token", tokenGone),
		Steps: []resource.TestStep{
			{
				Config: tokenConfig(env, org.ID, "ci", "member", fmt.Sprintf("expires_at = %q", withOffset)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("expires_at"), knownvalue.StringExact(withOffset)),
					serverCheck(func(ctx context.Context, state *tfjson.State) error {
						id, err := stateString(state, addr, "id")
						if err != nil {
							return err
						}
						tok, err := env.Client.GetAPIToken(ctx, org.ID, id)
						if err != nil {
							return err
						}
						if tok.ExpiresAt == nil || !tok.ExpiresAt.Equal(expires) {
							return fmt.Errorf("server's expires_at %v, want %v", tok.ExpiresAt, expires)
						}
						return nil
					}),
				},
			},
			{
				Config: tokenConfig(env, org.ID, "ci", "member", fmt.Sprintf("expires_at = %q", inUTC)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateKind:   resource.ImportBlockWithID,
				ImportStateIdFunc: acctest.ImportID(addr, "organization_id", "id"),
			},
			{
				Config: tokenConfig(env, org.ID, "ci", "member", fmt.Sprintf("expires_at = %q", later)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("expires_at"), knownvalue.StringExact(later)),
				},
			},
		},
	})
}

func TestAccAPIToken_validation(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanHobby)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      tokenConfig(env, org.ID, "ci", "owner"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)` + wrappedText(`Attribute role value must be one of:`).String() + `.*got:(?:\s|│)+"owner"`),
			},
			{
				Config:      tokenConfig(env, org.ID, "ci", "member", `expires_at = "next tuesday"`),
				PlanOnly:    true,
				ExpectError: wrappedText(`Attribute expires_at must be an RFC 3339 timestamp`),
			},
			{
				Config:      tokenConfig(env, org.ID, "ci", "member", `expires_at = "2001-01-01T00:00:00Z"`),
				PlanOnly:    true,
				ExpectError: wrappedText(`expires_at is not in the future`),
			},
		},
	})
}

// TestAccAPIToken_planLimit shows the server's refusal, in its own words, when the plan's token limit
// is reached.
func TestAccAPIToken_planLimit(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanHobby)
	limit := int(api.PlanLimits[api.PlanHobby].APITokens)
	for i := range limit {
		if _, err := env.Client.CreateAPIToken(t.Context(), org.ID, api.APITokenCreate{Name: fmt.Sprintf("existing-%d", i), Role: api.RoleMember}); err != nil {
			t.Fatalf("create token %d of %d: %v", i+1, limit, err)
		}
	}
	refusal := refusalOf(t, func() error {
		_, err := env.Client.CreateAPIToken(t.Context(), org.ID, api.APITokenCreate{Name: "one-too-many", Role: api.RoleMember})
		return err
	}, api.ProblemLimitReached)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      tokenConfig(env, org.ID, "ci", "member"),
			ExpectError: wrappedText(refusal),
		}},
	})
}

func tokenGone(ctx context.Context, c *client.Client, attrs map[string]string) error {
	_, err := c.GetAPIToken(ctx, attrs["organization_id"], attrs["id"])
	return err
}

func expectNoSecret(states []*terraform.InstanceState) error {
	if len(states) != 1 {
		return fmt.Errorf("imported %d objects, want 1", len(states))
	}
	if secret := states[0].Attributes["token"]; secret != "" {
		return fmt.Errorf("imported token has a secret (%d characters); the API must never return it", len(secret))
	}
	return nil
}

// expectWorkingToken checks that the secret in state authenticates against the server, and records the
// token's id in *id.
func expectWorkingToken(env *acctest.Env, orgID, addr string, id *string) statecheck.StateCheck {
	return serverCheck(func(ctx context.Context, state *tfjson.State) error {
		secret, err := stateString(state, addr, "token")
		if err != nil {
			return err
		}
		if *id, err = stateString(state, addr, "id"); err != nil {
			return err
		}
		c, err := client.New(client.Config{Endpoint: env.Endpoint, Token: secret})
		if err != nil {
			return err
		}
		if _, err := c.GetOrganization(ctx, orgID); err != nil {
			return fmt.Errorf("the token's secret does not work: %w", err)
		}
		return nil
	})
}

func rfc3339Value() knownvalue.Check {
	return knownvalue.StringFunc(func(s string) error {
		_, err := time.Parse(time.RFC3339, s)
		return err
	})
}

// ---- TF_LOG=TRACE leaks no secret ----

func init() { acctest.ServeProviderIfAsked() }

// TestAccAPIToken_traceLogHasNoSecrets runs the CLI the way a user does, with TF_LOG=TRACE, against the
// provider as a separate plugin process (this test binary; see init), so every log line of the CLI and
// of the provider (which the CLI relays at TRACE) is in the output. It creates a token, plans and
// destroys, and checks the output holds neither the new token's secret nor the credential the
// provider sends as Authorization. terraform-plugin-testing cannot do this: it serves the provider
// in-process, where the log level comes from the test process's own environment.
func TestAccAPIToken_traceLogHasNoSecrets(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanHobby)
	// The credential comes from ORGS_TOKEN, not the configuration, so any occurrence in the output is a
	// leak from a log line.
	tf := acctest.NewCLI(t, env, "TF_LOG=TRACE")
	tf.WriteFile("main.tf", fmt.Sprintf(`
resource "orgs_api_token" "ci" {
  organization_id = %q
  name            = "ci"
  role            = "member"
}
`, org.ID))

	var logs strings.Builder
	run := func(args ...string) {
		t.Helper()
		out, err := tf.Run(args...)
		logs.WriteString(out)
		if err != nil {
			t.Fatalf("%v\n%s", err, tail(out, 4000))
		}
	}
	run("apply", "-auto-approve", "-input=false", "-no-color")
	state, err := os.ReadFile(filepath.Join(tf.Dir, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	secret := tokenSecretFromState(t, state)
	run("plan", "-input=false", "-no-color", "-detailed-exitcode")
	run("destroy", "-auto-approve", "-input=false", "-no-color")
	out := logs.String()

	// Positive controls: the run logged at TRACE, including the provider's own lines about the very
	// response that carried the secret, so the absence checks below are not vacuous.
	for _, want := range []string{"[TRACE]", "orgs API response body", "[REDACTED]"} {
		if !strings.Contains(out, want) {
			t.Errorf("the TRACE output has no %q; the test no longer sees the provider's logs", want)
		}
	}
	if strings.Contains(out, secret) {
		t.Errorf("the TRACE output holds the new token's secret:\n%s", around(out, secret))
	}
	if strings.Contains(out, env.Token) {
		t.Errorf("the TRACE output holds the provider's credential (the Authorization value):\n%s", around(out, env.Token))
	}
	if m := regexp.MustCompile(`(?i)bearer\s+[^\s"\[\\]{8,}`).FindString(out); m != "" {
		t.Errorf("the TRACE output holds a bearer credential: %q", m)
	}
	if _, err := env.Client.GetAPIToken(t.Context(), org.ID, tokenIDFromState(t, state)); !client.IsNotFound(err) {
		t.Errorf("after destroy the token should be gone (404); got %v", err)
	}
}

func tokenSecretFromState(t *testing.T, state []byte) string {
	t.Helper()
	return tokenAttrFromState(t, state, "token")
}

func tokenIDFromState(t *testing.T, state []byte) string {
	t.Helper()
	return tokenAttrFromState(t, state, "id")
}

func tokenAttrFromState(t *testing.T, state []byte, attr string) string {
	t.Helper()
	var s struct {
		Resources []struct {
			Type      string `json:"type"`
			Instances []struct {
				Attributes map[string]any `json:"attributes"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(state, &s); err != nil {
		t.Fatalf("read state: %v", err)
	}
	for _, r := range s.Resources {
		if r.Type == "orgs_api_token" && len(r.Instances) == 1 {
			if v, ok := r.Instances[0].Attributes[attr].(string); ok && v != "" {
				return v
			}
		}
	}
	t.Fatalf("no orgs_api_token with a %s in the state", attr)
	return ""
}

// around shows where needle occurs in haystack, with the needle itself masked.
func around(haystack, needle string) string {
	i := strings.Index(haystack, needle)
	start, end := max(i-300, 0), min(i+len(needle)+300, len(haystack))
	return strings.ReplaceAll(haystack[start:end], needle, "<SECRET>")
}

func tail(s string, n int) string {
	if len(s) > n {
		s = s[len(s)-n:]
	}
	return s
}
