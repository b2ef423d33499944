package provider_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
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
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/servertest"
)

// Rotation (issue 8): the token lives expire_after (720h), is due rotate_before (168h) ahead of its end,
// so 552h after its creation, and the replaced one works on for the overlap.
const (
	rotationLife    = 720 * time.Hour
	rotationEarly   = 168 * time.Hour
	rotationDueIn   = rotationLife - rotationEarly
	rotationOverlap = time.Hour
)

func rotatingTokenConfig(env *acctest.Env, orgID, overlap string, createBeforeDestroy bool) string {
	lifecycle := ""
	if createBeforeDestroy {
		lifecycle = "lifecycle {\n    create_before_destroy = true\n  }"
	}
	return tokenConfig(env, orgID, "ci", "member", fmt.Sprintf(`rotation = {
    expire_after  = "720h"
    rotate_before = "168h"
    overlap       = %q
  }
  %s`, overlap, lifecycle))
}

// TestAccAPIToken_rotation walks a rotating token through its life on the server's injected clock, which
// is far from the machine's, so only the server's clock can drive it: created; not yet due (empty plan);
// due (a replacement planned); replaced (the new secret works, and the old one still does, during the
// overlap); past the overlap (the old secret refused). Then a change of the settings is an in-place update
// and the token imports.
func TestAccAPIToken_rotation(t *testing.T) {
	t.Parallel()
	testTokenRotation(t, false)
}

// TestAccAPIToken_rotationCreateBeforeDestroy is the same walk with create_before_destroy: the new
// token is made first, and the old one still works for the overlap after its destroy.
func TestAccAPIToken_rotationCreateBeforeDestroy(t *testing.T) {
	t.Parallel()
	testTokenRotation(t, true)
}

