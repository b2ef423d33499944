package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
)

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
