package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

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
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
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
	ExpiresAt          types.String    `tfsdk:"expires_at"`
	ResendWhenExpired  types.Bool      `tfsdk:"resend_when_expired"`
	ResendTrigger      types.String    `tfsdk:"resend_trigger"`
	DowngradeOnDestroy types.Bool      `tfsdk:"downgrade_on_destroy"`
	Timeouts           timeouts.Value  `tfsdk:"timeouts"`
}

func (r *memberResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_member"
}

func (r *memberResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Blocks: map[string]schema.Block{"timeouts": timeoutsBlock(true)},
		MarkdownDescription: "A member of an organization, through the whole life of the membership: declare the address and its role, and it holds from the invitation to the active member.\n\n" +
			"- An address in one of the organization's verified domains (`orgs_domain`) that has an account is `active` at once.\n" +
			"- Another account is `pending` until the person accepts (nobody joins an organization without consent).\n" +
			"- An address without an account is `invited`: it is emailed a code, and the membership is `active` once the person accepts it " +
			"(or `pending` once they sign up, then `active` when they accept).\n\n" +
			"Status moves show on refresh, never as a diff; apply warns for each member that is not active yet and says what that person has to do. " +
			"An invited or pending membership expires like an invitation (`expires_at`): then it holds no seat, and the next plan offers it again " +
			"(`resend_when_expired`, on by default). One that was declined is not offered again silently: the plan says so, and changing `resend_trigger` offers it again " +
			"(the server refuses for 7 days after a decline).\n\n" +
			"The organization's plan limits its seats: active, pending and invited memberships and pending invitations each hold one; declined and expired ones none. " +
			"A new member in a full organization is refused at plan time, saying what holds the seats and naming a plan that fits.\n\n" +
			"An organization always keeps an active owner: demoting, removing or replacing its last owners is refused at plan time, counting every owner the whole plan changes. " +
			"To tear down a configuration that manages its own owner, set `downgrade_on_destroy`.\n\n" +
			"The organization's creator is a member no configuration holds: to manage that membership, import it (`<organization_id>/<your email>`). " +
			"To move an `orgs_invitation` that was accepted into an `orgs_member`, import the membership and remove the invitation from the state without destroying it: " +
			"an `import` block for the member and a `removed` block for the invitation work the same with OpenTofu and Terraform.\n\n" +
			"To manage an organization's whole membership in one resource, authoritatively, use `orgs_members` instead; do not manage one organization with both, as each undoes the other (the plan warns).\n\n" +
			"Import with `<organization_id>/<email>`, or by identity (`organization_id` and `email`) with OpenTofu or Terraform 1.12 and later.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "`<organization_id>/<email>`.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"organization_id": organizationIDAttribute("The organization."),
			"email": schema.StringAttribute{
				MarkdownDescription: "The member's email address: any address, with or without an account. Compared regardless of letter case (and its domain by its IDNA form), so rewriting it that way changes nothing. Changing the address replaces the membership.",
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
				MarkdownDescription: "What a member with role `member` may do in each environment: the environment's slug (as `orgs_environment` and `orgs_environments` show it) to " +
					markdownList(api.EnvironmentRoles) + ", so a reviewer reads which environment a plan changes. An environment id is accepted too. Defaults to none. " +
					"Keys are checked at plan time against the organization's environments; for one this configuration creates, use its `slug` attribute, so the plan waits for it. " +
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
				MarkdownDescription: "Where the membership is: `invited` (the address has no account yet: it was emailed a code), `pending` (the person has not accepted: " +
					"no rights yet, and it does not use up one of their organizations), `active`, `declined` (the person said no), or `expired` (invited or pending, and not accepted in time). " +
					"The person accepts themselves (the reference server's operators can do it for them: `orgs-apiserver memberships accept`). A refresh shows the change; it never plans one.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"expires_at": schema.StringAttribute{
				MarkdownDescription: "When an invited or pending membership lapses unless accepted (RFC 3339); null once active or declined.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"resend_when_expired": schema.BoolAttribute{
				MarkdownDescription: "Whether to offer the membership again once it has expired: when a refresh finds it `expired`, the plan shows an in-place update " +
					"that offers it again, with a new `expires_at` (and a new code for an invited address). Changing this argument alone changes nothing on the server. Defaults to `true`.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
			},
			"resend_trigger": schema.StringAttribute{
				MarkdownDescription: "Any change of this value offers the membership again while it is invited, pending, expired or declined, as an in-place update: " +
					"set it to a date, or a counter, when the person lost the email or changed their mind after declining. An active membership is never re-offered.",
				Optional: true,
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
	kind:         "member",
	activityType: "member",
	activityIDs:  memberActivityIDs,
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

// ModifyPlan resolves the organization, plans the id (the organization and email make it), plans the
// offer of an expired or re-triggered membership, and says at plan time what the server would refuse at
// apply and the provider can already know: it refuses a change that leaves the organization without an
// active owner (counting every owner the whole plan changes) and environment roles of environments the
// organization does not have, and warns of a new member the server will refuse (no seat left, or
// already a member).
//
// Those two are warnings, not errors, because every destroy starts with a refresh that is a normal
// plan of the whole configuration (Terraform and OpenTofu alike), which a provider cannot tell from a
// plan: an error for a create there would block the destroy after an apply that failed half-way, the
// moment a user most needs it. The warning says everything the refusal would, at plan time, and the
// server's refusal at apply says it again; a destroy meets only the owner rule.
func (r *memberResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.planOrganizationID(ctx, req, resp)
	if resp.Diagnostics.HasError() {
		return
	}
	if resp.Plan.Raw.IsNull() {
		r.planDestroy(ctx, req, resp)
		return
	}
	if orgID := stringAt(ctx, resp.Plan.GetAttribute, path.Root("organization_id")); !orgID.IsNull() && !orgID.IsUnknown() {
		r.warnBothManage(orgID.ValueString(), memberManagerOne, &resp.Diagnostics)
	}
	if planChangesNothing(req, resp) {
		r.planOffer(ctx, req, resp)
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
	resp.Diagnostics.Append(resp.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	creating, replaced := req.State.Raw.IsNull(), replacing(ctx, req, resp)
	if !creating && state.Role.ValueString() == string(api.RoleOwner) {
		switch {
		case replaced:
			r.refuseLastOwner(ctx, state, "replacing", resp)
		case !plan.Role.IsUnknown() && plan.Role.ValueString() != string(api.RoleOwner):
			r.refuseLastOwner(ctx, state, "demoting", resp)
		}
	}
	if !creating && !replaced {
		r.planOffer(ctx, req, resp)
	}
	if !plan.OrganizationID.IsUnknown() {
		r.checkEnvironmentKeys(ctx, plan.OrganizationID.ValueString(), plan.EnvironmentRoles, resp)
	}
	if (creating || replaced) && !plan.OrganizationID.IsUnknown() && !plan.Email.IsUnknown() {
		r.plannedMembers.add(plan.OrganizationID.ValueString(), api.EmailKey(plan.Email.ValueString()))
		if !r.warnExistingMember(ctx, plan, resp) {
			r.warnOverMemberLimit(ctx, plan, resp)
		}
	}
}

// planDestroy refuses the destroy of an organization's last active owners (unless the membership is
// only downgraded); nothing else is checked for a destroy.
func (r *memberResource) planDestroy(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() || r.client == nil {
		return
	}
	var state memberModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || state.Role.ValueString() != string(api.RoleOwner) || state.DowngradeOnDestroy.ValueBool() {
		return
	}
	r.refuseLastOwner(ctx, state, "removing", resp)
}

// planOffer plans the offer of a membership again: one that expired (with resend_when_expired), or
// one whose resend_trigger changed while it is not active. Its status and expires_at become unknown,
// which is both the diff that makes an update and what that update learns from the server. A declined
// membership is not offered again without a deliberate change: the plan says it was declined.
func (r *memberResource) planOffer(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var status, stateTrigger, planTrigger types.String
	var resendWhenExpired types.Bool
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("status"), &status)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("resend_trigger"), &stateTrigger)...)
	resp.Diagnostics.Append(resp.Plan.GetAttribute(ctx, path.Root("resend_trigger"), &planTrigger)...)
	resp.Diagnostics.Append(resp.Plan.GetAttribute(ctx, path.Root("resend_when_expired"), &resendWhenExpired)...)
	if resp.Diagnostics.HasError() {
		return
	}
	s := api.MemberStatus(status.ValueString())
	triggered := !planTrigger.IsUnknown() && !planTrigger.Equal(stateTrigger) && s != api.MemberActive
	expired := s == api.MemberExpired && resendWhenExpired.ValueBool()
	if !triggered && !expired {
		if s == api.MemberDeclined {
			var email, orgID types.String
			resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("organization_id"), &orgID)...)
			email = stringAt(ctx, req.State.GetAttribute, path.Root("email"))
			resp.Diagnostics.AddAttributeWarning(path.Root("status"), "The membership was declined",
				fmt.Sprintf("%s declined the membership of organization %s, so it is not offered again by itself. "+
					"To offer it again, change resend_trigger (the organization cannot ask again until %s after the decline); "+
					"to stop managing it, remove this block.", email.ValueString(), orgID.ValueString(), declineCooldownText()))
		}
		return
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("status"), types.StringUnknown())...)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("expires_at"), types.StringUnknown())...)
}

