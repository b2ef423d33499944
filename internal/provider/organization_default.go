package provider

import (
	"context"

	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	ephschema "github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Every resource and data source that lives in an organization takes organization_id, and any of them
// may leave it out to use the provider's own organization_id (or ORGS_ORGANIZATION_ID), as a team that
// manages one organization per configuration would. The attribute is then Optional and Computed: the
// plan shows the organization it resolves to, and a change of the provider's default replaces the
// object like a change of the argument would.

const organizationIDDefaultNote = " Defaults to the provider's `organization_id` (or the `" + EnvOrganizationID + "` environment variable)."

// organizationIDAttribute is a resource's organization_id. what says what the organization is to the
// object ("The organization the label belongs to.").
func organizationIDAttribute(what string) schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: what + organizationIDDefaultNote + " Changing it replaces the object.",
		Optional:            true,
		Computed:            true,
		// Left out of the configuration, it keeps the state's value until ModifyPlan resolves the
		// provider's default (planOrganizationID).
		PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIfConfigured(), stringplanmodifier.UseStateForUnknown()},
	}
}

// dataSourceOrganizationIDAttribute is a data source's organization_id.
func dataSourceOrganizationIDAttribute(what string) dsschema.StringAttribute {
	return dsschema.StringAttribute{MarkdownDescription: what + organizationIDDefaultNote, Optional: true, Computed: true}
}

// ephemeralOrganizationIDAttribute is an ephemeral resource's organization_id.
func ephemeralOrganizationIDAttribute(what string) ephschema.StringAttribute {
	return ephschema.StringAttribute{MarkdownDescription: what + organizationIDDefaultNote, Optional: true, Computed: true}
}

// planOrganizationID resolves a resource's organization_id left out of the configuration to the
// provider's default, in the plan, and replaces the object when that differs from the state's. Every
// resource with organization_id calls it first in its ModifyPlan.
func (d *providerData) planOrganizationID(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || d.client == nil {
		return // destroy, or validation before the provider is configured
	}
	var configured types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("organization_id"), &configured)...)
	if resp.Diagnostics.HasError() || !configured.IsNull() {
		return
	}
	orgID := d.organizationID(configured, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("organization_id"), types.StringValue(orgID))...)
	if req.State.Raw.IsNull() {
		return
	}
	var prior types.String
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("organization_id"), &prior)...)
	if !prior.IsNull() && prior.ValueString() != orgID {
		resp.RequiresReplace.Append(path.Root("organization_id"))
	}
}

// organizationID is the organization a configuration names, or else the provider's default. Without
// either it reports an error on organization_id that says how to set one.
func (d *providerData) organizationID(configured types.String, diags *diag.Diagnostics) string {
	if !configured.IsNull() && !configured.IsUnknown() && configured.ValueString() != "" {
		return configured.ValueString()
	}
	if d.defaultOrganizationID == "" {
		diags.AddAttributeError(path.Root("organization_id"), "Missing organization_id",
			"Set organization_id here, or a default for every resource and data source: organization_id in the provider block, or the "+
				EnvOrganizationID+" environment variable.")
	}
	return d.defaultOrganizationID
}
