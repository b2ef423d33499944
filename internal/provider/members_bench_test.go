package provider

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/servertest"
)

// Goals of orgs_members with 10,000 members (issue 19): a plan in at most 11 requests, and an apply
// that changes 100 of them in at most 3.
const (
	membersBenchSize      = 10000
	membersBenchChanged   = 100
	membersPlanGoal       = 11
	membersApplyGoal      = 3
	membersBenchOwnerMail = "bench-owner@example.test"
)

// BenchmarkMembersPlan is the plan of an orgs_members of 10,000 members that changes nothing, as the CLI
// runs it in a provider process of its own: configure, refresh (ReadResource), plan
// (PlanResourceChange). It reports the requests one plan makes, and fails above the goal.
func BenchmarkMembersPlan(b *testing.B) {
	ctx := context.Background()
	bench := newMembersBench(b)
	var requests int64
	for b.Loop() {
		ps := bench.provider(b)
		before := bench.requests.Load()
		read := bench.read(ctx, b, ps, bench.state)
		planned := bench.plan(ctx, b, ps, read, bench.config(b, read, nil))
		requests = bench.requests.Load() - before
		if !planned.PlannedState.Equal(read) {
			b.Fatal("the plan of an unchanged configuration changes the state")
		}
	}
	b.ReportMetric(float64(requests), "requests/plan")
	if requests > membersPlanGoal {
		b.Fatalf("a plan of %d members made %d requests; the goal is at most %d", membersBenchSize, requests, membersPlanGoal)
	}
}

// BenchmarkMembersApply is the apply of a plan that changes the role of 100 of 10,000 members, in a
// provider process of its own as the CLI runs it (configure, ApplyResourceChange). It reports the
// requests the apply makes, and fails above the goal. Each round changes them back and forth.
func BenchmarkMembersApply(b *testing.B) {
	ctx := context.Background()
	bench := newMembersBench(b)
	state := bench.state
	var requests int64
	round := 0
	for b.Loop() {
		role := []string{"admin", "member"}[round%2]
		round++
		planner := bench.provider(b)
		read := bench.read(ctx, b, planner, state)
		config := bench.config(b, read, func(email string) (string, bool) {
			var i int
			if _, err := fmt.Sscanf(email, "bench-%05d@example.test", &i); err != nil || i >= membersBenchChanged {
				return "", false
			}
			return role, true
		})
		planned := bench.plan(ctx, b, planner, read, config)

		applier := bench.provider(b)
		before := bench.requests.Load()
		resp, err := applier.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{
			TypeName: "orgs_members", PriorState: dynamic(b, bench.typ, read), PlannedState: dynamic(b, bench.typ, planned.PlannedState),
			Config: dynamic(b, bench.typ, config), PlannedPrivate: planned.PlannedPrivate,
		})
		requests = bench.requests.Load() - before
		if err != nil || hasError(resp.Diagnostics) {
			b.Fatalf("apply: %v %v", err, resp.Diagnostics)
		}
		if state, err = resp.NewState.Unmarshal(bench.typ); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(requests), "requests/apply")
	if requests > membersApplyGoal {
		b.Fatalf("an apply that changes %d of %d members made %d requests; the goal is at most %d", membersBenchChanged, membersBenchSize, requests, membersApplyGoal)
	}
}

// membersBench is a reference server holding an enterprise organization of 10,000 members (its owner
// and 9,999 invited addresses, added in bulk), the state of an orgs_members that imported it, and the
// count of requests that reached the server.
type membersBench struct {
	url, token, orgID string
	requests          *atomic.Int64
	typ               tftypes.Type
	state             tftypes.Value
}

func newMembersBench(b *testing.B) *membersBench {
	b.Helper()
	ctx := context.Background()
	const token = "bench-owner-token-7c1f-0000000000000001"
	requests := &atomic.Int64{}
	hs := servertest.Start(b, servertest.WithOwner(membersBenchOwnerMail, token), servertest.WithHandler(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			requests.Add(1)
			next.ServeHTTP(w, r)
		})
	}))
	c, err := client.New(client.Config{Endpoint: hs.URL, Token: token, UserAgent: "bench", MaxRetries: 1, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	org, err := c.CreateOrganization(ctx, api.OrganizationCreate{Name: "bench", AdminContactEmails: []string{membersBenchOwnerMail}, Plan: api.PlanEnterprise})
	if err != nil {
		b.Fatal(err)
	}
	items := make([]api.BulkItem[api.MemberCreate, api.MemberUpdate], membersBenchSize-1)
	for i := range items {
		items[i] = api.BulkItem[api.MemberCreate, api.MemberUpdate]{Op: api.BulkCreate,
			Create: &api.MemberCreate{Email: fmt.Sprintf("bench-%05d@example.test", i), Role: api.RoleMember}}
	}
	results, err := c.BulkMembers(ctx, org.ID, items)
	if err != nil {
		b.Fatal(err)
	}
	for i, r := range results {
		if r.Item == nil {
			b.Fatalf("seed member %d: %d %+v", i, r.Status, r.Problem)
		}
	}
	bench := &membersBench{url: hs.URL, token: token, orgID: org.ID, requests: requests}
	ps := bench.provider(b)
	schemas, err := ps.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		b.Fatal(err)
	}
	bench.typ = schemas.ResourceSchemas["orgs_members"].ValueType()
	imported, err := ps.ImportResourceState(ctx, &tfprotov6.ImportResourceStateRequest{TypeName: "orgs_members", ID: org.ID})
	if err != nil || hasError(imported.Diagnostics) || len(imported.ImportedResources) != 1 {
		b.Fatalf("import: %v %v", err, imported.Diagnostics)
	}
	state, err := imported.ImportedResources[0].State.Unmarshal(bench.typ)
	if err != nil {
		b.Fatal(err)
	}
	bench.state = bench.read(ctx, b, ps, state)
	return bench
}