func testTokenRotation(t *testing.T, createBeforeDestroy bool) {
	// A server clock a year ahead of the machine's: a provider deciding on the local clock would never
	// find the token due.
	start := time.Now().UTC().Add(365 * 24 * time.Hour).Truncate(time.Second)
	clock := servertest.NewClock(start, 0)
	env := acctest.New(t, servertest.WithClock(clock.Now))
	org := env.CreateOrganization(t, api.PlanHobby)
	const addr = "orgs_api_token.test"
	cfg := rotatingTokenConfig(env, org.ID, "1h", createBeforeDestroy)
	replace := plancheck.ResourceActionDestroyBeforeCreate
	if createBeforeDestroy {
		replace = plancheck.ResourceActionCreateBeforeDestroy
	}
	idsDiffer := statecheck.CompareValue(compare.ValuesDiffer())
	var oldID, oldSecret, newID, newSecret string
	var rotatedAt time.Time

	steps := []resource.TestStep{
		{
			Config: cfg,
			ConfigStateChecks: []statecheck.StateCheck{
				idsDiffer.AddStateValue(addr, tfjsonpath.New("id")),
				captureSecret(addr, &oldID, &oldSecret),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("expires_at"), timeNear(start.Add(rotationLife))),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("rotation_due_at"), timeNear(start.Add(rotationDueIn))),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("last_used_at"), knownvalue.Null()),
				statecheck.ExpectSensitiveValue(addr, tfjsonpath.New("token")),
				serverCheck(func(ctx context.Context, state *tfjson.State) error {
					if err := secretWorks(ctx, env, org.ID, oldSecret); err != nil {
						return err
					}
					return serverExpiryMatchesState(ctx, env, org.ID, state, addr)
				}),
			},
		},
		{
			// Not due yet: 500h of the 552h have passed. The use of the secret above is recorded.
			PreConfig: func() {
				clock.Advance(500 * time.Hour)
				if err := env.Server.FlushLastUsed(t.Context()); err != nil {
					t.Fatal(err)
				}
			},
			Config: cfg,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectEmptyPlan(),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("last_used_at"), timeNear(start)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringFunc(func(id string) error {
					if id != oldID {
						return fmt.Errorf("id %s, want the first token's %s", id, oldID)
					}
					return nil
				})),
			},
		},
		{
			// Due: 560h have passed. The plan replaces the token; after the apply both secrets work.
			PreConfig: func() {
				clock.Advance(60 * time.Hour)
				rotatedAt = clock.Now()
			},
			Config: cfg,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(addr, replace),
				plancheck.ExpectUnknownValue(addr, tfjsonpath.New("rotation_due_at")),
				plancheck.ExpectUnknownValue(addr, tfjsonpath.New("id")),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				idsDiffer.AddStateValue(addr, tfjsonpath.New("id")),
				captureSecret(addr, &newID, &newSecret),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("rotation_due_at"), timeNear(start.Add(560*time.Hour+rotationDueIn))),
				serverCheck(func(ctx context.Context, _ *tfjson.State) error {
					if err := secretWorks(ctx, env, org.ID, newSecret); err != nil {
						return fmt.Errorf("new secret: %w", err)
					}
					if err := secretWorks(ctx, env, org.ID, oldSecret); err != nil {
						return fmt.Errorf("old secret, during the overlap: %w", err)
					}
					old, err := env.Client.GetAPIToken(ctx, org.ID, oldID)
					if err != nil {
						return fmt.Errorf("the replaced token: %w", err)
					}
					if end := rotatedAt.Add(rotationOverlap); old.ExpiresAt == nil || old.ExpiresAt.Before(end) || old.ExpiresAt.Sub(end) > 5*time.Second {
						return fmt.Errorf("the replaced token expires at %v, want the overlap's end, about %v", old.ExpiresAt, end)
					}
					return nil
				}),
			},
		},
		{
			// Past the overlap: the old secret is refused, the new one works, and nothing is due.
			PreConfig: func() { clock.Advance(rotationOverlap + time.Minute) },
			Config:    cfg,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectEmptyPlan(),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				serverCheck(func(ctx context.Context, _ *tfjson.State) error {
					if err := secretWorks(ctx, env, org.ID, newSecret); err != nil {
						return fmt.Errorf("new secret: %w", err)
					}
					switch err := secretWorks(ctx, env, org.ID, oldSecret); {
					case err == nil:
						return errors.New("after the overlap the old secret still works")
					case !client.IsUnauthorized(err):
						return fmt.Errorf("after the overlap the old secret should be refused with 401: %w", err)
					}
					return nil
				}),
			},
		},
	}
	if !createBeforeDestroy {
		steps = append(steps,
			resource.TestStep{
				// The settings are the provider's own: a change is an update in place, not a new token.
				Config: rotatingTokenConfig(env, org.ID, "2h", false),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("rotation").AtMapKey("overlap"), knownvalue.StringExact("2h")),
					captureSecret(addr, &newID, &newSecret),
				},
			},
			resource.TestStep{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateIdFunc: acctest.ImportID(addr, "organization_id", "id"),
				ImportStateVerify: true,
				// The secret cannot come back, rotation is configuration, which an import cannot see, and
				// last_used_at moves with the checks' own uses of the token.
				ImportStateVerifyIgnore: []string{"token", "rotation", "rotation_due_at", "last_used_at"},
			},
		)
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		// With an overlap, destroy ends the token after it instead of revoking it at once.
		CheckDestroy: func(*terraform.State) error {
			tok, err := env.Client.GetAPIToken(context.Background(), org.ID, newID)
			if err != nil {
				return fmt.Errorf("after destroy with an overlap, the token should still be listed until it ends: %w", err)
			}
			if tok.ExpiresAt == nil || tok.ExpiresAt.After(clock.Now().Add(2*time.Hour+5*time.Second)) {
				return fmt.Errorf("after destroy the token expires at %v, want within the overlap from now (%v)", tok.ExpiresAt, clock.Now())
			}
			return nil
		},
		Steps: steps,
	})
}

