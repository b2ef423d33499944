package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
	"github.com/orgs-dev/terraform-provider-orgs/internal/provider/emailtype"
)

var (
	_ resource.Resource                   = (*memberResource)(nil)
	_ resource.ResourceWithConfigure      = (*memberResource)(nil)
	_ resource.ResourceWithImportState    = (*memberResource)(nil)
	_ resource.ResourceWithIdentity       = (*memberResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*memberResource)(nil)
	_ resource.ResourceWithValidateConfig = (*memberResource)(nil)
	_ resource.ResourceWithMoveState      = (*memberResource)(nil)
)

// NewMemberResource is the constructor the provider registers for orgs_member.
func NewMemberResource() resource.Resource { return &memberResource{} }

type memberResource struct {
	resourceBase
}

type memberModel struct {
	ID                 types.String    `tfsdk:"id"`
	OrganizationID     types.String    `tfsdk:"organization_id"`
	Email              emailtype.Value `tfsdk:"email"`
	Role               types.String    `tfsdk:"role"`
	EnvironmentRoles   types.Map       `tfsdk:"environment_roles"`
	UserID             types.String    `tfsdk:"user_id"`
	Status             types.String    `tfsdk:"status"`
	DowngradeOnDestroy types.Bool      `tfsdk:"downgrade_on_destroy"`
	Timeouts           timeouts.Value  `tfsdk:"timeouts"`
}

func (r *memberResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_member"
}

func (r *memberResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Blocks: map[string]schema.Block{"timeouts": timeoutsBlock(true)},
		MarkdownDescription: "A member of an organization: an existing user, added with a role. To bring in someone who has no account yet, use `orgs_invitation`.\n\n" +
			"The organization's plan limits how many members it may have, counting the owner who created it: the default plan, `hobby`, allows 1, so it is full from the start. " +
			"A new member in a full organization is refused at plan time, naming a plan that fits.\n\n" +
			"An organization always keeps an owner: demoting, removing or replacing its last owner is refused at plan time. " +
			"To tear down a configuration that manages its own owner, set `downgrade_on_destroy`.\n\n" +
			"The organization's creator is a member no configuration holds: to manage that membership, import it (`<organization_id>/<your email>`).\n\n" +
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
				MarkdownDescription: "What a member with role `member` may do in each environment: environment id to " + markdownList(api.EnvironmentRoles) + ". Defaults to none. " +
					"Only for role `member`: an owner or admin already has every environment, and a biller none, so setting it with another role is refused.",
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
				Default:     mapdefault.StaticValue(types.MapValueMust(types.StringType, map[string]attr.Value{})),
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
			"status": schema.StringAttribute{
				MarkdownDescription: "`active`, or `pending` while the user has not accepted a membership someone else added: a pending member has no rights yet, " +
					"and does not use up one of the user's organizations. The user accepts it themselves (the reference server's operators can do it for them: " +
					"`orgs-apiserver memberships accept`). A refresh shows the change; it never plans one.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"downgrade_on_destroy": schema.BoolAttribute{
				MarkdownDescription: "When the resource is destroyed, keep the user in the organization with role `member` instead of removing them. " +
					"The last owner is kept as they are (an organization always keeps an owner), so a configuration that manages its own owner can be torn down. Defaults to `false`.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
			},
		},
	}
}

// memberIdentity: the API addresses a member by organization and email address. The email keeps the
// spelling first stored (see memberState), so the identity does not change with the letter case.
var memberIdentity = resourceIdentity{
	kind: "member",
	attrs: []identityAttribute{
		{name: "organization_id", description: "The id of the organization."},
		{name: "email", description: "The member's email address."},
	},
	importHelp: "A member imports by `<organization_id>/<email>`.",
	lookalikes: invitedNotMember,
}

func (r *memberResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = memberIdentity.schema()
}

// ValidateConfig refuses environment_roles on a role they mean nothing to.
func (r *memberResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	// Two attributes, not the whole model: this runs for every member of every plan.
	var role types.String
	var envRoles types.Map
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("role"), &role)...)
	if resp.Diagnostics.HasError() || role.IsNull() || role.IsUnknown() || role.ValueString() == string(api.RoleMember) {
		return
	}
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("environment_roles"), &envRoles)...)
	if !envRoles.IsNull() && !envRoles.IsUnknown() && len(envRoles.Elements()) > 0 {
		resp.Diagnostics.AddAttributeError(path.Root("environment_roles"), "environment_roles only applies to role member",
			fmt.Sprintf("A member with role %q has no environment roles: an owner or admin already has every environment, and a biller none. "+
				"Remove environment_roles, or set role = \"member\".", role.ValueString()))
	}
}