// provider is a configured provider, new as in each CLI command's own plugin process.
func (m *membersBench) provider(b *testing.B) tfprotov6.ProviderServer {
	b.Helper()
	ctx := context.Background()
	ps := providerserver.NewProtocol6(New("bench")())()
	schemas, err := ps.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		b.Fatal(err)
	}
	configType, ok := schemas.Provider.ValueType().(tftypes.Object)
	if !ok {
		b.Fatalf("the provider's configuration is a %T", schemas.Provider.ValueType())
	}
	values := map[string]tftypes.Value{}
	for name, t := range configType.AttributeTypes {
		values[name] = tftypes.NewValue(t, nil)
	}
	values["endpoint"] = tftypes.NewValue(tftypes.String, m.url)
	values["token"] = tftypes.NewValue(tftypes.String, m.token)
	resp, err := ps.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{TerraformVersion: "1.12.6", Config: dynamic(b, configType, tftypes.NewValue(configType, values))})
	if err != nil || hasError(resp.Diagnostics) {
		b.Fatalf("ConfigureProvider: %v %v", err, resp.Diagnostics)
	}
	return ps
}

func (m *membersBench) read(ctx context.Context, b *testing.B, ps tfprotov6.ProviderServer, state tftypes.Value) tftypes.Value {
	b.Helper()
	resp, err := ps.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: "orgs_members", CurrentState: dynamic(b, m.typ, state)})
	if err != nil || hasError(resp.Diagnostics) {
		b.Fatalf("read: %v %v", err, resp.Diagnostics)
	}
	v, err := resp.NewState.Unmarshal(m.typ)
	if err != nil {
		b.Fatal(err)
	}
	return v
}

// plan runs PlanResourceChange with config, and the proposed new state the CLI would send: the prior
// state with the configuration's values, the computed ones kept.
func (m *membersBench) plan(ctx context.Context, b *testing.B, ps tfprotov6.ProviderServer, prior, config tftypes.Value) *planned {
	b.Helper()
	proposed, err := tftypes.Transform(prior, func(p *tftypes.AttributePath, v tftypes.Value) (tftypes.Value, error) {
		if steps := p.Steps(); len(steps) == 1 && steps[0] == tftypes.AttributeName("members") {
			return configAt(config, p)
		}
		return v, nil
	})
	if err != nil {
		b.Fatal(err)
	}
	resp, err := ps.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{
		TypeName: "orgs_members", PriorState: dynamic(b, m.typ, prior), ProposedNewState: dynamic(b, m.typ, proposed), Config: dynamic(b, m.typ, config),
	})
	if err != nil || hasError(resp.Diagnostics) {
		b.Fatalf("plan: %v %v", err, resp.Diagnostics)
	}
	v, err := resp.PlannedState.Unmarshal(m.typ)
	if err != nil {
		b.Fatal(err)
	}
	return &planned{PlannedState: v, PlannedPrivate: resp.PlannedPrivate}
}

type planned struct {
	PlannedState   tftypes.Value
	PlannedPrivate []byte
}

// config is the configuration that state was applied from: its computed-only values null, and each
// member's role as roleOf says where it says one.
func (m *membersBench) config(b *testing.B, state tftypes.Value, roleOf func(email string) (string, bool)) tftypes.Value {
	b.Helper()
	v, err := tftypes.Transform(state, func(p *tftypes.AttributePath, v tftypes.Value) (tftypes.Value, error) {
		steps := p.Steps()
		switch {
		case len(steps) == 1 && steps[0] == tftypes.AttributeName("id"):
			return tftypes.NewValue(v.Type(), nil), nil
		case len(steps) == 1 && (steps[0] == tftypes.AttributeName("statuses") || steps[0] == tftypes.AttributeName("expires_at")):
			return tftypes.NewValue(v.Type(), nil), nil
		case len(steps) == 2 && steps[0] == tftypes.AttributeName("members") && roleOf != nil:
			if key, ok := steps[1].(tftypes.ElementKeyString); ok {
				if role, change := roleOf(string(key)); change {
					return tftypes.NewValue(tftypes.String, role), nil
				}
			}
		}
		return v, nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return v
}

func configAt(config tftypes.Value, p *tftypes.AttributePath) (tftypes.Value, error) {
	got, _, err := tftypes.WalkAttributePath(config, p)
	if err != nil {
		return tftypes.Value{}, err
	}
	v, ok := got.(tftypes.Value)
	if !ok {
		return tftypes.Value{}, fmt.Errorf("%s is a %T", p, got)
	}
	return v, nil
}

func dynamic(b *testing.B, typ tftypes.Type, v tftypes.Value) *tfprotov6.DynamicValue {
	b.Helper()
	dv, err := tfprotov6.NewDynamicValue(typ, v)
	if err != nil {
		b.Fatal(err)
	}
	return &dv
}

func hasError(diags []*tfprotov6.Diagnostic) bool {
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			return true
		}
	}
	return false
}