func declineCooldownText() string { return api.CountOf(int64(api.DeclineCooldown.Hours()/24), "day") }

// refuseLastOwner fails the plan when the state's member is an active owner, and this plan's removals,
// demotions and replacements of active owners of the organization, this one included, leave it none.
func (r *memberResource) refuseLastOwner(ctx context.Context, state memberModel, change string, resp *resource.ModifyPlanResponse) {
	orgID, email := state.OrganizationID.ValueString(), state.Email.ValueString()
	members, err := r.listings.Members.All(ctx, orgID)
	if err != nil {
		// The plan goes on: the server still enforces the rule at apply.
		tflog.Warn(ctx, "could not list the organization's owners to check the last-owner rule at plan time", map[string]any{"error": err.Error()})
		return
	}
	owners := map[string]bool{}
	for _, m := range members {
		if m.Role == api.RoleOwner && m.Status == api.MemberActive {
			owners[api.EmailKey(m.Email)] = true
		}
	}
	if !owners[api.EmailKey(email)] {
		return // not an active owner: losing them leaves the owners as they are
	}
	leaving := r.ownerLosses.add(orgID, api.EmailKey(email), email)
	left := 0
	for key := range owners {
		if _, gone := leaving[key]; !gone {
			left++
		}
	}
	if left > 0 {
		return
	}
	var also []string
	for key, addr := range leaving {
		if key != api.EmailKey(email) {
			also = append(also, addr)
		}
	}
	slices.Sort(also)
	detail := fmt.Sprintf("%s is an active owner of organization %s, and an organization must always keep one: %s this membership would leave it without an active owner",
		email, orgID, change)
	if len(also) > 0 {
		detail += fmt.Sprintf(", since this plan also removes, demotes or replaces %s", strings.Join(also, ", "))
	}
	detail += ". Keep or make another member an active owner first (in this configuration or by hand), then plan again."
	if change == "removing" {
		detail += " To take this membership out of the configuration while keeping the owner, set downgrade_on_destroy = true before destroying it " +
			"(the last owner is then kept as is), or remove it from the state with `terraform state rm` / `tofu state rm`."
	}
	resp.Diagnostics.AddAttributeError(path.Root("role"), "Cannot leave the organization without an owner", detail)
}

