package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
)

// providerData is what the provider's Configure hands to every resource, data source and ephemeral
// resource: the API client, and the listings that every read of an organization-held object goes
// through (one read path, shared by all resources of the provider process, so a large organization is
// refreshed in a few list requests).
type providerData struct {
	client   *client.Client
	listings *client.Listings
	// usages memoizes each organization's usage for plan-time limit checks: one read per organization
	// per run, however many objects are planned.
	usages *memo[api.Usage]
	// plannedPlans holds, by organization id, the plan an orgs_organization of this run is changing to
	// (planned before the members that refer to it), for the plan-time member limit.
	plannedPlans *sync.Map
	// defaultOrganizationID is the provider's organization_id, for those that leave theirs out; "" for none.
	defaultOrganizationID string
}

func newProviderData(c *client.Client, defaultOrganizationID string) *providerData {
	return &providerData{
		client:                c,
		listings:              client.NewListings(c, client.ListingsConfig{}),
		usages:                &memo[api.Usage]{},
		plannedPlans:          &sync.Map{},
		defaultOrganizationID: defaultOrganizationID,
	}
}

// usage is the organization's usage, read once per run.
func (d *providerData) usage(ctx context.Context, orgID string) (*api.Usage, error) {
	return d.usages.get(orgID, func() (*api.Usage, error) { return d.client.GetUsage(ctx, orgID) })
}

// memo keeps the first successful result of fetch per key; a failure is not kept, so the next call
// tries again.
type memo[T any] struct {
	mu   sync.Mutex
	done map[string]*T
}

func (m *memo[T]) get(key string, fetch func() (*T, error)) (*T, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.done[key]; ok {
		return v, nil
	}
	v, err := fetch()
	if err != nil {
		return nil, err
	}
	if m.done == nil {
		m.done = map[string]*T{}
	}
	m.done[key] = v
	return v, nil
}

// configure is the one checked conversion of what the provider's Configure handed over. It leaves the
// fields nil, without a diagnostic, before the provider is configured (schema validation calls
// Configure with no provider data; the framework never calls the CRUD methods then).
func (d *providerData) configure(data any, diags *diag.Diagnostics) {
	if data == nil {
		return
	}
	pd, ok := data.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider; please report it.", data))
		return
	}
	*d = *pd
}

// resourceBase is embedded by every resource. It implements resource.ResourceWithConfigure, so a
// resource gets its API client in r.client and the shared listings in r.listings without repeating the
// type check.
type resourceBase struct {
	providerData
}

// Configure stores what the provider built.
func (b *resourceBase) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	b.configure(req.ProviderData, &resp.Diagnostics)
}

// dataSourceBase is resourceBase for data sources.
type dataSourceBase struct {
	providerData
}

// Configure stores what the provider built.
func (b *dataSourceBase) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	b.configure(req.ProviderData, &resp.Diagnostics)
}

// importCompositeID sets the attributes at parts from an import ID made of len(parts) non-empty pieces
// joined by '/'. The last piece takes the rest of the ID, so it may itself hold '/' (label keys do:
// "org_1/example.com/team" is organization "org_1", key "example.com/team").
func importCompositeID(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse, parts ...path.Path) {
	pieces := strings.SplitN(req.ID, "/", len(parts))
	valid := len(pieces) == len(parts)
	for _, p := range pieces {
		if p == "" {
			valid = false
		}
	}
	if !valid {
		names := make([]string, len(parts))
		for i, p := range parts {
			names[i] = "<" + p.String() + ">"
		}
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf("Expected an import ID of the form %q, got %q.", strings.Join(names, "/"), req.ID))
		return
	}
	for i, p := range parts {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, p, pieces[i])...)
	}
}

// replacing says whether a plan replaces the object. A resource's ModifyPlan is not told of the
// replacements its attributes' plan modifiers asked for (the framework collects them apart), so this
// asks the schema again: it runs each string attribute's plan modifiers, in order, on the state and the
// plan as the framework did, and reports whether one requires replacement; or whether this ModifyPlan
// already did (resp.RequiresReplace, as planOrganizationID does when the default organization changed).
// A value unknown until apply replaces, as the framework plans it.
func replacing(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) bool {
	if req.State.Raw.IsNull() || resp.Plan.Raw.IsNull() {
		return false
	}
	if len(resp.RequiresReplace) > 0 {
		return true
	}
	if planChangesNothing(req, resp) {
		return false
	}
	for name, a := range resp.Plan.Schema.GetAttributes() {
		sa, ok := a.(schema.StringAttribute)
		if !ok || len(sa.PlanModifiers) == 0 {
			continue
		}
		p := path.Root(name)
		config, planned, prior := stringAt(ctx, req.Config.GetAttribute, p), stringAt(ctx, resp.Plan.GetAttribute, p), stringAt(ctx, req.State.GetAttribute, p)
		mreq := planmodifier.StringRequest{
			Path: p, PathExpression: p.Expression(), Config: req.Config, ConfigValue: config,
			Plan: resp.Plan, PlanValue: planned, State: req.State, StateValue: prior, Private: req.Private,
		}
		for _, m := range sa.PlanModifiers {
			mresp := &planmodifier.StringResponse{PlanValue: mreq.PlanValue}
			m.PlanModifyString(ctx, mreq, mresp)
			if mresp.RequiresReplace {
				return true
			}
			mreq.PlanValue = mresp.PlanValue
		}
	}
	return false
}