// TestAccAPIToken_rotationAdded: rotation set on a token that has lived past its due time (by the new
// settings) replaces it in the next plan; on one that has not, it only shows when it will be due.
func TestAccAPIToken_rotationAdded(t *testing.T) {
	t.Parallel()
	start := time.Now().UTC().Add(-365 * 24 * time.Hour).Truncate(time.Second)
	clock := servertest.NewClock(start, 0)
	env := acctest.New(t, servertest.WithClock(clock.Now))
	org := env.CreateOrganization(t, api.PlanHobby)
	const addr = "orgs_api_token.test"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             env.CheckDestroy("orgs_api_token", tokenGone),
		Steps: []resource.TestStep{
			{Config: tokenConfig(env, org.ID, "ci", "member")},
			{
				// 100h old, due at 552h: the settings apply in place, and the plan says when.
				PreConfig: func() { clock.Advance(100 * time.Hour) },
				Config:    rotatingTokenConfig(env, org.ID, "0s", false),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(addr, tfjsonpath.New("rotation_due_at"), timeNear(start.Add(rotationDueIn))),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					// The token keeps the expiry it was made with (none): only a new one gets expire_after.
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("expires_at"), knownvalue.Null()),
				},
			},
			{
				PreConfig: func() { clock.Advance(500 * time.Hour) },
				Config:    rotatingTokenConfig(env, org.ID, "0s", false),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("expires_at"), timeNear(start.Add(600*time.Hour+rotationLife))),
				},
			},
		},
	})
}

// TestAccAPIToken_rotationAddedToAnEarlierExpiry: rotation set on a token whose own expiry comes before
// expire_after from its creation falls due rotate_before ahead of that expiry, not of the later end
// expire_after would give it, so the token is replaced before it stops working. On the server's clock:
// made at start to expire at start+200h, rotation (720h, 168h) is due at start+32h, which the plan
// shows and which is 168h before the expiry the server holds; at start+40h the plan replaces it.
func TestAccAPIToken_rotationAddedToAnEarlierExpiry(t *testing.T) {
	t.Parallel()
	start := time.Now().UTC().Add(365 * 24 * time.Hour).Truncate(time.Second)
	clock := servertest.NewClock(start, 0)
	env := acctest.New(t, servertest.WithClock(clock.Now))
	org := env.CreateOrganization(t, api.PlanHobby)
	const addr = "orgs_api_token.test"
	expires := start.Add(200 * time.Hour)
	due := expires.Add(-rotationEarly)
	var oldID, oldSecret string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             env.CheckDestroy("orgs_api_token", tokenGone),
		Steps: []resource.TestStep{
			{
				Config: tokenConfig(env, org.ID, "ci", "member", fmt.Sprintf("expires_at = %q", expires.Format(time.RFC3339))),
				ConfigStateChecks: []statecheck.StateCheck{
					captureSecret(addr, &oldID, &oldSecret),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("rotation_due_at"), knownvalue.Null()),
				},
			},
			{
				// 10h later the rotation is added: an update in place, due 168h before the token's own expiry.
				PreConfig: func() { clock.Advance(10 * time.Hour) },
				Config:    rotatingTokenConfig(env, org.ID, "0s", false),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(addr, tfjsonpath.New("rotation_due_at"), timeNear(due)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("rotation_due_at"), timeNear(due)),
					serverCheck(func(ctx context.Context, state *tfjson.State) error {
						// The due time against the expiry the server holds, and the server's clock.
						tok, err := env.Client.GetAPIToken(ctx, org.ID, oldID)
						if err != nil {
							return err
						}
						dueAt, err := stateString(state, addr, "rotation_due_at")
						if err != nil {
							return err
						}
						at, err := time.Parse(time.RFC3339, dueAt)
						if err != nil {
							return err
						}
						switch now := clock.Now(); {
						case tok.ExpiresAt == nil || !tok.ExpiresAt.Equal(expires):
							return fmt.Errorf("the server's expiry of the token is %v, want the one it was made with, %v", tok.ExpiresAt, expires)
						case !at.Equal(tok.ExpiresAt.Add(-rotationEarly)):
							return fmt.Errorf("rotation_due_at %s, want rotate_before (168h) ahead of the token's expiry %s", dueAt, tok.ExpiresAt.Format(time.RFC3339))
						case !at.After(now):
							return fmt.Errorf("rotation_due_at %s is not after the server's time %s", dueAt, now.Format(time.RFC3339))
						}
						return nil
					}),
				},
			},
			{
				// Past the due time (start+40h), 160h before the expiry: replaced.
				PreConfig: func() { clock.Advance(30 * time.Hour) },
				Config:    rotatingTokenConfig(env, org.ID, "0s", false),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("expires_at"), timeNear(start.Add(40*time.Hour+rotationLife))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringFunc(func(id string) error {
						if id == oldID {
							return fmt.Errorf("the token due for rotation was kept (%s)", id)
						}
						return nil
					})),
				},
			},
		},
	})
}

