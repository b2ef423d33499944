package provider_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
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

// labelConfig is one orgs_label.test with the given extra argument lines.
func labelConfig(env *acctest.Env, orgID, key string, args ...string) string {
	return env.ProviderBlock() + fmt.Sprintf(`
resource "orgs_label" "test" {
  organization_id = %q
  key             = %q
  %s
}
`, orgID, key, strings.Join(args, "\n  "))
}

func TestAccLabel_lifecycle(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanHobby)
	const addr = "orgs_label.test"
	// A prefixed key: its '/' must survive the URL path (escaped by the client) and the import ID.
	const key = "example.com/team"

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(env, "orgs_label", labelGone),
		Steps: []resource.TestStep{
			{
				Config: labelConfig(env, org.ID, key),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(org.ID+"/"+key)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("value"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("propagate_to_cloud_provider"), knownvalue.Bool(false)),
					expectLabelOnServer(env, org.ID, key, "", false),
				},
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateId:     org.ID + "/" + key,
				ImportStateVerify: true,
			},
			{
				Config: labelConfig(env, org.ID, key, `value = "platform-1.2"`, `propagate_to_cloud_provider = true`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("value"), knownvalue.StringExact("platform-1.2")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("propagate_to_cloud_provider"), knownvalue.Bool(true)),
					expectLabelOnServer(env, org.ID, key, "platform-1.2", true),
				},
			},
			{
				Config: labelConfig(env, org.ID, key, `value = "platform-1.2"`, `propagate_to_cloud_provider = true`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
			{
				PreConfig: func() {
					if err := env.Client.DeleteLabel(t.Context(), org.ID, key); err != nil {
						t.Fatalf("delete label behind Terraform's back: %v", err)
					}
				},
				Config: labelConfig(env, org.ID, key, `value = "platform-1.2"`, `propagate_to_cloud_provider = true`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectLabelOnServer(env, org.ID, key, "platform-1.2", true),
				},
			},
			{
				// A new key is a new label: the API addresses labels by key.
				Config: labelConfig(env, org.ID, "team", `value = "platform-1.2"`, `propagate_to_cloud_provider = true`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectLabelOnServer(env, org.ID, "team", "platform-1.2", true),
					serverCheck(func(ctx context.Context, _ *tfjson.State) error {
						return expectNotFound(env.Client.GetLabel(ctx, org.ID, key))
					}),
				},
			},
		},
	})
}

func TestAccLabel_validation(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanHobby)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      labelConfig(env, org.ID, "Example.com/team"),
				PlanOnly:    true,
				ExpectError: wrappedText(`Attribute key must be a Kubernetes label key: label key "Example.com/team": the prefix "Example.com" is not a lowercase DNS subdomain.`),
			},
			{
				Config:      labelConfig(env, org.ID, "-team"),
				PlanOnly:    true,
				ExpectError: wrappedText(`Attribute key must be a Kubernetes label key: label key "-team": the name must start and end with a letter or digit`),
			},
			{
				Config:      labelConfig(env, org.ID, "team", `value = "not valid!"`),
				PlanOnly:    true,
				ExpectError: wrappedText(`Attribute value must be a Kubernetes label value`),
			},
		},
	})
}

// TestAccLabel_planLimit shows the server's refusal, in its own words, when the plan's label limit is
// reached.
func TestAccLabel_planLimit(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanHobby)
	limit := int(api.PlanLimits[api.PlanHobby].Labels)
	for i := range limit {
		if _, err := env.Client.CreateLabel(t.Context(), org.ID, api.LabelCreate{Key: fmt.Sprintf("existing-%d", i)}); err != nil {
			t.Fatalf("create label %d of %d: %v", i+1, limit, err)
		}
	}
	refusal := refusalOf(t, func() error {
		_, err := env.Client.CreateLabel(t.Context(), org.ID, api.LabelCreate{Key: "one-too-many"})
		return err
	}, api.ProblemLimitReached)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      labelConfig(env, org.ID, "team"),
			ExpectError: wrappedText(refusal),
		}},
	})
}

