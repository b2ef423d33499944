package provider

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/servertest"
)

// BenchmarkRefresh is the provider's own cost of one object's refresh in a plan: a ReadResource through
// the plugin protocol, as the CLI sends it, of a member and of a label whose organization's listing the
// provider already holds (the steady state of a large plan, where one listing serves thousands of
// reads). The requests are counted apart (BenchmarkRefreshMembers in internal/client); this is the CPU
// and the allocations per object that a plan of thousands multiplies, and what the scale harness's
// plan is compared on against a provider whose Read does nothing. Each read must leave the state as
// it was: nothing changed on the server.
func BenchmarkRefresh(b *testing.B) {
	const objects = 100
	ctx := context.Background()
	ps, orgID := refreshBenchProvider(b, objects)
	for _, kind := range []struct{ typeName, idFormat string }{
		{"orgs_member", "%s/bench-member-%03d@example.test"},
		{"orgs_label", "%s/bench.example.test/key-%03d"},
	} {
		states := make([]*tfprotov6.ReadResourceResponse, objects-1)
		for i := range states {
			states[i] = importAndRead(ctx, b, ps, kind.typeName, fmt.Sprintf(kind.idFormat, orgID, i))
		}
		b.Run(kind.typeName, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				prior := states[i%len(states)]
				i++
				resp, err := ps.ReadResource(ctx, &tfprotov6.ReadResourceRequest{
					TypeName: kind.typeName, CurrentState: prior.NewState, CurrentIdentity: prior.NewIdentity, Private: prior.Private,
				})
				if err != nil || len(resp.Diagnostics) > 0 {
					b.Fatalf("ReadResource: %v %v", err, resp.Diagnostics)
				}
				if !bytes.Equal(resp.NewState.MsgPack, prior.NewState.MsgPack) {
					b.Fatalf("a refresh of an unchanged %s changed its state", kind.typeName)
				}
			}
		})
	}
}

// refreshBenchProvider starts the reference server with an enterprise organization holding n members
// (the owner and n-1 others) and n-1 labels, and returns the provider's protocol server, configured
// against it.
func refreshBenchProvider(b *testing.B, n int) (tfprotov6.ProviderServer, string) {
	b.Helper()
	ctx := context.Background()
	const ownerToken = "bench-owner-token-7c1f-0000000000000000"
	emails := make([]string, n-1)
	for i := range emails {
		emails[i] = fmt.Sprintf("bench-member-%03d@example.test", i)
	}
	hs := servertest.Start(b, servertest.WithOwner("bench-owner@example.test", ownerToken, emails...))
	c, err := client.New(client.Config{Endpoint: hs.URL, Token: ownerToken, UserAgent: "bench", MaxRetries: 1, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	org, err := c.CreateOrganization(ctx, api.OrganizationCreate{Name: "bench", AdminContactEmails: []string{"bench-owner@example.test"}, Plan: api.PlanEnterprise})
	if err != nil {
		b.Fatal(err)
	}
	for i, email := range emails {
		if _, err := c.AddMember(ctx, org.ID, api.MemberCreate{Email: email, Role: api.RoleAdmin}); err != nil {
			b.Fatal(err)
		}
		if _, err := c.CreateLabel(ctx, org.ID, api.LabelCreate{Key: fmt.Sprintf("bench.example.test/key-%03d", i), Value: "v"}); err != nil {
			b.Fatal(err)
		}
	}

	ps := providerserver.NewProtocol6(New("bench")())()
	schemas, err := ps.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		b.Fatal(err)
	}
	configType, ok := schemas.Provider.ValueType().(tftypes.Object)
	if !ok {
		b.Fatalf("the provider's configuration is a %T, not an object", schemas.Provider.ValueType())
	}
	values := map[string]tftypes.Value{}
	for name, t := range configType.AttributeTypes {
		values[name] = tftypes.NewValue(t, nil)
	}
	values["endpoint"] = tftypes.NewValue(tftypes.String, hs.URL)
	values["token"] = tftypes.NewValue(tftypes.String, ownerToken)
	config, err := tfprotov6.NewDynamicValue(configType, tftypes.NewValue(configType, values))
	if err != nil {
		b.Fatal(err)
	}
	resp, err := ps.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{TerraformVersion: "1.12.6", Config: &config})
	if err != nil || len(resp.Diagnostics) > 0 {
		b.Fatalf("ConfigureProvider: %v %v", err, resp.Diagnostics)
	}
	return ps, org.ID
}

// importAndRead imports an object by its ID and refreshes it once, as `import` then `plan` do; the
// response is the state a plan's refresh starts from.
func importAndRead(ctx context.Context, b *testing.B, ps tfprotov6.ProviderServer, typeName, id string) *tfprotov6.ReadResourceResponse {
	b.Helper()
	imported, err := ps.ImportResourceState(ctx, &tfprotov6.ImportResourceStateRequest{TypeName: typeName, ID: id})
	if err != nil || len(imported.Diagnostics) > 0 || len(imported.ImportedResources) != 1 {
		b.Fatalf("import %s %s: %v %v", typeName, id, err, imported.Diagnostics)
	}
	ir := imported.ImportedResources[0]
	read, err := ps.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: typeName, CurrentState: ir.State, CurrentIdentity: ir.Identity, Private: ir.Private})
	if err != nil || len(read.Diagnostics) > 0 {
		b.Fatalf("read %s %s: %v %v", typeName, id, err, read.Diagnostics)
	}
	return read
}
