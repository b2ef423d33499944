package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
	"github.com/orgs-dev/terraform-provider-orgs/internal/provider/emailtype"
)

var (
	_ resource.Resource                = (*invitationResource)(nil)
	_ resource.ResourceWithConfigure   = (*invitationResource)(nil)
	_ resource.ResourceWithImportState = (*invitationResource)(nil)
	_ resource.ResourceWithIdentity    = (*invitationResource)(nil)
)

// NewInvitationResource is the constructor the provider registers for orgs_invitation.
func NewInvitationResource() resource.Resource { return &invitationResource{} }

type invitationResource struct {
	resourceBase
}

type invitationModel struct {
	ID             types.String    `tfsdk:"id"`
	OrganizationID types.String    `tfsdk:"organization_id"`
	Email          emailtype.Value `tfsdk:"email"`
	Role           types.String    `tfsdk:"role"`
	Status         types.String    `tfsdk:"status"`
	ExpiresAt      types.String    `tfsdk:"expires_at"`
	CreatedAt      types.String    `tfsdk:"created_at"`
}

func (r *invitationResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_invitation"
}

func (r *invitationResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An invitation to join an organization with a role, emailed to an address that may not have an account yet. " +
			"Accepting it makes the invitee a member (and counts against the plan's member limit). " +
			"An invitation cannot be changed: changing any argument cancels it and sends a new one. Destroying a pending invitation cancels it.\n\n" +
			"Import with `<organization_id>/<invitation_id>`, or by identity (`organization_id` and `id`) with OpenTofu or Terraform 1.12 and later.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The invitation's id.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"organization_id": schema.StringAttribute{
				MarkdownDescription: "The organization to join. Changing it replaces the invitation.",
				Required:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"email": schema.StringAttribute{
				MarkdownDescription: "The invitee's email address. Compared regardless of letter case. Changing the address replaces the invitation.",
				Required:            true,
				CustomType:          emailtype.Type{},
				PlanModifiers:       []planmodifier.String{emailtype.KeepStateString(), stringplanmodifier.RequiresReplace()},
			},
			"role": schema.StringAttribute{
				MarkdownDescription: "The role the invitee gets on accepting: " + markdownList(api.Roles) + ". Changing it replaces the invitation.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.OneOf(stringsOf(api.Roles)...)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"status": schema.StringAttribute{
				MarkdownDescription: "Where the invitation stands: " + markdownList([]api.InvitationStatus{api.InvitationPending, api.InvitationAccepted, api.InvitationExpired}) + ".",
				Computed:            true,
				// Only the invitee and the clock change it, and a refresh shows that. Without this a
				// case-only change of email, which plans nothing, would still plan it unknown.
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"expires_at": schema.StringAttribute{
				MarkdownDescription: "When the invitation stops being acceptable (RFC 3339).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the invitation was created (RFC 3339).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

// invitationIdentity: the API addresses an invitation by organization and id.
var invitationIdentity = resourceIdentity{
	{name: "organization_id", description: "The id of the organization the invitation is to."},
	{name: "id", description: "The invitation's id."},
}

func (r *invitationResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = invitationIdentity.schema()
}

func (r *invitationResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan invitationModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	inv, err := r.client.CreateInvitation(ctx, plan.OrganizationID.ValueString(), api.InvitationCreate{
		Email: plan.Email.ValueString(),
		Role:  api.Role(plan.Role.ValueString()),
	})
	if err != nil {
		addAPIError(&resp.Diagnostics, "create invitation", err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, invitationState(inv))...)
	resp.Diagnostics.Append(invitationIdentity.set(ctx, resp.State, resp.Identity)...)
}

func (r *invitationResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state invitationModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	inv, err := r.client.GetInvitation(ctx, state.OrganizationID.ValueString(), state.ID.ValueString())
	if err != nil {
		invitationIdentity.removeIfNotFound(ctx, err, req, resp)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, invitationState(inv))...)
	resp.Diagnostics.Append(invitationIdentity.set(ctx, resp.State, resp.Identity)...)
}

// Update is never called with a change: every argument requires replacement. It only has to carry the
// state forward, which the framework requires of every resource.
func (r *invitationResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan invitationModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	resp.Diagnostics.Append(invitationIdentity.set(ctx, resp.State, resp.Identity)...)
}

func (r *invitationResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state invitationModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	err := r.client.DeleteInvitation(ctx, state.OrganizationID.ValueString(), state.ID.ValueString())
	if err != nil && !client.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, "cancel invitation", err)
	}
}

func (r *invitationResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	invitationIdentity.importState(ctx, req, resp)
}

func invitationState(inv *api.Invitation) invitationModel {
	return invitationModel{
		ID:             types.StringValue(inv.ID),
		OrganizationID: types.StringValue(inv.OrganizationID),
		Email:          emailtype.NewValue(inv.Email),
		Role:           types.StringValue(string(inv.Role)),
		Status:         types.StringValue(string(inv.Status)),
		ExpiresAt:      timeValue(inv.ExpiresAt),
		CreatedAt:      timeValue(inv.CreatedAt),
	}
}
