package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
)

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