// ModifyPlan resolves the organization, plans the id (the organization and email make it), and refuses
// at plan time what the server would refuse at apply and the provider can already know: a change that
// leaves the organization without an owner, and a new member in an organization whose plan is full.
func (r *memberResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.planOrganizationID(ctx, req, resp)
	if resp.Diagnostics.HasError() || planChangesNothing(req, resp) {
		return
	}
	planCompositeID(ctx, resp, "organization_id", "email")
	if resp.Diagnostics.HasError() || r.client == nil {
		return
	}
	var state, plan memberModel
	if !req.State.Raw.IsNull() {
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	}
	if !resp.Plan.Raw.IsNull() {
		resp.Diagnostics.Append(resp.Plan.Get(ctx, &plan)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	replaced := replacing(ctx, req, resp)
	if !req.State.Raw.IsNull() && state.Role.ValueString() == string(api.RoleOwner) {
		var leaves string
		switch {
		case resp.Plan.Raw.IsNull() && !state.DowngradeOnDestroy.ValueBool():
			leaves = "removing"
		case replaced:
			leaves = "replacing"
		case !resp.Plan.Raw.IsNull() && !plan.Role.IsUnknown() && plan.Role.ValueString() != string(api.RoleOwner):
			leaves = "demoting"
		}
		if leaves != "" {
			r.refuseLastOwner(ctx, state, leaves, resp)
		}
	}
	if (req.State.Raw.IsNull() || replaced) && !resp.Plan.Raw.IsNull() && !plan.OrganizationID.IsUnknown() && !plan.Email.IsUnknown() {
		if !r.refuseExistingMember(ctx, plan, resp) {
			r.refuseOverMemberLimit(ctx, plan, resp)
		}
	}
}

// refuseLastOwner fails the plan when the state's member is the organization's only owner now.
func (r *memberResource) refuseLastOwner(ctx context.Context, state memberModel, change string, resp *resource.ModifyPlanResponse) {
	orgID, email := state.OrganizationID.ValueString(), state.Email.ValueString()
	members, err := r.listings.Members.All(ctx, orgID)
	if err != nil {
		// The plan goes on: the server still enforces the rule at apply.
		tflog.Warn(ctx, "could not list the organization's owners to check the last-owner rule at plan time", map[string]any{"error": err.Error()})
		return
	}
	owners := 0
	for _, m := range members {
		if m.Role == api.RoleOwner {
			owners++
		}
	}
	if owners > 1 {
		return
	}
	detail := fmt.Sprintf("%s is the only owner of organization %s, and an organization must always keep an owner: %s this membership would leave it without one. "+
		"Make another member an owner first (in this configuration or by hand), then plan again.", email, orgID, change)
	if change == "removing" {
		detail += " To take this membership out of the configuration while keeping the owner, set downgrade_on_destroy = true before destroying it " +
			"(the last owner is then kept as is), or remove it from the state with `terraform state rm` / `tofu state rm`."
	}
	resp.Diagnostics.AddAttributeError(path.Root("role"), "Cannot leave the organization without an owner", detail)
}

// refuseExistingMember fails the plan of a new membership the organization already has (its creator,
// most often), saying how to import it instead; it reports whether it did.
func (r *memberResource) refuseExistingMember(ctx context.Context, plan memberModel, resp *resource.ModifyPlanResponse) bool {
	orgID, email := plan.OrganizationID.ValueString(), plan.Email.ValueString()
	if _, checked, err := r.listings.Members.GetForCheck(ctx, orgID, email); !checked || err != nil {
		return false // not a member, or not known without another listing: the server decides at apply
	}
	resp.Diagnostics.AddAttributeError(path.Root("email"), "Already a member",
		fmt.Sprintf("%s is already a member of organization %s. To manage that membership, import it instead of creating it: "+
			"an import block with id = \"%s/%s\" (or `terraform import` / `tofu import` of that id).", email, orgID, orgID, email))
	return true
}

// refuseOverMemberLimit fails the plan of a new member when the organization's plan is already full,
// from the organization's usage (read once per organization per run; a credential that may not read
// usage skips the check, and the server still enforces the limit at apply).
func (r *memberResource) refuseOverMemberLimit(ctx context.Context, plan memberModel, resp *resource.ModifyPlanResponse) {
	orgID := plan.OrganizationID.ValueString()
	usage, err := r.usage(ctx, orgID)
	if err != nil {
		tflog.Debug(ctx, "could not read the organization's usage to check its member limit at plan time", map[string]any{"error": err.Error()})
		return
	}
	limit, planName := int64(-1), usage.Plan
	if next, ok := r.plannedPlans.Load(orgID); ok {
		// The same run changes the organization's plan first (the member refers to it): count its seats.
		if p, isPlan := next.(api.Plan); isPlan {
			planName, limit = p, api.PlanLimits[p].Members
		}
	}
	for _, q := range usage.Quantities {
		if q.Name != api.QuantityMembers {
			continue
		}
		if limit < 0 {
			limit = q.Limit
		}
		if q.Used < limit {
			return
		}
		resp.Diagnostics.AddAttributeError(path.Root("email"), "The organization's plan has no room for another member",
			fmt.Sprintf("Organization %s is on plan %q, which allows %s, and already has %d (including the owner who created it), so %s cannot be added. %s",
				orgID, planName, plural(limit, "member"), q.Used, plan.Email.ValueString(), planThatFits(q.Used+1)))
	}
}

func (r *memberResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan memberModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts, opCreate, &resp.Diagnostics)
	defer cancel()
	envRoles, diags := environmentRoles(ctx, plan.EnvironmentRoles)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	orgID, email := plan.OrganizationID.ValueString(), plan.Email.ValueString()
	m, err := r.client.AddMember(ctx, orgID, api.MemberCreate{
		Email:            email,
		Role:             api.Role(plan.Role.ValueString()),
		EnvironmentRoles: envRoles,
	})
	if err != nil {
		d := apiErrorDiagnostic(fmt.Sprintf("add member %s to organization %s", email, orgID), err)
		switch client.ProblemType(err) {
		case api.ProblemConflict:
			d = withHint(d, fmt.Sprintf("%s is already a member. To manage that membership, import it instead of creating it: "+
				"an import block with id = \"%s/%s\" (or `terraform import` / `tofu import` of that id).", email, orgID, email))
		case api.ProblemUnknownUser:
			d = withHint(d, fmt.Sprintf("No user has the address %s yet. Invite them with an orgs_invitation resource instead: "+
				"they become a member when they accept.", email))
		}
		resp.Diagnostics.Append(d)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, memberRefreshed(plan, m))...)
	resp.Diagnostics.Append(memberIdentity.set(ctx, resp.State, resp.Identity)...)
}

