package provider_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

func usageConfig(env *acctest.Env, orgID string) string {
	return env.ProviderBlock() + fmt.Sprintf(`
data "orgs_usage" "test" {
  organization_id = %q
}
`, orgID)
}

// usageOf is the expected object for one quantity: used, against the plan's limit.
func usageOf(plan api.Plan, quantity string, used int64) knownvalue.Check {
	limit := api.PlanLimits[plan].Quantity(quantity)
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"used":      knownvalue.Int64Exact(used),
		"limit":     knownvalue.Int64Exact(limit),
		"remaining": knownvalue.Int64Exact(limit - used),
	})
}

func TestAccUsageDataSource(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	const plan = api.PlanStarter
	org := env.CreateOrganization(t, plan)
	ctx := t.Context()
	user, _ := env.SignUp(t, "usage-member@example.com")
	if _, err := env.Client.AddMember(ctx, org.ID, api.MemberCreate{Email: user.Email, Role: api.RoleMember}); err != nil {
		t.Fatalf("add member: %v", err)
	}
	for _, key := range []string{"team", "cost-center"} {
		if _, err := env.Client.CreateLabel(ctx, org.ID, api.LabelCreate{Key: key}); err != nil {
			t.Fatalf("create label: %v", err)
		}
	}
	envs, err := env.Client.ListEnvironments(ctx, org.ID)
	if err != nil {
		t.Fatalf("list environments: %v", err)
	}
	environments := int64(len(envs)) // the default one a new organization gets
	const addr = "data.orgs_usage.test"

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: usageConfig(env, org.ID),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("plan"), knownvalue.StringExact(string(plan))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("quantities"), knownvalue.MapExact(map[string]knownvalue.Check{
						api.QuantityMembers:             usageOf(plan, api.QuantityMembers, 2), // the owner and the new member
						api.QuantityEnvironments:        usageOf(plan, api.QuantityEnvironments, environments),
						api.QuantityAPITokens:           usageOf(plan, api.QuantityAPITokens, 0),
						api.QuantityContainerRegistries: usageOf(plan, api.QuantityContainerRegistries, 0),
						api.QuantityLabels:              usageOf(plan, api.QuantityLabels, 2),
						api.QuantityTeams:               usageOf(plan, api.QuantityTeams, 0),
					})),
					expectUsageAsServer(env, org.ID, addr),
				},
			},
			{
				// Data sources are read again on every run: what changed since shows up.
				PreConfig: func() {
					if _, err := env.Client.CreateAPIToken(ctx, org.ID, api.APITokenCreate{Name: "ci", Role: api.RoleMember}); err != nil {
						t.Fatalf("create token: %v", err)
					}
					if err := env.Client.DeleteLabel(ctx, org.ID, "team"); err != nil {
						t.Fatalf("delete label: %v", err)
					}
					if _, err := env.Client.CreateTeam(ctx, org.ID, api.TeamCreate{Name: "SRE"}); err != nil {
						t.Fatalf("create team: %v", err)
					}
				},
				Config: usageConfig(env, org.ID),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("quantities").AtMapKey(api.QuantityAPITokens), usageOf(plan, api.QuantityAPITokens, 1)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("quantities").AtMapKey(api.QuantityLabels), usageOf(plan, api.QuantityLabels, 1)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("quantities").AtMapKey(api.QuantityTeams), usageOf(plan, api.QuantityTeams, 1)),
					expectUsageAsServer(env, org.ID, addr),
				},
			},
		},
	})
}

// expectUsageAsServer compares every quantity in state with the server's usage report.
func expectUsageAsServer(env *acctest.Env, orgID, addr string) statecheck.StateCheck {
	return serverCheck(func(ctx context.Context, state *tfjson.State) error {
		usage, err := env.Client.GetUsage(ctx, orgID)
		if err != nil {
			return err
		}
		v, err := stateValue(state, addr, "quantities")
		if err != nil {
			return err
		}
		inState, _ := v.(map[string]any)
		if len(inState) != len(usage.Quantities) {
			return fmt.Errorf("%d quantities in state, the server reports %d", len(inState), len(usage.Quantities))
		}
		for _, q := range usage.Quantities {
			got, _ := inState[q.Name].(map[string]any)
			want := map[string]int64{"used": q.Used, "limit": q.Limit, "remaining": q.Remaining}
			for field, n := range want {
				// terraform-json decodes numbers with UseNumber.
				if num, ok := got[field].(json.Number); !ok || num.String() != strconv.FormatInt(n, 10) {
					return fmt.Errorf("quantities[%q].%s is %v in state, %d on the server", q.Name, field, got[field], n)
				}
			}
		}
		return nil
	})
}