// warnExistingMember warns, at plan time, of a new membership the organization already has (its
// creator, most often), saying how to import it instead; it reports whether it did.
func (r *memberResource) warnExistingMember(ctx context.Context, plan memberModel, resp *resource.ModifyPlanResponse) bool {
	orgID, email := plan.OrganizationID.ValueString(), plan.Email.ValueString()
	if _, checked, err := r.listings.Members.GetForCheck(ctx, orgID, email); !checked || err != nil {
		return false // not a member, or not known without another listing: the server decides at apply
	}
	resp.Diagnostics.AddAttributeWarning(path.Root("email"), "Already a member: the apply will refuse to add it",
		fmt.Sprintf("%s is already a member of organization %s. To manage that membership, import it instead of creating it: "+
			"an import block with id = \"%s/%s\" (or `terraform import` / `tofu import` of that id).", email, orgID, orgID, email))
	return true
}

// warnOverMemberLimit warns, at plan time, of a new member when the organization's seats are all taken,
// from the organization's usage, which counts them as the server does (read once per organization per
// run; a credential that may not read usage skips the check, and the server still enforces the limit
// at apply). The warning says what holds the seats and names a plan that fits.
func (r *memberResource) warnOverMemberLimit(ctx context.Context, plan memberModel, resp *resource.ModifyPlanResponse) {
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
		held := fmt.Sprintf("%d seats", q.Used)
		if q.Seats != nil {
			held = api.DescribeSeats(*q.Seats)
		}
		resp.Diagnostics.AddAttributeWarning(path.Root("email"), "No seat left: the apply will refuse this member",
			fmt.Sprintf("Organization %s is on plan %q, which allows %s, and its seats are all taken (%s; active, pending and invited memberships "+
				"and pending invitations each hold one, declined and expired ones none), so %s cannot be added. %s",
				orgID, planName, api.CountOf(limit, "member"), held, plan.Email.ValueString(), api.PlanThatFits(q.Used+1)))
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
	orgID, email := plan.OrganizationID.ValueString(), plan.Email.ValueString()
	envRoles, diags := r.environmentRolesByID(ctx, orgID, plan.EnvironmentRoles)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	m, err := r.writes.Members.Create(ctx, orgID, api.MemberCreate{
		Email:            email,
		Role:             api.Role(plan.Role.ValueString()),
		EnvironmentRoles: envRoles,
	})
	if err != nil {
		d := apiErrorDiagnostic(fmt.Sprintf("add member %s to organization %s", email, orgID), err)
		if client.ProblemType(err) == api.ProblemConflict && !strings.Contains(client.ProblemDetail(err), "/resend") {
			d = withHint(d, fmt.Sprintf("%s is already a member. To manage that membership, import it instead of creating it: "+
				"an import block with id = \"%s/%s\" (or `terraform import` / `tofu import` of that id).", email, orgID, email))
		}
		resp.Diagnostics.Append(d)
		return
	}
	r.setRefreshed(ctx, plan, m, &resp.State, resp.Identity, &resp.Diagnostics)
	warnNotActive(m, &resp.Diagnostics)
}