func (r *memberResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state memberModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts, opRead, &resp.Diagnostics)
	defer cancel()
	m, err := r.listings.Members.Get(ctx, state.OrganizationID.ValueString(), state.Email.ValueString())
	if err != nil {
		memberIdentity.removeIfNotFound(ctx, r.providerData, err, req, resp)
		return
	}
	memberIdentity.refreshed(ctx, state, memberRefreshed(state, m), resp)
}

func (r *memberResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state memberModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts, opUpdate, &resp.Diagnostics)
	defer cancel()
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
		addAPIError(&resp.Diagnostics, fmt.Sprintf("update member %s of organization %s", state.Email.ValueString(), state.OrganizationID.ValueString()), err)
		return
	}
	refreshed := memberRefreshed(state, m)
	refreshed.DowngradeOnDestroy = plan.DowngradeOnDestroy
	resp.Diagnostics.Append(resp.State.Set(ctx, refreshed)...)
	resp.Diagnostics.Append(memberIdentity.set(ctx, resp.State, resp.Identity)...)
}

func (r *memberResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state memberModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts, opDelete, &resp.Diagnostics)
	defer cancel()
	orgID, email := state.OrganizationID.ValueString(), state.Email.ValueString()
	if state.DowngradeOnDestroy.ValueBool() {
		r.downgrade(ctx, orgID, email, resp)
		return
	}
	err := r.client.RemoveMember(ctx, orgID, email)
	if err != nil && !client.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("remove member %s from organization %s", email, orgID), err)
	}
}