// TestAccAPIToken_rotationOverlapPastTheExpiry: a rotating token replaced less than its overlap before
// it expires keeps working until its own expiry, and no longer: the provider ends it at its expiry
// (sending the server no change, which would refuse to lengthen a token) and the apply succeeds. On the
// server's clock: made at start to live 720h, with a 2h overlap, replaced at start+719h30m; the old token
// still expires at start+720h, and its secret works until then.
func TestAccAPIToken_rotationOverlapPastTheExpiry(t *testing.T) {
	t.Parallel()
	start := time.Now().UTC().Add(365 * 24 * time.Hour).Truncate(time.Second)
	clock := servertest.NewClock(start, 0)
	env := acctest.New(t, servertest.WithClock(clock.Now))
	org := env.CreateOrganization(t, api.PlanHobby)
	const addr = "orgs_api_token.test"
	cfg := rotatingTokenConfig(env, org.ID, "2h", false)
	var oldID, oldSecret, newID, newSecret string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		// With an overlap, destroy ends the token after it instead of revoking it at once.
		CheckDestroy: func(*terraform.State) error {
			tok, err := env.Client.GetAPIToken(context.Background(), org.ID, newID)
			if err != nil {
				return fmt.Errorf("after destroy with an overlap, the token should still be listed until it ends: %w", err)
			}
			if end := clock.Now().Add(2 * time.Hour); tok.ExpiresAt == nil || tok.ExpiresAt.After(end.Add(5*time.Second)) {
				return fmt.Errorf("after destroy the token expires at %v, want within the overlap from now (%v)", tok.ExpiresAt, end)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					captureSecret(addr, &oldID, &oldSecret),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("expires_at"), timeNear(start.Add(rotationLife))),
				},
			},
			{
				// 30 minutes before the token expires, less than its 2h overlap: replaced.
				PreConfig: func() { clock.Advance(rotationLife - 30*time.Minute) },
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					captureSecret(addr, &newID, &newSecret),
					serverCheck(func(ctx context.Context, _ *tfjson.State) error {
						if newID == oldID {
							return fmt.Errorf("the token was not replaced (%s)", newID)
						}
						old, err := env.Client.GetAPIToken(ctx, org.ID, oldID)
						if err != nil {
							return fmt.Errorf("the replaced token: %w", err)
						}
						if end := start.Add(rotationLife); old.ExpiresAt == nil || !old.ExpiresAt.Equal(end) {
							return fmt.Errorf("the replaced token expires at %v, want its own expiry %v (the overlap would end later)", old.ExpiresAt, end)
						}
						if err := secretWorks(ctx, env, org.ID, oldSecret); err != nil {
							return fmt.Errorf("old secret, before its expiry: %w", err)
						}
						return secretWorks(ctx, env, org.ID, newSecret)
					}),
				},
			},
			{
				// A minute past the old token's expiry: its secret is refused.
				PreConfig: func() { clock.Advance(31 * time.Minute) },
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					serverCheck(func(ctx context.Context, _ *tfjson.State) error {
						switch err := secretWorks(ctx, env, org.ID, oldSecret); {
						case err == nil:
							return errors.New("after its expiry the old secret still works")
						case !client.IsUnauthorized(err):
							return fmt.Errorf("after its expiry the old secret should be refused with 401: %w", err)
						}
						return nil
					}),
				},
			},
		},
	})
}