// warnNotActive says, after an apply, what the person of a membership that is not active yet has to do.
func warnNotActive(m *api.Member, diags *diag.Diagnostics) {
	var what string
	switch m.Status {
	case api.MemberActive:
		return
	case api.MemberInvited:
		what = fmt.Sprintf("%s has no account yet: the address was emailed an invitation code. The membership becomes active when they accept it "+
			"(or pending once they sign up, then active when they accept)", m.Email)
	case api.MemberPending:
		what = fmt.Sprintf("%s has an account outside the organization's verified domains, so the membership waits for their consent: "+
			"they accept it themselves (POST %s; the reference server's operators can do it for them with `orgs-apiserver memberships accept`)",
			m.Email, strings.ReplaceAll(api.PathMembershipAccept, "{org_id}", m.OrganizationID))
	default:
		what = fmt.Sprintf("the membership of %s is %s", m.Email, m.Status)
	}
	expiry := ""
	if m.ExpiresAt != nil {
		expiry = fmt.Sprintf(" It is offered until %s; the next plan after that offers it again (resend_when_expired).", m.ExpiresAt.UTC().Format(time.RFC3339))
	}
	// One summary for every membership, the address in the detail: the CLI then shows one warning and
	// "N more similar warnings" for a large apply, where a summary of its own per member made OpenTofu
	// spend minutes on 10,000 of them (issue 19's scale run).
	diags.AddWarning("Membership not active yet",
		fmt.Sprintf("%s is not an active member yet: in organization %s, %s. A refresh shows when it becomes active; it holds a seat meanwhile.%s",
			m.Email, m.OrganizationID, what, expiry))
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
	refreshed, diags := r.refreshed(ctx, state, m)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	memberIdentity.refreshed(ctx, r.providerData, state, refreshed, resp)
}

// Update changes the role and environment roles, and offers the membership again when the plan says
// so (planOffer left its status unknown).
func (r *memberResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state memberModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts, opUpdate, &resp.Diagnostics)
	defer cancel()
	orgID, email := state.OrganizationID.ValueString(), state.Email.ValueString()
	var update api.MemberUpdate
	if !plan.Role.Equal(state.Role) {
		role := api.Role(plan.Role.ValueString())
		update.Role = &role
	}
	if !plan.EnvironmentRoles.Equal(state.EnvironmentRoles) {
		envRoles, diags := r.environmentRolesByID(ctx, orgID, plan.EnvironmentRoles)
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
	m, err := r.writes.Members.Update(ctx, orgID, email, update)
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("update member %s of organization %s", email, orgID), err)
		return
	}
	if plan.Status.IsUnknown() {
		if m, err = r.client.ResendMember(ctx, orgID, email); err != nil {
			addAPIError(&resp.Diagnostics, fmt.Sprintf("offer the membership of %s in organization %s again", email, orgID), err)
			return
		}
		warnNotActive(m, &resp.Diagnostics)
	}
	r.setRefreshed(ctx, plan, m, &resp.State, resp.Identity, &resp.Diagnostics)
}