// downgrade is Delete with downgrade_on_destroy: the user stays, with role member and no environment
// roles. The last owner is kept as they are, since the organization must keep an owner.
func (r *memberResource) downgrade(ctx context.Context, orgID, email string, resp *resource.DeleteResponse) {
	role, none := api.RoleMember, map[string]api.EnvironmentRole{}
	_, err := r.client.UpdateMember(ctx, orgID, email, api.MemberUpdate{Role: &role, EnvironmentRoles: &none})
	switch {
	case err == nil, client.IsNotFound(err):
	case client.IsLastOwner(err):
		resp.Diagnostics.AddWarning("Last owner kept",
			fmt.Sprintf("%s is the last owner of organization %s, so downgrade_on_destroy kept the membership as it is; it is no longer managed here.", email, orgID))
	default:
		addAPIError(&resp.Diagnostics, fmt.Sprintf("downgrade member %s of organization %s", email, orgID), err)
	}
}

// MoveState takes an accepted invitation's state into the membership it became, so that managing a new
// member as orgs_member is one `moved` block from orgs_invitation. The CLI moves state before it
// configures the provider, so the invitation's own state decides; the refresh that follows fills in
// what only the membership knows (the user id, environment roles).
func (r *memberResource) MoveState(context.Context) []resource.StateMover {
	return []resource.StateMover{{StateMover: moveFromInvitation}}
}

func moveFromInvitation(ctx context.Context, req resource.MoveStateRequest, resp *resource.MoveStateResponse) {
	if req.SourceTypeName != "orgs_invitation" || !strings.HasSuffix(req.SourceProviderAddress, "/orgs") || req.SourceRawState == nil {
		return // not ours to move: the framework says so
	}
	var source struct {
		OrganizationID string `json:"organization_id"`
		Email          string `json:"email"`
		Role           string `json:"role"`
		Status         string `json:"status"`
	}
	if err := json.Unmarshal(req.SourceRawState.JSON, &source); err != nil || source.OrganizationID == "" || source.Email == "" {
		resp.Diagnostics.AddError("Cannot move the invitation", fmt.Sprintf("Its state has no organization_id and email to find the membership by (%v).", err))
		return
	}
	if source.Status != string(api.InvitationAccepted) {
		resp.Diagnostics.AddError("The invitation was not accepted yet",
			fmt.Sprintf("The invitation for %s to organization %s is %s in the state: an invitation becomes a membership only once it is accepted. "+
				"If it was accepted since the last refresh, refresh first (`terraform apply -refresh-only` or `tofu apply -refresh-only`), then plan again; "+
				"otherwise keep the orgs_invitation (and remove the moved block) until then.", source.Email, source.OrganizationID, source.Status))
		return
	}
	noTimeouts, diags := nullTimeouts(ctx, resp.TargetState.Schema)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	moved := memberRefreshed(memberModel{Timeouts: noTimeouts}, &api.Member{
		OrganizationID: source.OrganizationID, Email: source.Email, Role: api.Role(source.Role),
	})
	moved.UserID = types.StringNull()
	moved.Status = types.StringNull()
	resp.Diagnostics.Append(resp.TargetState.Set(ctx, moved)...)
	resp.Diagnostics.Append(memberIdentity.set(ctx, resp.TargetState, resp.TargetIdentity)...)
}

func (r *memberResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	// An email holds no '/', and the organization id is first: the first '/' separates them.
	memberIdentity.importState(ctx, req, resp)
}

// memberRefreshed is the state for a membership the server returned, from the plan or state before it.
// The address already there is kept when the server spells the same address in another case, so the
// id, built from it, stays stable too; downgrade_on_destroy, which only the configuration knows, is
// kept (false after an import).
func memberRefreshed(prior memberModel, m *api.Member) memberModel {
	email := m.Email
	if known := prior.Email; !known.IsNull() && !known.IsUnknown() && emailtype.Equivalent(known.ValueString(), m.Email) {
		email = known.ValueString()
	}
	downgrade := prior.DowngradeOnDestroy
	if downgrade.IsNull() || downgrade.IsUnknown() {
		downgrade = types.BoolValue(false)
	}
	roles := make(map[string]attr.Value, len(m.EnvironmentRoles))
	for env, role := range m.EnvironmentRoles {
		roles[env] = types.StringValue(string(role))
	}
	return memberModel{
		ID:                 types.StringValue(m.OrganizationID + "/" + email),
		OrganizationID:     types.StringValue(m.OrganizationID),
		Email:              emailtype.NewValue(email),
		Role:               types.StringValue(string(m.Role)),
		EnvironmentRoles:   types.MapValueMust(types.StringType, roles),
		UserID:             types.StringValue(m.UserID),
		Status:             types.StringValue(string(m.Status)),
		DowngradeOnDestroy: downgrade,
		Timeouts:           prior.Timeouts,
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