func expectLabelOnServer(env *acctest.Env, orgID, key, value string, propagate bool) statecheck.StateCheck {
	return serverCheck(func(ctx context.Context, _ *tfjson.State) error {
		l, err := env.Client.GetLabel(ctx, orgID, key)
		if err != nil {
			return fmt.Errorf("label %q on the server: %w", key, err)
		}
		if l.Value != value || l.PropagateToCloudProvider != propagate {
			return fmt.Errorf("label %q on the server: value %q, propagate %t; want %q, %t", key, l.Value, l.PropagateToCloudProvider, value, propagate)
		}
		return nil
	})
}

func labelGone(ctx context.Context, env *acctest.Env, attrs map[string]string) error {
	_, err := env.Client.GetLabel(ctx, attrs["organization_id"], attrs["key"])
	return err
}

// ---- Helpers shared by the acceptance tests of the API token, container registry, label, usage and
// environments types. ----

// serverCheck is a state check that asks the reference server (through the test's own client) whether
// it holds what the state says.
type serverCheck func(ctx context.Context, state *tfjson.State) error

func (f serverCheck) CheckState(ctx context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = f(ctx, req.State)
}

// stateValue is the value of a top-level attribute of the resource at addr in state.
func stateValue(state *tfjson.State, addr, attr string) (any, error) {
	if state == nil || state.Values == nil || state.Values.RootModule == nil {
		return nil, errors.New("empty state")
	}
	for _, r := range state.Values.RootModule.Resources {
		if r.Address == addr {
			v, ok := r.AttributeValues[attr]
			if !ok {
				return nil, fmt.Errorf("%s has no attribute %q", addr, attr)
			}
			return v, nil
		}
	}
	return nil, fmt.Errorf("%s is not in state", addr)
}

// stateString is stateValue for a string attribute that must be set.
func stateString(state *tfjson.State, addr, attr string) (string, error) {
	v, err := stateValue(state, addr, attr)
	if err != nil {
		return "", err
	}
	s, ok := v.(string)
	if !ok || s == "" {
		return "", fmt.Errorf("%s.%s is %v, want a non-empty string", addr, attr, v)
	}
	return s, nil
}

// checkDestroyed is a CheckDestroy that asks the server for every resource of type typ that was in
// state before the destroy, expecting 404 for each. get fetches one, given its state attributes.
// Finding none of that type fails too: the check would otherwise pass without checking anything.
func checkDestroyed(env *acctest.Env, typ string, get func(ctx context.Context, env *acctest.Env, attrs map[string]string) error) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		ctx := context.Background()
		checked := 0
		for _, rs := range s.RootModule().Resources {
			if rs.Type != typ || rs.Primary == nil {
				continue
			}
			checked++
			if err := expectNotFound(nil, get(ctx, env, rs.Primary.Attributes)); err != nil {
				return fmt.Errorf("%s %s after destroy: %w", typ, rs.Primary.ID, err)
			}
		}
		if checked == 0 {
			return fmt.Errorf("no %s in the state before destroy", typ)
		}
		return nil
	}
}

// expectNotFound passes when err is the server's 404; it takes the object too so that a getter's
// results can be passed straight in.
func expectNotFound(_ any, err error) error {
	switch {
	case err == nil:
		return errors.New("still exists on the server")
	case client.IsNotFound(err):
		return nil
	default:
		return fmt.Errorf("want 404, got: %w", err)
	}
}

// refusalOf runs a call the server must refuse with the given problem type, and returns the server's
// message, so a test can expect exactly those words from Terraform.
func refusalOf(t *testing.T, call func() error, problemType string) string {
	t.Helper()
	err := call()
	var apiErr *client.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("want a refusal of type %s from the server, got %v", problemType, err)
	}
	if apiErr.Problem.Type != problemType || apiErr.Problem.Detail == "" {
		t.Fatalf("want a refusal of type %s with a detail, got %+v", problemType, apiErr.Problem)
	}
	return apiErr.Problem.Detail
}

// wrappedText matches msg in Terraform's output, which wraps long diagnostics over lines that start
// with a box-drawing border.
func wrappedText(msg string) *regexp.Regexp {
	words := strings.Fields(msg)
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	return regexp.MustCompile(strings.Join(words, `(?:\s|│)+`))
}
