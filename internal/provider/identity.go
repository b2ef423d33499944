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

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
	"github.com/orgs-dev/terraform-provider-orgs/internal/provider/emailtype"
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
type resourceIdentity struct {
	// kind names the object in messages: "label", "API token".
	kind  string
	attrs []identityAttribute
	// importHelp says which import IDs work, for an import that names nothing.
	importHelp string
	// quoteKey quotes the last attribute when naming an object (a label key is free text; an id is not).
	quoteKey bool
	// lookalikes says, one sentence each, what an import ID that names nothing may have meant (an API
	// token given by its name instead of its id), and how to import that. It runs only when an import
	// finds nothing, so it costs nothing otherwise.
	lookalikes func(ctx context.Context, pd *providerData, orgID, given string) []string
	// activityType is the object_type the activity log names these objects by; "" for objects whose
	// drift is reported without asking the log (see drift.go).
	activityType string
	// activityIDs are the object_ids the log names the object in state by; nil: its key.
	activityIDs func(ctx context.Context, state tfsdk.State, values map[string]string) []string
}

type identityAttribute struct {
	name        string
	description string
}

func (ri resourceIdentity) paths() []path.Path {
	paths := make([]path.Path, len(ri.attrs))
	for i, a := range ri.attrs {
		paths[i] = path.Root(a.name)
	}
	return paths
}

// schema is the identity schema. Every attribute is required to import: each one is needed to find
// the object.
func (ri resourceIdentity) schema() identityschema.Schema {
	attrs := make(map[string]identityschema.Attribute, len(ri.attrs))
	for _, a := range ri.attrs {
		attrs[a.name] = identityschema.StringAttribute{RequiredForImport: true, Description: a.description}
	}
	return identityschema.Schema{Attributes: attrs}
}

// importState is a resource's whole ImportState. It takes the import ID when there is one (the import
// command, or an import block with `id`), else the import block's `identity`, and writes the
// identifying attributes into state for Read. It also sets the identity, which the framework wants of
// every Read, and marks the state as being imported, so that a Read which finds nothing says what is
// missing and which import IDs work (importNotFound) instead of leaving the user the CLI's "cannot
// import non-existent remote object".
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
	if resp.Private != nil {
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateImporting, []byte("true"))...)
	}
}

// privateImporting is the key of the resource's private state that marks the Read that follows an
// import; the Read removes it, so it is never stored.
const privateImporting = "importing"

// privateState is what resource.ReadRequest.Private and ReadResponse.Private are: the framework's
// privatestate.ProviderData, internal to it, reached through its methods.
type privateState interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
}

func importing(ctx context.Context, private privateState) bool {
	if private == nil {
		return false
	}
	v, _ := private.GetKey(ctx, privateImporting)
	return v != nil
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
	attrTypes := make(map[string]tftypes.Type, len(ri.attrs))
	values := make(map[string]tftypes.Value, len(ri.attrs))
	for _, a := range ri.attrs {
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
//
// A refresh that finds a configured attribute changed outside Terraform warns, naming who changed it and
// when (warnDrift); one that follows an import has no state to compare with.
func (ri resourceIdentity) refreshed(ctx context.Context, pd providerData, prior, refreshed any, resp *resource.ReadResponse) {
	if !sameAttributeValues(prior, refreshed) {
		before := stateOf(resp.State, resp.State.Raw.Copy())
		resp.Diagnostics.Append(resp.State.Set(ctx, refreshed)...)
		if !importing(ctx, resp.Private) && !resp.Diagnostics.HasError() {
			if changes := driftChanges(ctx, before, resp.State); len(changes) > 0 {
				ri.warnDrift(ctx, pd, before, strings.Join(changes, ", "), false, &resp.Diagnostics)
			}
		}
	}
	resp.Diagnostics.Append(ri.set(ctx, resp.State, resp.Identity)...)
	if importing(ctx, resp.Private) {
		// Found: the import is done, and a later refresh that finds nothing plans a re-creation.
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateImporting, nil)...)
	}
}

// removeIfNotFound is removeIfNotFound for a resource with identity. A vanished object is removed
// with the identity taken from the state being refreshed: the framework refuses a Read that answers
// without one, and state written before the provider had identities has none, so the user would see an
// error instead of a plan to create the object again. An object being imported is not removed: that
// import fails, saying what is missing (importNotFound).
func (ri resourceIdentity) removeIfNotFound(ctx context.Context, pd providerData, err error, req resource.ReadRequest, resp *resource.ReadResponse) {
	if importing(ctx, req.Private) && (client.IsNotFound(err) || client.IsOrganizationNotVisible(err)) {
		resp.Diagnostics.Append(ri.importNotFound(ctx, &pd, req.State, err))
		return
	}
	if client.IsNotFound(err) {
		resp.Diagnostics.Append(ri.set(ctx, req.State, resp.Identity)...)
		removeIfNotFound(ctx, err, resp)
		what := "was deleted"
		if client.IsOrganizationDeleted(err) && ri.kind != "organization" {
			what = "was deleted with its organization"
		}
		ri.warnDrift(ctx, pd, req.State, what, client.IsOrganizationDeleted(err), &resp.Diagnostics)
		return
	}
	resp.Diagnostics.Append(apiErrorDiagnostic("read "+ri.describe(ctx, req.State), err))
}