// planChangesNothing reports whether the plan leaves an existing object exactly as the state holds it
// (after its attributes' plan modifiers): the plan of almost every object of a large configuration,
// whose plan-time checks then have nothing to check and no reason to decode the plan and the state.
func planChangesNothing(req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) bool {
	return !req.State.Raw.IsNull() && !resp.Plan.Raw.IsNull() && len(resp.RequiresReplace) == 0 && resp.Plan.Raw.Equal(req.State.Raw)
}

// sameAttributeValues reports whether two models of the same type hold the same values: each field an
// attr.Value (types.String, a custom type, a timeouts block...) Equal to its counterpart, a nested struct
// compared field by field. What it cannot compare (a field of another kind, or one it cannot reach, such
// as the fields of an unexported embedded struct) counts as a difference, so a caller that skips work
// on "the same" never skips it wrongly.
func sameAttributeValues(a, b any) bool {
	return sameValues(reflect.ValueOf(a), reflect.ValueOf(b))
}

func sameValues(a, b reflect.Value) bool {
	if !a.IsValid() || !b.IsValid() || a.Type() != b.Type() || !a.CanInterface() {
		return false
	}
	if a.Kind() == reflect.Pointer && (a.IsNil() || b.IsNil()) {
		return a.IsNil() && b.IsNil()
	}
	if av, ok := a.Interface().(attr.Value); ok {
		bv, ok := b.Interface().(attr.Value)
		return ok && av.Equal(bv)
	}
	switch a.Kind() {
	case reflect.Pointer:
		return sameValues(a.Elem(), b.Elem())
	case reflect.Struct:
		for i := range a.NumField() {
			if !sameValues(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	}
	return false
}

// stringAt reads a string attribute (of a custom string type too, such as emailtype) as a
// types.String; one that cannot be read is null.
func stringAt(ctx context.Context, get func(context.Context, path.Path, any) diag.Diagnostics, p path.Path) types.String {
	var v attr.Value
	if get(ctx, p, &v).HasError() || v == nil {
		return types.StringNull()
	}
	if sv, ok := v.(basetypes.StringValuable); ok {
		if s, diags := sv.ToStringValue(ctx); !diags.HasError() {
			return s
		}
	}
	return types.StringNull()
}

// planCompositeID plans the id of a resource whose id is its identifying attributes joined by '/', as
// soon as they are known, so the plan shows it rather than "(known after apply)".
func planCompositeID(ctx context.Context, resp *resource.ModifyPlanResponse, attrs ...string) {
	if resp.Plan.Raw.IsNull() || resp.Diagnostics.HasError() {
		return
	}
	parts := make([]string, len(attrs))
	for i, a := range attrs {
		// An attr.Value, since the attribute may be of a custom string type (emailtype).
		var v attr.Value
		if diags := resp.Plan.GetAttribute(ctx, path.Root(a), &v); diags.HasError() || v == nil || v.IsNull() || v.IsUnknown() {
			return
		}
		s, ok := v.(basetypes.StringValuable)
		if !ok {
			return
		}
		str, diags := s.ToStringValue(ctx)
		if diags.HasError() {
			return
		}
		parts[i] = str.ValueString()
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("id"), types.StringValue(strings.Join(parts, "/")))...)
}

// removeIfNotFound handles an error from the read in a resource's Read, the one place where the provider
// decides that an object is gone. An object that no longer exists (client.IsNotFound: missing from an
// organization the credential can see, or held by an organization that was deleted) is removed from
// state, without a diagnostic, so Terraform plans to create it again. Anything else is an error and
// leaves the state as it was: above all an organization the credential cannot see, which is what losing
// access looks like and must never be taken for a deletion (apiErrorDiagnostic says so). Call it only
// with a non-nil err, and return after it.
func removeIfNotFound(ctx context.Context, err error, resp *resource.ReadResponse) {
	if client.IsNotFound(err) {
		msg := "object no longer exists on the server; removing it from state"
		if client.IsOrganizationDeleted(err) {
			msg = "the object's organization was deleted; removing the object from state"
		}
		tflog.Info(ctx, msg, map[string]any{"error": err.Error()})
		resp.State.RemoveResource(ctx)
		return
	}
	resp.Diagnostics.Append(apiErrorDiagnostic("read", err))
}

func diagsOf(d ...diag.Diagnostic) diag.Diagnostics { return diag.Diagnostics(d) }

// withHint adds what to do to an error diagnostic.
func withHint(d diag.Diagnostic, hint string) diag.Diagnostic {
	return diag.NewErrorDiagnostic(d.Summary(), d.Detail()+"\n\n"+hint)
}

// addAPIError reports a failed API call; action says what the provider was doing ("create member").
func addAPIError(diags *diag.Diagnostics, action string, err error) {
	diags.Append(apiErrorDiagnostic(action, err))
}

// apiErrorDiagnostic turns an API error into a diagnostic. A refusal by the server carries the server's
// own message verbatim (it names the limit, the plan, the last owner...); anything else (a connection
// that kept failing, a timeout) says what happened and that it was retried.
func apiErrorDiagnostic(action string, err error) diag.Diagnostic {
	summary := "Failed to " + action
	var expired timeoutExpired
	if errors.As(err, &expired) {
		return diag.NewErrorDiagnostic("Timed out: "+action,
			fmt.Sprintf("Could not %s: %s before the server answered (retries included). "+
				"If the server is slow rather than down, raise timeouts.%s in the resource's timeouts block. Nothing of this operation was recorded in the state.\n\nLast error: %s",
				action, expired, expired.op, err))
	}
	var apiErr *client.Error
	if errors.As(err, &apiErr) && client.IsOrganizationNotVisible(err) {
		return organizationNotVisibleDiagnostic(action, apiErr)
	}
	if errors.As(err, &apiErr) {
		// 429 and 5xx reach here only once retries ran out: the server did not refuse, it kept failing.
		verb := "refused to"
		if apiErr.StatusCode == http.StatusTooManyRequests || apiErr.StatusCode >= 500 {
			verb = "kept failing to"
		}
		detail := fmt.Sprintf("The server %s %s (HTTP %d %s): %s",
			verb, action, apiErr.StatusCode, http.StatusText(apiErr.StatusCode), apiErr.Error())
		if hint := statusHint(apiErr.StatusCode); hint != "" {
			detail += "\n\n" + hint
		}
		return diag.NewErrorDiagnostic(summary, detail)
	}
	var connErr *client.ConnectionError
	if errors.As(err, &connErr) {
		return diag.NewErrorDiagnostic(summary, fmt.Sprintf("Could not %s: the orgs API did not answer: %s\n\n"+
			"Check the provider's `endpoint` (or the %s environment variable): the server must be running there, "+
			"and the scheme must match it (http:// for a plain server, https:// for TLS).", action, err, EnvEndpoint))
	}
	return diag.NewErrorDiagnostic(summary, fmt.Sprintf("Could not %s: %s", action, err))
}

// organizationNotVisibleDiagnostic is the error for an organization the credential cannot see. The
// server gives that one answer for an organization the credential's user was removed from, another
// account's, and one that never existed, so the provider cannot tell them apart and must not guess: it
// leaves the state alone and says how to find out. A deleted organization is a different answer (410),
// given to whoever could see it when it was deleted; that one plans re-creation.
func organizationNotVisibleDiagnostic(action string, apiErr *client.Error) diag.Diagnostic {
	orgID := apiErr.OrganizationID
	return diag.NewErrorDiagnostic("Cannot see organization "+orgID,
		fmt.Sprintf("The server refused to %s (HTTP %d %s): %s\n\n"+
			"The credential in use cannot see organization %q. This is the server's answer when the credential's user "+
			"was removed from the organization, when the credential belongs to another account, or when no such organization "+
			"exists; it is not a deletion, so the provider removed nothing from the state: the state was left unchanged.\n\n"+
			"Check the provider's `token` (or the %s environment variable): it must be a credential of a current member of "+
			"organization %q. If the organization was deleted, a credential of one of its members at that time shows it, and "+
			"the plan then creates it again. If it is gone for good and should no longer be managed here, remove its "+
			"resources from the state (`terraform state rm` or `tofu state rm`).",
			action, apiErr.StatusCode, http.StatusText(apiErr.StatusCode), apiErr.Error(), orgID, EnvToken, orgID))
}

// statusHint tells the user what to do about a refusal whose cause is usually outside the configuration.
func statusHint(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "Check the provider's `token` (or the " + EnvToken + " environment variable). An organization API token " +
			"also stops working when it expires or is revoked, when the user who created it leaves the organization, and " +
			"when its organization is deleted (with everything it held); the provider cannot tell these apart, so it " +
			"removed nothing from the state."
	case http.StatusForbidden:
		return "The token's role does not allow this; use a token of an owner or admin (billing changes need an owner or biller)."
	}
	return ""
}

// timeValue renders a server timestamp the way every resource stores it: RFC 3339 in UTC, or null when
// the server sent none.
func timeValue(t time.Time) types.String {
	if t.IsZero() {
		return types.StringNull()
	}
	return types.StringValue(t.UTC().Format(time.RFC3339))
}

// ephemeralBase is resourceBase for ephemeral resources. The framework configures a new instance for
// each call (Open, Close), so the client is always there when they run.
type ephemeralBase struct {
	providerData
}

// Configure stores what the provider built.
func (b *ephemeralBase) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	b.configure(req.ProviderData, &resp.Diagnostics)
}
