package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
	"github.com/orgs-dev/terraform-provider-orgs/internal/provider/emailtype"
)

var (
	_ resource.Resource                = (*organizationResource)(nil)
	_ resource.ResourceWithConfigure   = (*organizationResource)(nil)
	_ resource.ResourceWithImportState = (*organizationResource)(nil)
	_ resource.ResourceWithIdentity    = (*organizationResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*organizationResource)(nil)
)

// NewOrganizationResource is the constructor the provider registers for orgs_organization.
func NewOrganizationResource() resource.Resource { return &organizationResource{} }

type organizationResource struct {
	resourceBase
}

// organizationModel is the state of orgs_organization and of the orgs_organization data source.
type organizationModel struct {
	ID                 types.String `tfsdk:"id"`
	Name               types.String `tfsdk:"name"`
	Description        types.String `tfsdk:"description"`
	Website            types.String `tfsdk:"website"`
	AdminContactEmails types.List   `tfsdk:"admin_contact_emails"`
	Plan               types.String `tfsdk:"plan"`
	Settings           types.Object `tfsdk:"settings"`
	CreatedAt          types.String `tfsdk:"created_at"`
}

// organizationResourceModel is the resource's state: the organization, and the resource's timeouts.
type organizationResourceModel struct {
	organizationModel
	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

type organizationSettingsModel struct {
	ArtifactsStorageLimitGB types.Int64 `tfsdk:"artifacts_storage_limit_gb"`
	AIHintsEnabled          types.Bool  `tfsdk:"ai_hints_enabled"`
	MaskWebhookURLs         types.Bool  `tfsdk:"mask_webhook_urls"`
}

var organizationSettingsAttrTypes = map[string]attr.Type{
	"artifacts_storage_limit_gb": types.Int64Type,
	"ai_hints_enabled":           types.BoolType,
	"mask_webhook_urls":          types.BoolType,
}

func settingsObject(s api.OrganizationSettings) types.Object {
	return types.ObjectValueMust(organizationSettingsAttrTypes, map[string]attr.Value{
		"artifacts_storage_limit_gb": types.Int64Value(s.ArtifactsStorageLimitGB),
		"ai_hints_enabled":           types.BoolValue(s.AIHintsEnabled),
		"mask_webhook_urls":          types.BoolValue(s.MaskWebhookURLs),
	})
}

// Descriptions shared by the resource and the data source, so the two document the same thing alike.
const (
	orgDescID          = "The organization's id. Import with it."
	orgDescName        = "The organization's display name, 1 to 100 characters."
	orgDescDescription = "A free-text description, at most 1000 characters. Defaults to `\"\"`."
	orgDescWebsite     = "The organization's website, an absolute `http` or `https` URL, or `\"\"` for none (the default)."
	orgDescEmails      = "One to 20 addresses that receive important notices about the organization. Compared regardless of letter case."
	orgDescPlan        = "The subscription plan: `hobby` (the default), `starter`, `startup`, `team` or `enterprise`. The plan sets the limits on members, tokens, registries, labels and environments. Changing it needs an owner's or biller's token."
	orgDescSettings    = "Organization settings. Left out, every setting keeps its default."
	orgDescStorage     = "Artifacts storage limit in GB, 0 to 100000. Defaults to `10`."
	orgDescAIHints     = "Whether AI hints are shown. Defaults to `false`."
	orgDescMask        = "Whether webhook URLs are masked in the UI and logs. Defaults to `false`."
	orgDescCreatedAt   = "When the organization was created (RFC 3339)."
)

func (r *organizationResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_organization"
}

func (r *organizationResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	defaults := api.DefaultOrganizationSettings
	resp.Schema = schema.Schema{
		Blocks: map[string]schema.Block{"timeouts": timeoutsBlock(true)},
		MarkdownDescription: "An organization: the shared account that holds members, invitations, API tokens, container registries, labels and environments. " +
			"The token's user becomes its first owner, and counts as its first member: the default plan, `hobby`, allows 1 member, so an organization " +
			"that will have other members needs a larger `plan` (`starter` allows 3). To manage the creator's own membership, import it as an " +
			"`orgs_member` (`<organization_id>/<your email>`). Destroying the organization deletes everything it holds.\n\n" +
			"Import with the organization's id, or by identity (`id`) with OpenTofu or Terraform 1.12 and later.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: orgDescID,
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: orgDescName,
				Required:            true,
				Validators:          []validator.String{stringvalidator.UTF8LengthBetween(1, 100)},
			},
			"description": schema.StringAttribute{
				MarkdownDescription: orgDescDescription,
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(""),
				Validators:          []validator.String{stringvalidator.UTF8LengthAtMost(1000)},
			},
			"website": schema.StringAttribute{
				MarkdownDescription: orgDescWebsite,
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(""),
				Validators:          []validator.String{stringvalidator.UTF8LengthAtMost(2048), optionalHTTPURL()},
			},
			"admin_contact_emails": schema.ListAttribute{
				MarkdownDescription: orgDescEmails,
				Required:            true,
				ElementType:         emailtype.Type{},
				Validators: []validator.List{
					listvalidator.SizeBetween(1, 20),
					listvalidator.ValueStringsAre(emailtype.Validator()),
				},
				PlanModifiers: []planmodifier.List{emailtype.KeepStateList()},
			},
			"plan": schema.StringAttribute{
				MarkdownDescription: orgDescPlan,
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(string(api.PlanHobby)),
				Validators:          []validator.String{stringvalidator.OneOf(stringsOf(api.Plans)...)},
			},
			"settings": schema.SingleNestedAttribute{
				MarkdownDescription: orgDescSettings,
				Optional:            true,
				Computed:            true,
				Default:             objectdefault.StaticValue(settingsObject(defaults)),
				Attributes: map[string]schema.Attribute{
					"artifacts_storage_limit_gb": schema.Int64Attribute{
						MarkdownDescription: orgDescStorage,
						Optional:            true,
						Computed:            true,
						Default:             int64default.StaticInt64(defaults.ArtifactsStorageLimitGB),
						Validators:          []validator.Int64{int64validator.Between(0, 100000)},
					},
					"ai_hints_enabled": schema.BoolAttribute{
						MarkdownDescription: orgDescAIHints,
						Optional:            true,
						Computed:            true,
						Default:             booldefault.StaticBool(defaults.AIHintsEnabled),
					},
					"mask_webhook_urls": schema.BoolAttribute{
						MarkdownDescription: orgDescMask,
						Optional:            true,
						Computed:            true,
						Default:             booldefault.StaticBool(defaults.MaskWebhookURLs),
					},
				},
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: orgDescCreatedAt,
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

// organizationIdentity: an organization's id is unique across the platform.
var organizationIdentity = resourceIdentity{
	kind:         "organization",
	activityType: "organization",
	attrs: []identityAttribute{
		{name: "id", description: "The organization's id."},
	},
	importHelp: "An organization imports by its id (it starts with org_), not by its name.",
}

func (r *organizationResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = organizationIdentity.schema()
}

func (r *organizationResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan organizationResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts, opCreate, &resp.Diagnostics)
	defer cancel()
	emails, diags := emailStrings(ctx, plan.AdminContactEmails)
	resp.Diagnostics.Append(diags...)
	settings, diags := settingsFromObject(ctx, plan.Settings)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	org, err := r.client.CreateOrganization(ctx, api.OrganizationCreate{
		Name:               plan.Name.ValueString(),
		Description:        plan.Description.ValueString(),
		Website:            plan.Website.ValueString(),
		AdminContactEmails: emails,
		Plan:               api.Plan(plan.Plan.ValueString()),
		Settings:           settings.AsUpdate(),
	})
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("create organization %q", plan.Name.ValueString()), err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, organizationResourceModel{organizationState(org), plan.Timeouts})...)
	resp.Diagnostics.Append(organizationIdentity.set(ctx, resp.State, resp.Identity)...)
}