// values are the identifying attributes of the object in state, by name.
func (ri resourceIdentity) values(ctx context.Context, state tfsdk.State) map[string]string {
	values := make(map[string]string, len(ri.attrs))
	for _, a := range ri.attrs {
		var v attr.Value
		if state.GetAttribute(ctx, path.Root(a.name), &v).HasError() {
			continue
		}
		if s, ok := v.(basetypes.StringValuable); ok {
			if str, diags := s.ToStringValue(ctx); !diags.HasError() {
				values[a.name] = str.ValueString()
			}
		}
	}
	return values
}

// key is the attribute that finds the object in its organization (the organization's own id for an
// organization).
func (ri resourceIdentity) key() string { return ri.attrs[len(ri.attrs)-1].name }

// describe names the object in state, for messages: `label "team" of organization org_1`,
// `member alice@example.com of organization org_1`, `organization org_1`.
func (ri resourceIdentity) describe(ctx context.Context, state tfsdk.State) string {
	return ri.name(ri.values(ctx, state))
}

func (ri resourceIdentity) name(values map[string]string) string {
	key := ri.keyText(values[ri.key()])
	if orgID, ok := values["organization_id"]; ok && ri.key() != "organization_id" {
		return fmt.Sprintf("%s %s of organization %s", ri.kind, key, orgID)
	}
	return ri.kind + " " + key
}

// keyText is the key's value as messages write it.
func (ri resourceIdentity) keyText(v string) string {
	if ri.quoteKey {
		return fmt.Sprintf("%q", v)
	}
	return v
}

// importNotFound is the error of an import whose Read found nothing: what is missing (the organization,
// or the object in it), which import IDs work, and what the ID may have meant.
func (ri resourceIdentity) importNotFound(ctx context.Context, pd *providerData, state tfsdk.State, err error) diag.Diagnostic {
	values := ri.values(ctx, state)
	given := values[ri.key()]
	orgID, inOrg := values["organization_id"]
	if !inOrg {
		orgID = given
	}
	var missing string
	switch {
	case client.IsOrganizationDeleted(err):
		missing = fmt.Sprintf("Organization %s was deleted, with everything it held: there is nothing to import.", orgID)
	case client.IsOrganizationNotVisible(err):
		missing = fmt.Sprintf("No organization %q is visible to the credential in use: it does not exist, or the credential's user is not one of its members.", orgID)
	case ri.key() == "id":
		missing = fmt.Sprintf("Organization %s has no %s with id %q.", orgID, ri.kind, given)
	default:
		missing = fmt.Sprintf("Organization %s has no %s %s.", orgID, ri.kind, ri.keyText(given))
	}
	detail := missing + " " + ri.importHelp
	var found []string
	switch {
	case client.IsOrganizationDeleted(err), pd.client == nil:
	case client.IsOrganizationNotVisible(err):
		found = organizationLookalikes(ctx, pd, orgID, inOrg)
	case ri.lookalikes != nil:
		found = ri.lookalikes(ctx, pd, orgID, given)
	}
	for _, sentence := range found {
		detail += "\n\n" + sentence
	}
	return diag.NewErrorDiagnostic("Cannot import "+ri.name(values), detail)
}

// organizationLookalikes: an organization id that names no organization may be its name.
func organizationLookalikes(ctx context.Context, pd *providerData, given string, inOrg bool) []string {
	orgs, err := pd.client.ListOrganizations(ctx)
	if err != nil {
		return nil
	}
	var out []string
	for _, o := range orgs {
		if !strings.EqualFold(o.Name, given) {
			continue
		}
		if inOrg {
			out = append(out, fmt.Sprintf("Organization %q has id %s: use that in the import ID.", o.Name, o.ID))
		} else {
			out = append(out, fmt.Sprintf("Organization %q has id %s: import it with that id.", o.Name, o.ID))
		}
	}
	return out
}

// match is a way a user may name an object instead of by its id: label says it ("named").
type match[T any] struct {
	label string
	is    func(obj T, given string) bool
}

// lookalikesByName are the objects of one kind in an organization that the given import ID names in
// another way than by id (by name, say): what to import instead. An error finding them finds none.
func lookalikesByName[T any](kind string, all func(ctx context.Context, pd *providerData, orgID string) ([]T, error),
	id func(T) string, matches ...match[T],
) func(ctx context.Context, pd *providerData, orgID, given string) []string {
	return func(ctx context.Context, pd *providerData, orgID, given string) []string {
		objects, err := all(ctx, pd, orgID)
		if err != nil {
			return nil
		}
		var out []string
		for _, o := range objects {
			for _, m := range matches {
				if m.is(o, given) {
					out = append(out, fmt.Sprintf("The %s %s %q has id %s: import it with id %q.", kind, m.label, given, id(o), orgID+"/"+id(o)))
					break
				}
			}
		}
		return out
	}
}

// invitedNotMember: an address imported as a member may be invited and not have accepted yet, which
// is an orgs_invitation until then.
func invitedNotMember(ctx context.Context, pd *providerData, orgID, email string) []string {
	invitations, err := pd.listings.Invitations.All(ctx, orgID)
	if err != nil {
		return nil
	}
	var out []string
	for _, inv := range invitations {
		if inv.Status != api.InvitationAccepted && emailtype.Equivalent(inv.Email, email) {
			out = append(out, fmt.Sprintf("%s is invited (invitation %s, %s) and has not accepted yet: until then, import it as an orgs_invitation, with id %q.",
				inv.Email, inv.ID, inv.Status, orgID+"/"+inv.ID))
		}
	}
	return out
}