// TestAccAPIToken_rotationValidation: bad rotation settings are refused at plan time, naming the attribute.
func TestAccAPIToken_rotationValidation(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanHobby)
	rotation := func(expireAfter, rotateBefore, overlap string) string {
		return fmt.Sprintf("rotation = {\n    expire_after = %q\n    rotate_before = %q\n    overlap = %q\n  }", expireAfter, rotateBefore, overlap)
	}
	step := func(expect *regexp.Regexp, args ...string) resource.TestStep {
		return resource.TestStep{Config: tokenConfig(env, org.ID, "ci", "member", args...), PlanOnly: true, ExpectError: expect}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			step(wrappedText(`rotate_before is not shorter than expire_after`), rotation("24h", "24h", "1h")),
			step(wrappedText(`Attribute rotation.expire_after must be a duration of at least 1m0s`), rotation("thirty days", "1h", "1h")),
			step(wrappedText(`Attribute rotation.overlap must be 0s or a duration of at least 1m`), rotation("720h", "168h", "30s")),
			step(wrappedText(`Attribute "rotation" cannot be specified when "expires_at" is specified`),
				rotation("720h", "168h", "1h"), `expires_at = "2100-01-01T00:00:00Z"`),
		},
	})
}

// captureSecret records the token's id and secret from state, for the server checks of later steps.
func captureSecret(addr string, id, secret *string) statecheck.StateCheck {
	return serverCheck(func(_ context.Context, state *tfjson.State) error {
		var err error
		if *id, err = stateString(state, addr, "id"); err != nil {
			return err
		}
		*secret, err = stateString(state, addr, "token")
		return err
	})
}

// secretWorks makes an authenticated request with the secret.
func secretWorks(ctx context.Context, env *acctest.Env, orgID, secret string) error {
	c, err := client.New(client.Config{Endpoint: env.Endpoint, Token: secret, MaxRetries: 0})
	if err != nil {
		return err
	}
	_, err = c.GetOrganization(ctx, orgID)
	return err
}

func serverExpiryMatchesState(ctx context.Context, env *acctest.Env, orgID string, state *tfjson.State, addr string) error {
	id, err := stateString(state, addr, "id")
	if err != nil {
		return err
	}
	expires, err := stateString(state, addr, "expires_at")
	if err != nil {
		return err
	}
	tok, err := env.Client.GetAPIToken(ctx, orgID, id)
	if err != nil {
		return err
	}
	at, err := time.Parse(time.RFC3339, expires)
	if err != nil {
		return err
	}
	if tok.ExpiresAt == nil || !tok.ExpiresAt.Equal(at) {
		return fmt.Errorf("the server's expires_at %v, the state's %s", tok.ExpiresAt, expires)
	}
	return nil
}

// timeNear checks an RFC 3339 value within a few seconds after want: the provider knows the server's
// time to the second, from Date.
func timeNear(want time.Time) knownvalue.Check {
	return knownvalue.StringFunc(func(s string) error {
		got, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return err
		}
		if got.Before(want.Add(-time.Second)) || got.After(want.Add(5*time.Second)) {
			return fmt.Errorf("%s, want about %s", s, want.Format(time.RFC3339))
		}
		return nil
	})
}
