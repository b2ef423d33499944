package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
)

var (
	_ resource.Resource                = (*labelResource)(nil)
	_ resource.ResourceWithConfigure   = (*labelResource)(nil)
	_ resource.ResourceWithImportState = (*labelResource)(nil)
	_ resource.ResourceWithIdentity    = (*labelResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*labelResource)(nil)
)

// NewLabelResource is the constructor the provider registers for orgs_label.
func NewLabelResource() resource.Resource { return &labelResource{} }

type labelResource struct {
	resourceBase
}

type labelModel struct {
	ID                       types.String   `tfsdk:"id"`
	OrganizationID           types.String   `tfsdk:"organization_id"`
	Key                      types.String   `tfsdk:"key"`
	Value                    types.String   `tfsdk:"value"`
	PropagateToCloudProvider types.Bool     `tfsdk:"propagate_to_cloud_provider"`
	Timeouts                 timeouts.Value `tfsdk:"timeouts"`
}

func (r *labelResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_label"
}

func (r *labelResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Blocks: map[string]schema.Block{"timeouts": timeoutsBlock(true)},
		MarkdownDescription: "A key/value label on an organization. Keys are unique in the organization.\n\n" +
			"Import with `<organization_id>/<key>` (the key may itself hold a `/`), or by identity (`organization_id` and `key`) with OpenTofu or Terraform 1.12 and later.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "`<organization_id>/<key>`.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"organization_id": organizationIDAttribute("The organization the label belongs to."),
			"key": schema.StringAttribute{
				MarkdownDescription: "The label key, in Kubernetes label-key syntax: an optional DNS-subdomain prefix and `/`, " +
					"then a name of 1 to 63 letters, digits, `-`, `_` and `.` that starts and ends with a letter or digit. " +
					"The API addresses labels by key, so changing it replaces the label.",
				Required:      true,
				Validators:    []validator.String{stringCheck{desc: "must be a Kubernetes label key", check: api.ValidateLabelKey}},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"value": schema.StringAttribute{
				MarkdownDescription: "The label value, in Kubernetes label-value syntax: empty, or up to 63 letters, digits, " +
					"`-`, `_` and `.` that start and end with a letter or digit. Defaults to `\"\"`.",
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString(""),
				Validators: []validator.String{stringCheck{desc: "must be a Kubernetes label value", check: api.ValidateLabelValue}},
			},
			"propagate_to_cloud_provider": schema.BoolAttribute{
				MarkdownDescription: "Whether the platform copies this label onto the resources it creates at the cloud provider. Defaults to `false`.",
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(false),
			},
		},
	}
}

// labelIdentity: the API addresses a label by its organization and key.
var labelIdentity = resourceIdentity{
	kind:         "label",
	activityType: "label",
	attrs: []identityAttribute{
		{name: "organization_id", description: "The id of the organization the label belongs to."},
		{name: "key", description: "The label key; it may hold a `/` after a DNS-subdomain prefix."},
	},
	importHelp: "A label imports by `<organization_id>/<key>`.",
	quoteKey:   true,
}

func (r *labelResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = labelIdentity.schema()
}

// ModifyPlan resolves the organization and plans the id, which the organization and key make.
func (r *labelResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.planOrganizationID(ctx, req, resp)
	if !planChangesNothing(req, resp) {
		planCompositeID(ctx, resp, "organization_id", "key")
	}
}

func (r *labelResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan labelModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts, opCreate, &resp.Diagnostics)
	defer cancel()
	label, err := r.client.CreateLabel(ctx, plan.OrganizationID.ValueString(), api.LabelCreate{
		Key:                      plan.Key.ValueString(),
		Value:                    plan.Value.ValueString(),
		PropagateToCloudProvider: plan.PropagateToCloudProvider.ValueBool(),
	})
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("create label %q in organization %s", plan.Key.ValueString(), plan.OrganizationID.ValueString()), err)
		return
	}
	plan.fill(label)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(labelIdentity.set(ctx, resp.State, resp.Identity)...)
}

func (r *labelResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state labelModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts, opRead, &resp.Diagnostics)
	defer cancel()
	label, err := r.listings.Labels.Get(ctx, state.OrganizationID.ValueString(), state.Key.ValueString())
	if err != nil {
		labelIdentity.removeIfNotFound(ctx, r.providerData, err, req, resp)
		return
	}
	prior := state
	state.fill(label)
	labelIdentity.refreshed(ctx, r.providerData, prior, state, resp)
}

func (r *labelResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state labelModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts, opUpdate, &resp.Diagnostics)
	defer cancel()
	update := api.LabelUpdate{
		Value:                    changedString(plan.Value, state.Value),
		PropagateToCloudProvider: changedBool(plan.PropagateToCloudProvider, state.PropagateToCloudProvider),
	}
	label, err := r.client.UpdateLabel(ctx, plan.OrganizationID.ValueString(), plan.Key.ValueString(), update)
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("update label %q of organization %s", plan.Key.ValueString(), plan.OrganizationID.ValueString()), err)
		return
	}
	plan.fill(label)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(labelIdentity.set(ctx, resp.State, resp.Identity)...)
}

func (r *labelResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state labelModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts, opDelete, &resp.Diagnostics)
	defer cancel()
	err := r.client.DeleteLabel(ctx, state.OrganizationID.ValueString(), state.Key.ValueString())
	if err != nil && !client.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("delete label %q of organization %s", state.Key.ValueString(), state.OrganizationID.ValueString()), err)
	}
}

func (r *labelResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	// The key may hold '/' (a DNS prefix); the import ID's last part takes the rest of the ID.
	labelIdentity.importState(ctx, req, resp)
}

func (m *labelModel) fill(l *api.Label) {
	m.OrganizationID = types.StringValue(l.OrganizationID)
	m.Key = types.StringValue(l.Key)
	m.ID = types.StringValue(labelID(l.OrganizationID, l.Key))
	m.Value = types.StringValue(l.Value)
	m.PropagateToCloudProvider = types.BoolValue(l.PropagateToCloudProvider)
}

func labelID(orgID, key string) string { return fmt.Sprintf("%s/%s", orgID, key) }
