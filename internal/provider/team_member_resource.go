package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
	"github.com/orgs-dev/terraform-provider-orgs/internal/provider/emailtype"
)

var (
	_ resource.Resource                = (*teamMemberResource)(nil)
	_ resource.ResourceWithConfigure   = (*teamMemberResource)(nil)
	_ resource.ResourceWithImportState = (*teamMemberResource)(nil)
	_ resource.ResourceWithIdentity    = (*teamMemberResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*teamMemberResource)(nil)
)

// NewTeamMemberResource is the constructor the provider registers for orgs_team_member.
func NewTeamMemberResource() resource.Resource { return &teamMemberResource{} }

type teamMemberResource struct {
	resourceBase
}

type teamMemberModel struct {
	ID             types.String    `tfsdk:"id"`
	OrganizationID types.String    `tfsdk:"organization_id"`
	TeamSlug       types.String    `tfsdk:"team_slug"`
	Email          emailtype.Value `tfsdk:"email"`
	Role           types.String    `tfsdk:"role"`
	UserID         types.String    `tfsdk:"user_id"`
	Timeouts       timeouts.Value  `tfsdk:"timeouts"`
}

func (r *teamMemberResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_team_member"
}

func (r *teamMemberResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Blocks: map[string]schema.Block{"timeouts": timeoutsBlock(true)},
		MarkdownDescription: "One person's membership of one team (`orgs_team`): they get what the team grants for as long as they are in it. " +
			"The person must be an active member of the organization (an `orgs_member` whose status is `active`); someone who is not yet is reported at plan time, " +
			"and the server refuses them at apply. Leaving the organization removes them from its teams.\n\n" +
			"To manage a team's whole membership in one place, and see anyone added outside Terraform as a change, use `orgs_team_members` instead; " +
			"use one or the other for a team, not both.\n\n" +
			"Import with `<organization_id>/<team slug>/<email>`, or by identity (`organization_id`, `team_slug` and `email`) with OpenTofu or Terraform 1.12 and later.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "`<organization_id>/<team slug>/<email>`.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"organization_id": organizationIDAttribute("The organization of the team."),
			"team_slug": schema.StringAttribute{
				MarkdownDescription: "The team's slug (`orgs_team.<name>.slug`). Changing it replaces the membership.",
				Required:            true,
				Validators:          []validator.String{stringCheck{desc: "must be a slug", check: api.ValidateSlug}},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"email": schema.StringAttribute{
				MarkdownDescription: "The person's email address, as their membership of the organization has it. Compared regardless of letter case, " +
					"so rewriting it that way changes nothing. Changing the address replaces the membership.",
				Required:   true,
				CustomType: emailtype.Type{},
				// The case-insensitive comparison first, so a case-only change never reaches RequiresReplace.
				PlanModifiers: []planmodifier.String{emailtype.KeepStateString(), stringplanmodifier.RequiresReplace()},
			},
			"role": schema.StringAttribute{
				MarkdownDescription: "The person's role in the team: " + markdownList(api.TeamRoles) + ". Maintainers manage the team's membership. Defaults to `member`.",
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(string(api.TeamRoleMember)),
				Validators:          []validator.String{stringvalidator.OneOf(stringsOf(api.TeamRoles)...)},
			},
			"user_id": schema.StringAttribute{
				MarkdownDescription: "The id of the person's user.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

// teamMemberIdentity: the API addresses a team membership by organization, team slug and email.
var teamMemberIdentity = resourceIdentity{
	kind: "team membership",
	attrs: []identityAttribute{
		{name: "organization_id", description: "The id of the organization."},
		{name: "team_slug", description: "The team's slug."},
		{name: "email", description: "The person's email address."},
	},
	importHelp:   "A team membership imports by `<organization_id>/<team slug>/<email>`.",
	activityType: "team_member",
	activityIDs:  teamMemberActivityIDs,
}

// teamMemberActivityIDs are the ids the log names a team membership by: the team's slug and the
// person's user id.
func teamMemberActivityIDs(ctx context.Context, state tfsdk.State, values map[string]string) []string {
	userID := stateString(ctx, state, "user_id")
	if userID == "" {
		return nil
	}
	return []string{values["team_slug"] + "/" + userID}
}

func (r *teamMemberResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = teamMemberIdentity.schema()
}

// ModifyPlan resolves the organization, plans the id, and warns of a new team member who is not an
// active member of the organization (a warning, not an error, as for orgs_member's create-time checks:
// a destroy's refresh plan cannot be told apart; the server refuses at apply).
func (r *teamMemberResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.planOrganizationID(ctx, req, resp)
	if resp.Diagnostics.HasError() || resp.Plan.Raw.IsNull() || planChangesNothing(req, resp) {
		return
	}
	planCompositeID(ctx, resp, "organization_id", "team_slug", "email")
	adding := req.State.Raw.IsNull() || replacing(ctx, req, resp)
	if resp.Diagnostics.HasError() || r.client == nil || !adding {
		return
	}
	orgID, email := stringAt(ctx, resp.Plan.GetAttribute, path.Root("organization_id")), stringAt(ctx, resp.Plan.GetAttribute, path.Root("email"))
	if orgID.IsNull() || orgID.IsUnknown() || email.IsNull() || email.IsUnknown() {
		return
	}
	r.warnNotActiveMember(ctx, orgID.ValueString(), email.ValueString(), path.Root("email"), &resp.Diagnostics)
}

func (r *teamMemberResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan teamMemberModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts, opCreate, &resp.Diagnostics)
	defer cancel()
	orgID, slug, email := plan.OrganizationID.ValueString(), plan.TeamSlug.ValueString(), plan.Email.ValueString()
	m, err := r.writes.TeamMembers.Create(ctx, client.Team{OrganizationID: orgID, Slug: slug}, api.TeamMemberCreate{Email: email, Role: api.TeamRole(plan.Role.ValueString())})
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("add %s to team %s of organization %s", email, slug, orgID), err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, teamMemberState(plan.Email, m, plan.Timeouts))...)
	resp.Diagnostics.Append(teamMemberIdentity.set(ctx, resp.State, resp.Identity)...)
}

