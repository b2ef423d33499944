package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
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
	_ resource.ResourceWithModifyPlan  = (*invitationResource)(nil)
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
	// ResendWhenExpired lives only in configuration and state: the server has no such setting.
	ResendWhenExpired types.Bool `tfsdk:"resend_when_expired"`
	// ResendTrigger, too, is the configuration's: any change of it re-sends the invitation.
	ResendTrigger types.String   `tfsdk:"resend_trigger"`
	Timeouts      timeouts.Value `tfsdk:"timeouts"`
}

func (r *invitationResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_invitation"
}

func (r *invitationResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An invitation to join an organization with a role, emailed to an address that may not have an account yet. " +
			"Accepting it makes the invitee a member (and counts against the plan's member limit). " +
			"An invitation cannot be changed: changing `organization_id`, `email` or `role` cancels it and sends a new one. Destroying a pending invitation cancels it.\n\n" +
			"An invitation that expires stays expired unless `resend_when_expired` is set: then the next plan shows an update that re-sends it " +
			"(same id, a new code and a new expiry). To re-send a pending one, change `resend_trigger`.\n\n" +
			"Once accepted, the invitee is a member: to manage them from then on, write an `orgs_member` block for them, import the membership " +
			"(`import { to = orgs_member.x  id = \"<organization_id>/<email>\" }`) and take the invitation out of the state without deleting anything " +
			"(`removed { from = orgs_invitation.x  lifecycle { destroy = false } }`): the same with OpenTofu and Terraform, and the plan after it is empty. " +
			"An `orgs_member` alone does the same for a new address from the start: it is invited, then active once the person accepts.\n\n" +
			"Import with `<organization_id>/<invitation_id>`, or by identity (`organization_id` and `id`) with OpenTofu or Terraform 1.12 and later.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The invitation's id.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"organization_id": organizationIDAttribute("The organization to join."),
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
			"resend_when_expired": schema.BoolAttribute{
				MarkdownDescription: "Whether to re-send the invitation once it has expired: when a refresh finds it `expired`, the plan shows an in-place update " +
					"that re-sends it, with a new code and a new `expires_at`. An accepted invitation is never re-sent. " +
					"Changing this argument alone changes nothing on the server. Defaults to `false`.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
			},
			"resend_trigger": schema.StringAttribute{
				MarkdownDescription: "Any change of this value re-sends the invitation while it is pending or expired (a new code and a new `expires_at`), " +
					"as an in-place update: set it to a date, or a counter, when the invitee lost the email. An accepted invitation is never re-sent.",
				Optional: true,
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the invitation was created (RFC 3339).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
		Blocks: map[string]schema.Block{"timeouts": timeoutsBlock(true)},
	}
}

// invitationIdentity: the API addresses an invitation by organization and id.
var invitationIdentity = resourceIdentity{
	kind:         "invitation",
	activityType: "invitation",
	attrs: []identityAttribute{
		{name: "organization_id", description: "The id of the organization the invitation is to."},
		{name: "id", description: "The invitation's id."},
	},
	importHelp: "An invitation imports by `<organization_id>/<invitation_id>` (the id starts with inv_), not by the address invited.",
	lookalikes: lookalikesByName("invitation", func(ctx context.Context, pd *providerData, orgID string) ([]api.Invitation, error) {
		return pd.listings.Invitations.All(ctx, orgID)
	}, func(i api.Invitation) string { return i.ID },
		match[api.Invitation]{"to", func(i api.Invitation, given string) bool {
			return i.Status != api.InvitationAccepted && emailtype.Equivalent(i.Email, given)
		}}),
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
	ctx, cancel := withTimeout(ctx, plan.Timeouts, opCreate, &resp.Diagnostics)
	defer cancel()
	inv, err := r.client.CreateInvitation(ctx, plan.OrganizationID.ValueString(), api.InvitationCreate{
		Email: plan.Email.ValueString(),
		Role:  api.Role(plan.Role.ValueString()),
	})
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("invite %s to organization %s", plan.Email.ValueString(), plan.OrganizationID.ValueString()), err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, invitationRefreshed(plan, inv))...)
	resp.Diagnostics.Append(invitationIdentity.set(ctx, resp.State, resp.Identity)...)
}