func (r *organizationResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state organizationResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts, opRead, &resp.Diagnostics)
	defer cancel()
	org, err := r.client.GetOrganization(ctx, state.ID.ValueString())
	if err != nil {
		organizationIdentity.removeIfNotFound(ctx, r.providerData, err, req, resp)
		return
	}
	organizationIdentity.refreshed(ctx, r.providerData, state, organizationResourceModel{organizationState(org), state.Timeouts}, resp)
}

func (r *organizationResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state organizationResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts, opUpdate, &resp.Diagnostics)
	defer cancel()
	update, diags := organizationChanges(ctx, state.organizationModel, plan.organizationModel)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	org, err := r.client.UpdateOrganization(ctx, state.ID.ValueString(), update)
	if err != nil {
		addAPIError(&resp.Diagnostics, "update organization "+state.ID.ValueString(), err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, organizationResourceModel{organizationState(org), plan.Timeouts})...)
	resp.Diagnostics.Append(organizationIdentity.set(ctx, resp.State, resp.Identity)...)
}

func (r *organizationResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state organizationResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts, opDelete, &resp.Diagnostics)
	defer cancel()
	if err := r.client.DeleteOrganization(ctx, state.ID.ValueString()); err != nil && !client.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, "delete organization "+state.ID.ValueString(), err)
	}
}

