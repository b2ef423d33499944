// Command hollow is the scale harness's schema floor: the orgs provider with everything it does taken
// out. It serves the orgs provider's own provider, resource and identity schemas (taken from
// internal/provider, so they cannot drift apart), but its Configure, Read, Create, Update and Delete do
// nothing: a Read returns the state unchanged, as floor_item's does. The harness plans the orgs
// provider's own working directory (the same state and configuration) with it; the orgs provider's plan
// against this one is what the provider's own code costs, and this one against floor_item (four
// attributes) is what the orgs schemas cost the CLI and the framework on every instance.
package main

import (
	"context"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	orgs "github.com/orgs-dev/terraform-provider-orgs/internal/provider"
)

func main() {
	err := providerserver.Serve(context.Background(), func() provider.Provider { return hollowProvider{orgs.New("hollow")()} },
		providerserver.ServeOpts{Address: "registry.terraform.io/orgs-dev/orgs"})
	if err != nil {
		log.Fatal(err)
	}
}

// hollowProvider has the orgs provider's name and schema, and configures nothing.
type hollowProvider struct{ orgs provider.Provider }

func (p hollowProvider) Metadata(ctx context.Context, req provider.MetadataRequest, resp *provider.MetadataResponse) {
	p.orgs.Metadata(ctx, req, resp)
}

func (p hollowProvider) Schema(ctx context.Context, req provider.SchemaRequest, resp *provider.SchemaResponse) {
	p.orgs.Schema(ctx, req, resp)
}

func (hollowProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

func (p hollowProvider) Resources(ctx context.Context) []func() resource.Resource {
	var hollow []func() resource.Resource
	for _, newResource := range p.orgs.Resources(ctx) {
		hollow = append(hollow, func() resource.Resource { return hollowResource{newResource()} })
	}
	return hollow
}

func (hollowProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }

// hollowResource has an orgs resource's name, schema and identity schema (every orgs resource has one),
// and none of its behaviour: no ValidateConfig, ModifyPlan or API call.
type hollowResource struct{ orgs resource.Resource }

var _ resource.ResourceWithIdentity = hollowResource{}

func (r hollowResource) Metadata(ctx context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	r.orgs.Metadata(ctx, req, resp)
}

func (r hollowResource) Schema(ctx context.Context, req resource.SchemaRequest, resp *resource.SchemaResponse) {
	r.orgs.Schema(ctx, req, resp)
}

func (r hollowResource) IdentitySchema(ctx context.Context, req resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	if withIdentity, ok := r.orgs.(resource.ResourceWithIdentity); ok {
		withIdentity.IdentitySchema(ctx, req, resp)
	}
}

// Read leaves the state and the identity as they came: the response starts as a copy of both.
func (hollowResource) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

func (hollowResource) Create(_ context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	resp.State.Raw = req.Plan.Raw
}

func (hollowResource) Update(_ context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	resp.State.Raw = req.Plan.Raw
}

func (hollowResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}
