package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
)

// resourceIdentity is a resource's identity (Terraform 1.12 and OpenTofu 1.12 store it beside the state,
// and import blocks can name an object by it): the attributes that find one object on the server, in
// the order the import ID joins them with '/'.
//
// Each is also a string attribute of the same name at the root of the resource's schema. That is what
// lets one table drive the identity schema, the identity written after every apply and refresh (read
// back from the state just set), and an import from either an ID or an identity (written into state
// under the same names).
//
// The tables are never modified.
type resourceIdentity []identityAttribute

type identityAttribute struct {
	name        string
	description string
}

func (ri resourceIdentity) paths() []path.Path {
	paths := make([]path.Path, len(ri))
	for i, a := range ri {
		paths[i] = path.Root(a.name)
	}
	return paths
}

// schema is the identity schema. Every attribute is required to import: each one is needed to find
// the object.
func (ri resourceIdentity) schema() identityschema.Schema {
	attrs := make(map[string]identityschema.Attribute, len(ri))
	for _, a := range ri {
		attrs[a.name] = identityschema.StringAttribute{RequiredForImport: true, Description: a.description}
	}
	return identityschema.Schema{Attributes: attrs}
}

// importState is a resource's whole ImportState. It takes the import ID when there is one (the import
// command, or an import block with `id`), else the import block's `identity`, and writes the
// identifying attributes into state for Read. It also sets the identity, so that a Read which finds
// nothing still answers with one: the framework refuses a Read without it, and the user would see that
// instead of the CLI's "cannot import non-existent remote object".
func (ri resourceIdentity) importState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID != "" || req.Identity == nil || req.Identity.Raw.IsNull() {
		// With neither, the ID is what the user left out: importCompositeID says which form it takes.
		importCompositeID(ctx, req, resp, ri.paths()...)
	} else {
		ri.importIdentity(ctx, req.Identity, resp)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(ri.set(ctx, resp.State, resp.Identity)...)
}

func (ri resourceIdentity) importIdentity(ctx context.Context, identity *tfsdk.ResourceIdentity, resp *resource.ImportStateResponse) {
	for _, p := range ri.paths() {
		var v types.String
		resp.Diagnostics.Append(identity.GetAttribute(ctx, p, &v)...)
		if resp.Diagnostics.HasError() {
			return
		}
		// RequiredForImport keeps it from being null; an empty string would reach the API as a path
		// with a missing segment.
		if v.IsNull() || v.IsUnknown() || v.ValueString() == "" {
			resp.Diagnostics.AddError("Invalid import identity",
				fmt.Sprintf("The import block's identity must give %s a non-empty value.", p))
			continue
		}
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, p, v)...)
	}
}

// set writes the identity from the identifying attributes in state. Call it after every State.Set in
// Create and Update (Read ends with refreshed, which calls it). identity is nil only where the framework
// runs a resource without identity support (unit tests calling a method directly); there is nothing to
// set then.
//
// It copies the attributes' values from the state's raw value into the identity's, without the
// framework's path walks: it runs for every object of every plan. A state attribute of a custom string
// type (emailtype) is a string there too.
func (ri resourceIdentity) set(_ context.Context, state tfsdk.State, identity *tfsdk.ResourceIdentity) diag.Diagnostics {
	var diags diag.Diagnostics
	if identity == nil || state.Raw.IsNull() {
		return diags
	}
	var attrs map[string]tftypes.Value
	if err := state.Raw.As(&attrs); err != nil {
		diags.AddError("Cannot read the state for the identity", fmt.Sprintf("%s. This is a bug in the provider; please report it.", err))
		return diags
	}
	attrTypes := make(map[string]tftypes.Type, len(ri))
	values := make(map[string]tftypes.Value, len(ri))
	for _, a := range ri {
		v, ok := attrs[a.name]
		if !ok || !v.Type().Is(tftypes.String) {
			diags.AddError("Identity attribute is not a string",
				fmt.Sprintf("The identity attribute %s is not a string attribute of the state. This is a bug in the provider; please report it.", a.name))
			return diags
		}
		attrTypes[a.name], values[a.name] = tftypes.String, v
	}
	identity.Raw = tftypes.NewValue(tftypes.Object{AttributeTypes: attrTypes}, values)
	return diags
}

// refreshed ends every Read: it writes the refreshed model into the state, and the identity from it.
// prior is the model the Read decoded from the state, refreshed the same type of model with what the
// server holds now. The framework starts a Read's response from the prior state, so when the two hold
// the same values (the refresh of almost every object of a plan) the state is left as it is: converting
// a model into a state is the framework's reflection, most of what a refresh costs the provider.
func (ri resourceIdentity) refreshed(ctx context.Context, prior, refreshed any, resp *resource.ReadResponse) {
	if !sameAttributeValues(prior, refreshed) {
		resp.Diagnostics.Append(resp.State.Set(ctx, refreshed)...)
	}
	resp.Diagnostics.Append(ri.set(ctx, resp.State, resp.Identity)...)
}

// removeIfNotFound is removeIfNotFound for a resource with identity. A vanished object is removed
// with the identity taken from the state being refreshed: the framework refuses a Read that answers
// without one, and state written before the provider had identities has none, so the user would see an
// error instead of a plan to create the object again.
func (ri resourceIdentity) removeIfNotFound(ctx context.Context, err error, req resource.ReadRequest, resp *resource.ReadResponse) {
	if client.IsNotFound(err) {
		resp.Diagnostics.Append(ri.set(ctx, req.State, resp.Identity)...)
		removeIfNotFound(ctx, err, resp)
		return
	}
	resp.Diagnostics.Append(apiErrorDiagnostic("read "+ri.describe(ctx, req.State), err))
}

// describe names the object in state by its identifying attributes, for messages:
// `organization_id "org_1", key "team"`.
func (ri resourceIdentity) describe(ctx context.Context, state tfsdk.State) string {
	parts := make([]string, 0, len(ri))
	for _, a := range ri {
		var v attr.Value
		if state.GetAttribute(ctx, path.Root(a.name), &v).HasError() {
			continue
		}
		if s, ok := v.(basetypes.StringValuable); ok {
			if str, diags := s.ToStringValue(ctx); !diags.HasError() {
				parts = append(parts, fmt.Sprintf("%s %q", a.name, str.ValueString()))
			}
		}
	}
	return "the object with " + strings.Join(parts, ", ")
}