// ModifyPlan tells the rest of the run which plan an existing organization is about to be on, so that
// the plan-time member limit of its orgs_member resources counts the seats the new plan gives rather
// than refusing a member the same apply makes room for.
func (r *organizationResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || req.State.Raw.IsNull() || r.plannedPlans == nil {
		return
	}
	var id, plan types.String
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("id"), &id)...)
	resp.Diagnostics.Append(resp.Plan.GetAttribute(ctx, path.Root("plan"), &plan)...)
	if resp.Diagnostics.HasError() || plan.IsUnknown() || plan.IsNull() {
		return
	}
	r.plannedPlans.Store(id.ValueString(), api.Plan(plan.ValueString()))
}

func (r *organizationResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	organizationIdentity.importState(ctx, req, resp)
}

// organizationChanges is the PATCH from state to plan: only what changed, because some fields need a
// particular role (the plan is billing) and an unchanged field must not need it.
func organizationChanges(ctx context.Context, state, plan organizationModel) (api.OrganizationUpdate, diag.Diagnostics) {
	var u api.OrganizationUpdate
	var diags diag.Diagnostics
	u.Name = changedString(plan.Name, state.Name)
	u.Description = changedString(plan.Description, state.Description)
	u.Website = changedString(plan.Website, state.Website)
	if !state.AdminContactEmails.Equal(plan.AdminContactEmails) {
		emails, d := emailStrings(ctx, plan.AdminContactEmails)
		diags.Append(d...)
		u.AdminContactEmails = emails
	}
	if !state.Plan.Equal(plan.Plan) {
		p := api.Plan(plan.Plan.ValueString())
		u.Plan = &p
	}
	if !state.Settings.Equal(plan.Settings) {
		before, d := settingsFromObject(ctx, state.Settings)
		diags.Append(d...)
		after, d := settingsFromObject(ctx, plan.Settings)
		diags.Append(d...)
		var s api.OrganizationSettingsUpdate
		if before.ArtifactsStorageLimitGB != after.ArtifactsStorageLimitGB {
			s.ArtifactsStorageLimitGB = &after.ArtifactsStorageLimitGB
		}
		if before.AIHintsEnabled != after.AIHintsEnabled {
			s.AIHintsEnabled = &after.AIHintsEnabled
		}
		if before.MaskWebhookURLs != after.MaskWebhookURLs {
			s.MaskWebhookURLs = &after.MaskWebhookURLs
		}
		u.Settings = &s
	}
	return u, diags
}

// organizationState is the state for an organization as the server returned it. Addresses keep the
// server's spelling here; the framework keeps the configured spelling when they differ only in case.
func organizationState(org *api.Organization) organizationModel {
	emails := make([]attr.Value, len(org.AdminContactEmails))
	for i, e := range org.AdminContactEmails {
		emails[i] = emailtype.NewValue(e)
	}
	return organizationModel{
		ID:                 types.StringValue(org.ID),
		Name:               types.StringValue(org.Name),
		Description:        types.StringValue(org.Description),
		Website:            types.StringValue(org.Website),
		AdminContactEmails: types.ListValueMust(emailtype.Type{}, emails),
		Plan:               types.StringValue(string(org.Plan)),
		Settings:           settingsObject(org.Settings),
		CreatedAt:          timeValue(org.CreatedAt),
	}
}

func emailStrings(ctx context.Context, l types.List) ([]string, diag.Diagnostics) {
	var values []emailtype.Value
	diags := l.ElementsAs(ctx, &values, false)
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = v.ValueString()
	}
	return out, diags
}

func settingsFromObject(ctx context.Context, o types.Object) (api.OrganizationSettings, diag.Diagnostics) {
	if o.IsNull() || o.IsUnknown() {
		return api.DefaultOrganizationSettings, nil
	}
	var m organizationSettingsModel
	diags := o.As(ctx, &m, basetypes.ObjectAsOptions{})
	return api.OrganizationSettings{
		ArtifactsStorageLimitGB: m.ArtifactsStorageLimitGB.ValueInt64(),
		AIHintsEnabled:          m.AIHintsEnabled.ValueBool(),
		MaskWebhookURLs:         m.MaskWebhookURLs.ValueBool(),
	}, diags
}