func (r *invitationResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state invitationModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts, opRead, &resp.Diagnostics)
	defer cancel()
	inv, err := r.listings.Invitations.Get(ctx, state.OrganizationID.ValueString(), state.ID.ValueString())
	if err != nil {
		invitationIdentity.removeIfNotFound(ctx, r.providerData, err, req, resp)
		return
	}
	invitationIdentity.refreshed(ctx, r.providerData, state, invitationRefreshed(state, inv), resp)
}

// ModifyPlan plans the re-send of an expired invitation: status and expires_at become unknown, which
// is both the diff that makes an update and the values that update will learn from the server. The
// status comes from the refresh that precedes the plan, so the clock is the server's, not ours.
func (r *invitationResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.planOrganizationID(ctx, req, resp)
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() || resp.Diagnostics.HasError() {
		return // create or destroy
	}
	var state, plan invitationModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(resp.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	status := api.InvitationStatus(state.Status.ValueString())
	if status == api.InvitationAccepted {
		// An accepted invitation is done with: the server refuses to replace or re-send it.
		if replacing(ctx, req, resp) {
			resp.Diagnostics.AddError("The invitation was accepted",
				fmt.Sprintf("%s accepted this invitation and is a member of organization %s now, so it cannot be changed or sent again. "+
					"To change their role, manage them as a member, the same way with OpenTofu and Terraform: replace this resource's block by an orgs_member block "+
					"with the same organization_id, email and role, plus `import { to = orgs_member.<name>  id = \"%s/%s\" }` and "+
					"`removed { from = <this address>  lifecycle { destroy = false } }` (the invitation leaves the state; nothing is deleted); the plan after that is empty.",
					state.Email.ValueString(), state.OrganizationID.ValueString(), state.OrganizationID.ValueString(), state.Email.ValueString()))
		}
		return
	}
	expiredResend := plan.ResendWhenExpired.ValueBool() && status == api.InvitationExpired
	triggered := !plan.ResendTrigger.Equal(state.ResendTrigger) && !plan.ResendTrigger.IsUnknown()
	if replacing(ctx, req, resp) || (!expiredResend && !triggered) {
		return
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("status"), types.StringUnknown())...)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("expires_at"), types.StringUnknown())...)
}

// Update re-sends the invitation when the plan says so (ModifyPlan left its status unknown); otherwise
// only resend_when_expired or resend_trigger changed, which the server knows nothing of. Every other argument requires
// replacement: the API cannot change an invitation.
func (r *invitationResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan invitationModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts, opUpdate, &resp.Diagnostics)
	defer cancel()
	state := plan
	if plan.Status.IsUnknown() {
		inv, err := r.client.ResendInvitation(ctx, plan.OrganizationID.ValueString(), plan.ID.ValueString())
		if err != nil {
			addAPIError(&resp.Diagnostics, fmt.Sprintf("re-send invitation %s of organization %s", plan.ID.ValueString(), plan.OrganizationID.ValueString()), err)
			return
		}
		state = invitationRefreshed(plan, inv)
		// The planned address (its letter case may be the state's, kept by emailtype) must come back as planned.
		state.Email = plan.Email
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	resp.Diagnostics.Append(invitationIdentity.set(ctx, resp.State, resp.Identity)...)
}

func (r *invitationResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state invitationModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts, opDelete, &resp.Diagnostics)
	defer cancel()
	err := r.client.DeleteInvitation(ctx, state.OrganizationID.ValueString(), state.ID.ValueString())
	if err != nil && !client.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("cancel invitation %s of organization %s", state.ID.ValueString(), state.OrganizationID.ValueString()), err)
	}
}

func (r *invitationResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	invitationIdentity.importState(ctx, req, resp)
	if resp.Diagnostics.HasError() {
		return
	}
	// The server cannot say what the configuration wants; the default makes an import of a
	// configuration that leaves it out plan nothing.
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("resend_when_expired"), types.BoolValue(false))...)
}

// invitationRefreshed is the state after a read of inv, from the state before it: the server's values,
// and resend_when_expired, which only the configuration knows.
func invitationRefreshed(prior invitationModel, inv *api.Invitation) invitationModel {
	refreshed := invitationState(inv)
	refreshed.Timeouts = prior.Timeouts
	refreshed.ResendTrigger = prior.ResendTrigger
	refreshed.ResendWhenExpired = prior.ResendWhenExpired
	if refreshed.ResendWhenExpired.IsNull() {
		// State written before the argument existed, or an import, has none; its default keeps the
		// next plan empty.
		refreshed.ResendWhenExpired = types.BoolValue(false)
	}
	return refreshed
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