// refreshed is the state for the membership m, from the plan or state before it (see memberRefreshed),
// with its environment roles keyed as that prior keys them.
func (r *memberResource) refreshed(ctx context.Context, prior memberModel, m *api.Member) (memberModel, diag.Diagnostics) {
	keyed, diags := r.environmentKeys(ctx, m.OrganizationID, prior.EnvironmentRoles, m.EnvironmentRoles)
	if diags.HasError() {
		return memberModel{}, diags
	}
	rekeyed := *m
	rekeyed.EnvironmentRoles = keyed
	return memberRefreshed(prior, &rekeyed), diags
}

// setRefreshed writes the refreshed state of m, from the plan, and its identity.
func (r *memberResource) setRefreshed(ctx context.Context, plan memberModel, m *api.Member, state *tfsdk.State, identity *tfsdk.ResourceIdentity, diags *diag.Diagnostics) {
	refreshed, d := r.refreshed(ctx, plan, m)
	diags.Append(d...)
	if diags.HasError() {
		return
	}
	refreshed.DowngradeOnDestroy = plan.DowngradeOnDestroy
	diags.Append(state.Set(ctx, refreshed)...)
	diags.Append(memberIdentity.set(ctx, *state, identity)...)
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
	err := r.writes.Members.Delete(ctx, orgID, email)
	if err != nil && !client.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("remove member %s from organization %s", email, orgID), err)
	}
}

// downgrade is Delete with downgrade_on_destroy: the user stays, with role member and no environment
// roles. The last owner is kept as they are, since the organization must keep an owner.
func (r *memberResource) downgrade(ctx context.Context, orgID, email string, resp *resource.DeleteResponse) {
	role, none := api.RoleMember, map[string]api.EnvironmentRole{}
	_, err := r.writes.Members.Update(ctx, orgID, email, api.MemberUpdate{Role: &role, EnvironmentRoles: &none})
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
		resp.Diagnostics.AddError("Move the invitation with an import instead",
			fmt.Sprintf("The invitation for %s to organization %s is %s in the state, and a moved block cannot refresh it first. "+
				"Replace the moved block by `import { to = orgs_member.<name>  id = \"%s/%s\" }` and "+
				"`removed { from = <the orgs_invitation's address>  lifecycle { destroy = false } }`: that works whether or not the invitation was accepted "+
				"(an orgs_member of an address that has not accepted yet is invited or pending), and the same with OpenTofu and Terraform.",
				source.Email, source.OrganizationID, source.Status, source.OrganizationID, source.Email))
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
	resend := prior.ResendWhenExpired
	if resend.IsNull() || resend.IsUnknown() {
		// An import, or generated configuration: the default, except that an expired membership is
		// not offered again by bringing it under management (its configuration then says false, and
		// plans no change).
		resend = types.BoolValue(m.Status != api.MemberExpired)
	}
	roles := make(map[string]attr.Value, len(m.EnvironmentRoles))
	for env, role := range m.EnvironmentRoles {
		roles[env] = types.StringValue(string(role))
	}
	expires := types.StringNull()
	if m.ExpiresAt != nil {
		expires = timeValue(*m.ExpiresAt)
	}
	return memberModel{
		ID:                 types.StringValue(m.OrganizationID + "/" + email),
		OrganizationID:     types.StringValue(m.OrganizationID),
		Email:              emailtype.NewValue(email),
		Role:               types.StringValue(string(m.Role)),
		EnvironmentRoles:   types.MapValueMust(types.StringType, roles),
		UserID:             types.StringValue(m.UserID),
		Status:             types.StringValue(string(m.Status)),
		ExpiresAt:          expires,
		ResendWhenExpired:  resend,
		ResendTrigger:      prior.ResendTrigger,
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
