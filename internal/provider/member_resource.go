package provider

import (
	"context"
	"maps"

	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
	"github.com/orgs-dev/terraform-provider-orgs/internal/provider/emailtype"
)

var (
	_ resource.Resource                = (*memberResource)(nil)
	_ resource.ResourceWithConfigure   = (*memberResource)(nil)
	_ resource.ResourceWithImportState = (*memberResource)(nil)
	_ resource.ResourceWithIdentity    = (*memberResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*memberResource)(nil)
)

// NewMemberResource is the constructor the provider registers for orgs_member.
func NewMemberResource() resource.Resource { return &memberResource{} }

type memberResource struct {
	resourceBase
}

type memberModel struct {
	ID               types.String    `tfsdk:"id"`
	OrganizationID   types.String    `tfsdk:"organization_id"`
	Email            emailtype.Value `tfsdk:"email"`
	Role             types.String    `tfsdk:"role"`
	EnvironmentRoles types.Map       `tfsdk:"environment_roles"`
	UserID           types.String    `tfsdk:"user_id"`
}

func (r *memberResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_member"
}

func (r *memberResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A member of an organization: an existing user, added with a role. To bring in someone who has no account yet, use `orgs_invitation`.\n\n" +
			"The organization's plan limits how many members it may have, and the server refuses to remove or demote its last owner.\n\n" +
			"Import with `<organization_id>/<email>`, or by identity (`organization_id` and `email`) with OpenTofu or Terraform 1.12 and later.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "`<organization_id>/<email>`.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"organization_id": organizationIDAttribute("The organization."),
			"email": schema.StringAttribute{
				MarkdownDescription: "The user's email address; the user must already exist. Compared regardless of letter case, so rewriting it in another case changes nothing. Changing the address replaces the membership.",
				Required:            true,
				CustomType:          emailtype.Type{},
				// The case-insensitive comparison must come first, so a case-only change never reaches
				// RequiresReplace.
				PlanModifiers: []planmodifier.String{emailtype.KeepStateString(), stringplanmodifier.RequiresReplace()},
			},
			"role": schema.StringAttribute{
				MarkdownDescription: "The member's role: " + markdownList(api.Roles) + ". " +
					"`owner` can do everything including billing; `admin` everything but billing; `member` only what `environment_roles` grants; `biller` billing and usage only.",
				Required:   true,
				Validators: []validator.String{stringvalidator.OneOf(stringsOf(api.Roles)...)},
			},
			"environment_roles": schema.MapAttribute{
				MarkdownDescription: "What a member with role `member` may do in each environment: environment id to " + markdownList(api.EnvironmentRoles) + ". Defaults to none.",
				ElementType:         types.StringType,
				Optional:            true,
				Computed:            true,
				Default:             mapdefault.StaticValue(types.MapValueMust(types.StringType, map[string]attr.Value{})),
				Validators: []validator.Map{
					mapvalidator.ValueStringsAre(stringvalidator.OneOf(stringsOf(api.EnvironmentRoles)...)),
					mapvalidator.KeysAre(stringvalidator.UTF8LengthAtLeast(1)),
				},
			},
			"user_id": schema.StringAttribute{
				MarkdownDescription: "The id of the member's user.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

// memberIdentity: the API addresses a member by organization and email address. The email keeps the
// spelling first stored (see memberState), so the identity does not change with the letter case.
var memberIdentity = resourceIdentity{
	{name: "organization_id", description: "The id of the organization."},
	{name: "email", description: "The member's email address."},
}

func (r *memberResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = memberIdentity.schema()
}

// ModifyPlan resolves the organization and plans the id, which the organization and email make.
func (r *memberResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.planOrganizationID(ctx, req, resp)
	planCompositeID(ctx, resp, "organization_id", "email")
}

func (r *memberResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan memberModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	envRoles, diags := environmentRoles(ctx, plan.EnvironmentRoles)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	m, err := r.client.AddMember(ctx, plan.OrganizationID.ValueString(), api.MemberCreate{
		Email:            plan.Email.ValueString(),
		Role:             api.Role(plan.Role.ValueString()),
		EnvironmentRoles: envRoles,
	})
	if err != nil {
		addAPIError(&resp.Diagnostics, "add member", err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, memberState(m, plan.Email))...)
	resp.Diagnostics.Append(memberIdentity.set(ctx, resp.State, resp.Identity)...)
}

func (r *memberResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state memberModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	m, err := r.listings.Members.Get(ctx, state.OrganizationID.ValueString(), state.Email.ValueString())
	if err != nil {
		memberIdentity.removeIfNotFound(ctx, err, req, resp)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, memberState(m, state.Email))...)
	resp.Diagnostics.Append(memberIdentity.set(ctx, resp.State, resp.Identity)...)
}

func (r *memberResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state memberModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var update api.MemberUpdate
	if !plan.Role.Equal(state.Role) {
		role := api.Role(plan.Role.ValueString())
		update.Role = &role
	}
	if !plan.EnvironmentRoles.Equal(state.EnvironmentRoles) {
		envRoles, diags := environmentRoles(ctx, plan.EnvironmentRoles)
		resp.Diagnostics.Append(diags...)
		if envRoles == nil {
			// An absent map would leave the roles as they are; an empty one removes them all.
			envRoles = map[string]api.EnvironmentRole{}
		}
		update.EnvironmentRoles = &envRoles
	}
	if resp.Diagnostics.HasError() {
		return
	}
	m, err := r.client.UpdateMember(ctx, state.OrganizationID.ValueString(), state.Email.ValueString(), update)
	if err != nil {
		addAPIError(&resp.Diagnostics, "update member", err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, memberState(m, state.Email))...)
	resp.Diagnostics.Append(memberIdentity.set(ctx, resp.State, resp.Identity)...)
}

func (r *memberResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state memberModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	err := r.client.RemoveMember(ctx, state.OrganizationID.ValueString(), state.Email.ValueString())
	if err != nil && !client.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, "remove member", err)
	}
}

func (r *memberResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	// An email holds no '/', and the organization id is first: the first '/' separates them.
	memberIdentity.importState(ctx, req, resp)
}

// memberState is the state for a membership the server returned. known is the address already in the
// plan or state: it is kept when the server spells the same address in another case, so the id, built
// from it, stays stable too.
func memberState(m *api.Member, known emailtype.Value) memberModel {
	email := m.Email
	if !known.IsNull() && !known.IsUnknown() && emailtype.Equivalent(known.ValueString(), m.Email) {
		email = known.ValueString()
	}
	roles := make(map[string]attr.Value, len(m.EnvironmentRoles))
	for env, role := range m.EnvironmentRoles {
		roles[env] = types.StringValue(string(role))
	}
	return memberModel{
		ID:               types.StringValue(m.OrganizationID + "/" + email),
		OrganizationID:   types.StringValue(m.OrganizationID),
		Email:            emailtype.NewValue(email),
		Role:             types.StringValue(string(m.Role)),
		EnvironmentRoles: types.MapValueMust(types.StringType, roles),
		UserID:           types.StringValue(m.UserID),
	}
}

func environmentRoles(ctx context.Context, m types.Map) (map[string]api.EnvironmentRole, diag.Diagnostics) {
	if m.IsNull() || m.IsUnknown() {
		return nil, nil
	}
	var raw map[string]string
	diags := m.ElementsAs(ctx, &raw, false)
	out := make(map[string]api.EnvironmentRole, len(raw))
	for env, role := range maps.All(raw) {
		out[env] = api.EnvironmentRole(role)
	}
	return out, diags
}