func (r *teamMemberResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state teamMemberModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts, opRead, &resp.Diagnostics)
	defer cancel()
	m, err := r.listings.TeamMembers.Get(ctx, state.OrganizationID.ValueString(), client.TeamMemberKey(state.TeamSlug.ValueString(), state.Email.ValueString()))
	if err != nil {
		teamMemberIdentity.removeIfNotFound(ctx, r.providerData, err, req, resp)
		return
	}
	teamMemberIdentity.refreshed(ctx, r.providerData, state, teamMemberState(state.Email, m, state.Timeouts), resp)
}

// Update changes the team role: every other argument replaces the membership.
func (r *teamMemberResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state teamMemberModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts, opUpdate, &resp.Diagnostics)
	defer cancel()
	orgID, slug, email := state.OrganizationID.ValueString(), state.TeamSlug.ValueString(), state.Email.ValueString()
	role := api.TeamRole(plan.Role.ValueString())
	m, err := r.writes.TeamMembers.Update(ctx, client.Team{OrganizationID: orgID, Slug: slug}, email, api.TeamMemberUpdate{Role: &role})
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("update %s in team %s of organization %s", email, slug, orgID), err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, teamMemberState(state.Email, m, plan.Timeouts))...)
	resp.Diagnostics.Append(teamMemberIdentity.set(ctx, resp.State, resp.Identity)...)
}

func (r *teamMemberResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state teamMemberModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts, opDelete, &resp.Diagnostics)
	defer cancel()
	orgID, slug, email := state.OrganizationID.ValueString(), state.TeamSlug.ValueString(), state.Email.ValueString()
	err := r.writes.TeamMembers.Delete(ctx, client.Team{OrganizationID: orgID, Slug: slug}, email)
	if err != nil && !client.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("remove %s from team %s of organization %s", email, slug, orgID), err)
	}
}

func (r *teamMemberResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	// A slug and an email hold no '/': the import ID's three parts are unambiguous.
	teamMemberIdentity.importState(ctx, req, resp)
}

// teamMemberState is the state of a team membership the server returned. The address already known
// (prior: the plan's or the state's, null after an import) is kept when the server spells the same
// address in another case, so the id built from it stays stable.
func teamMemberState(prior emailtype.Value, m *api.TeamMember, to timeouts.Value) teamMemberModel {
	email := m.Email
	if !prior.IsNull() && !prior.IsUnknown() && emailtype.Equivalent(prior.ValueString(), m.Email) {
		email = prior.ValueString()
	}
	return teamMemberModel{
		ID:             types.StringValue(m.OrganizationID + "/" + m.TeamSlug + "/" + email),
		OrganizationID: types.StringValue(m.OrganizationID),
		TeamSlug:       types.StringValue(m.TeamSlug),
		Email:          emailtype.NewValue(email),
		Role:           types.StringValue(string(m.Role)),
		UserID:         types.StringValue(m.UserID),
		Timeouts:       to,
	}
}

// warnNotActiveMember warns, at plan time (on the attribute at), that email is not an active member of
// orgID, so no team takes them yet. It says nothing when it cannot tell without another listing after this run's own
// writes (GetForCheck), or when this run's plan adds them as a member (an orgs_member the team membership
// refers to is planned first).
func (d *providerData) warnNotActiveMember(ctx context.Context, orgID, email string, at path.Path, diags interface {
	AddAttributeWarning(path.Path, string, string)
},
) {
	m, checked, err := d.listings.Members.GetForCheck(ctx, orgID, email)
	switch {
	case !checked, d.plannedMembers.has(orgID, api.EmailKey(email)):
		return
	case client.IsNotFound(err):
		diags.AddAttributeWarning(at, "Not a member of the organization: the apply will refuse this team member",
			fmt.Sprintf("%s is not a member of organization %s, and a team takes only the organization's active members. "+
				"Add them first (orgs_member); the team membership can refer to that resource's email, so the plan adds them in order.", email, orgID))
	case err != nil:
		return
	case m.Status != api.MemberActive:
		diags.AddAttributeWarning(at, "Not an active member yet: the apply will refuse this team member",
			fmt.Sprintf("The membership of %s in organization %s is %s, and a team takes only the organization's active members. "+
				"They can join a team once they have accepted the membership.", email, orgID, m.Status))
	}
}
