package provider

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

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
)

var (
	_ resource.Resource                   = (*membersResource)(nil)
	_ resource.ResourceWithConfigure      = (*membersResource)(nil)
	_ resource.ResourceWithImportState    = (*membersResource)(nil)
	_ resource.ResourceWithIdentity       = (*membersResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*membersResource)(nil)
	_ resource.ResourceWithValidateConfig = (*membersResource)(nil)
)

// NewMembersResource is the constructor the provider registers for orgs_members.
func NewMembersResource() resource.Resource { return &membersResource{} }

// membersResource is an organization's whole membership in one resource, authoritative: a membership
// the configuration leaves out is removed. It applies through bulk requests (whole_list.go).
type membersResource struct {
	resourceBase
}

type membersModel struct {
	ID                types.String   `tfsdk:"id"`
	OrganizationID    types.String   `tfsdk:"organization_id"`
	Members           types.Map      `tfsdk:"members"`
	EnvironmentRoles  types.Map      `tfsdk:"environment_roles"`
	Statuses          types.Map      `tfsdk:"statuses"`
	ExpiresAt         types.Map      `tfsdk:"expires_at"`
	UserIDs           types.Map      `tfsdk:"user_ids"`
	ResendWhenExpired types.Bool     `tfsdk:"resend_when_expired"`
	Timeouts          timeouts.Value `tfsdk:"timeouts"`
}

// memberEntry is one membership as the resource's maps hold it under its address: what orgs_member
// says of one membership, without what the key (the email) and the resource (the organization) say.
type memberEntry struct {
	Role             types.String
	EnvironmentRoles types.Map // of string; empty, never null
	Status           types.String
	ExpiresAt        types.String
	UserID           types.String // null while the address has no account
}

var environmentRolesType = types.MapType{ElemType: types.StringType}

func (r *membersResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_members"
}

func (r *membersResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Blocks: map[string]schema.Block{"timeouts": timeoutsBlock(true)},
		MarkdownDescription: "The whole membership of an organization in one resource, authoritative: every membership the organization has that `members` does not name " +
			"is removed by the next apply, so a member added outside Terraform shows in the plan as a removal. Each member says what an `orgs_member` says " +
			"(its role in `members`, its environment roles in `environment_roles`, keyed the same way), and its membership's status and expiry show in `statuses` and `expires_at`.\n\n" +
			"**Reading a plan.** `members` maps each email address to its role, so OpenTofu and Terraform both show a plan as the members that change, one line each " +
			"(`~ \"bob@example.com\" = \"member\" -> \"admin\"`, `- \"eve@example.com\" = \"admin\" -> null`, `+ \"new@example.com\" = \"member\"`), and fold the others " +
			"into a count of unchanged elements, whatever the size of the organization. A set of member objects would not read that way: a set names its elements by their whole value, " +
			"so a member whose role changed shows as one object removed and another added. A map of member objects would, but the plugin framework plans a map of nested objects " +
			"in time that grows with the square of its size (tens of seconds of CPU for 10,000 members), and OpenTofu 1.12 generates invalid configuration for one keyed by addresses " +
			"(opentofu/opentofu#3978); flat maps have neither problem. " +
			"Addresses are compared regardless of letter case (and their domains by their IDNA form), as the server compares them: the same address twice is refused at plan time, " +
			"and an address that differs from the state only in letter case changes nothing on the server. Such a change of spelling still shows in the plan, " +
			"as the old key removed and the new one added (`members` is the configuration's map, and the refresh before the plan cannot see how the configuration spells an address); " +
			"its apply sends no request, the state takes the configuration's spelling, and the next plan is empty.\n\n" +
			"**Statuses.** Members go through the same life as with `orgs_member`: an address without an account is `invited`, another account is `pending` until the person accepts, " +
			"an address of one of the organization's verified domains is `active` at once; a membership may be `declined` or `expired`. A status change shows on refresh, never as a diff, " +
			"and the apply warns once for the new members that are not active yet. A plan that changes members but adds nobody keeps `statuses` known; one that adds members shows them " +
			"as known after apply. An `expired` membership is offered again by the next apply (`resend_when_expired`, on by default: the plan shows `statuses` changing; " +
			"each offer is one request). A `declined` membership is never offered again by this resource: the plan names it; to ask again, manage that person with `orgs_member` " +
			"and its `resend_trigger`, or remove the address from `members`. Seats are counted as for `orgs_member`: active, pending and invited memberships and pending invitations " +
			"hold one each, declined and expired ones none.\n\n" +
			"**Refused or warned of at plan time.** Refused: the same address twice; an address that is not one; a role that is not one; environment roles of a member whose role is not `member`, " +
			"or of an address `members` does not name; an environment key that names no environment of the organization; removing or demoting the organization's last active owners; and removing " +
			"or demoting the owner membership of the user the provider's credential acts as (so that an apply never locks its own credential out). Warned of, as with `orgs_member`: new members " +
			"beyond the seats of the organization's plan (counting the seats this plan's removals free; the server refuses each member past the limit, and the warning names them).\n\n" +
			"**Applying.** An apply makes every addition, change and removal in one bulk request per 1,000 changes (promotions to owner first, then changes, removals and additions), " +
			"whatever the number of members; a refresh reads the organization's member listing, shared with every other read of the run (one request per 1,000 members). " +
			"Each member's change succeeds or fails on its own: a member whose change the server refused stays in the state as the server has it (out of it, for an addition), " +
			"the apply fails with an error naming that member and giving the server's reason, the others' changes are recorded, and the next plan offers the refused change again. " +
			"When the first apply (the resource's creation) has a refused member, nothing is recorded: an error with a state would taint the resource, and its replacement would remove every member; " +
			"instead the next apply creates the resource again and adopts the members the first one added.\n\n" +
			"**Creating and destroying.** An organization has members before this resource exists (its creator at least). Creating the resource adds the members that are missing, " +
			"changes those that differ and removes nobody: the plan warns of the memberships it leaves in place, and the next plan shows them as removals. To see the whole membership " +
			"in the first plan, import the resource instead. Destroying the resource removes every membership in its state except the organization's active owners, which an organization must keep.\n\n" +
			"**Changes outside Terraform.** A refresh that finds members added, removed or changed outside Terraform warns, one line per member (at most 20 of each kind), " +
			"saying who made each change and when, from the organization's activity log (`bob@example.com: role admin -> member, by carol@example.com at 2031-03-01T10:02:00Z (member.update)`): " +
			"one request per organization, shared with the other resources' drift, and none when nothing drifted. The log names members by user id (`user_ids`) or, without an account, by address. " +
			"A credential that may not read the log gets the same lines without who and when.\n\n" +
			"**With `orgs_member`.** Manage an organization's members with `orgs_members` or with `orgs_member`, not both. Given the same organization, they undo each other: " +
			"`orgs_members` removes the membership an `orgs_member` holds unless its map names it too, the `orgs_member` then plans it again, and a role that differs between the two " +
			"flips on every apply. The plan warns when one configuration manages an organization with both. To move from `orgs_member` to `orgs_members`, write the members into the map, " +
			"import this resource, and take the `orgs_member` resources out of the state with `removed` blocks (`lifecycle { destroy = false }`), which work the same with OpenTofu and Terraform.\n\n" +
			"Import with the organization's id, or by identity (`organization_id`) with OpenTofu or Terraform 1.12 and later; the configuration either CLI generates from the import plans no change.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The organization's id.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"organization_id": organizationIDAttribute("The organization whose membership this is."),
			"members": schema.MapAttribute{
				MarkdownDescription: "Every member of the organization: its email address (any address, with or without an account) to its role, " +
					markdownList(api.Roles) + ", as `orgs_member` takes them. A membership of the organization that is not here is removed by the next apply.",
				ElementType: types.StringType,
				Required:    true,
				Validators: []validator.Map{
					mapvalidator.ValueStringsAre(stringvalidator.OneOf(stringsOf(api.Roles)...)),
				},
			},
			"environment_roles": schema.MapAttribute{
				MarkdownDescription: "What each member with role `member` may do in each environment: the member's address (as `members` spells it) to a map of " +
					"the environment's slug (or id) to " + markdownList(api.EnvironmentRoles) + ", as `orgs_member`'s `environment_roles`. " +
					"A member left out has none. Only for members with role `member`.",
				ElementType: environmentRolesType,
				Optional:    true,
				Computed:    true,
				Default:     mapdefault.StaticValue(types.MapValueMust(environmentRolesType, map[string]attr.Value{})),
				Validators: []validator.Map{
					mapvalidator.ValueMapsAre(mapvalidator.ValueStringsAre(stringvalidator.OneOf(stringsOf(api.EnvironmentRoles)...)),
						mapvalidator.KeysAre(stringvalidator.UTF8LengthAtLeast(1)), mapvalidator.SizeAtLeast(1)),
				},
			},
			"statuses": schema.MapAttribute{
				MarkdownDescription: "Where each membership is, by address: `invited`, `pending`, `active`, `declined` or `expired`, as `orgs_member`'s `status`. " +
					"A refresh shows the change; it never plans one.",
				ElementType: types.StringType,
				Computed:    true,
			},
			"expires_at": schema.MapAttribute{
				MarkdownDescription: "When each invited or pending membership lapses unless accepted (RFC 3339), by address; members that are active or declined are not in it.",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"user_ids": schema.MapAttribute{
				MarkdownDescription: "The user id of each member that has an account, by address, as `orgs_member`'s `user_id` (what the activity log names members by); " +
					"an invited address without an account is not in it until the person signs up and accepts.",
				ElementType: types.StringType,
				Computed:    true,
			},
			"resend_when_expired": schema.BoolAttribute{
				MarkdownDescription: "Whether to offer an expired membership again: when a refresh finds a member `expired`, the plan shows `statuses` changing, " +
					"and the apply offers it again (one request per such member). Declined memberships are never offered again by this resource: the plan names them. Defaults to `true`.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
			},
		},
	}
}

// membersIdentity: the whole membership is the organization's.
var membersIdentity = resourceIdentity{
	kind: "membership of organization",
	attrs: []identityAttribute{
		{name: "organization_id", description: "The id of the organization."},
	},
	importHelp: "The membership imports by the organization's id.",
}

func (r *membersResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = membersIdentity.schema()
}

// memberEntries is the memberships the model holds, by address; known is false when members or
// environment_roles is unknown or holds an unknown value (the configuration refers to what only the
// apply knows), and then entries holds what is known.
func memberEntries(ctx context.Context, m membersModel) (entries map[string]memberEntry, known bool, diags diag.Diagnostics) {
	if m.Members.IsUnknown() {
		return nil, false, nil
	}
	known = !m.EnvironmentRoles.IsUnknown()
	entries = make(map[string]memberEntry, len(m.Members.Elements()))
	envRoles := m.EnvironmentRoles.Elements()
	statuses, expiries, userIDs := m.Statuses.Elements(), m.ExpiresAt.Elements(), m.UserIDs.Elements()
	none := types.MapValueMust(types.StringType, map[string]attr.Value{})
	for email, v := range m.Members.Elements() {
		role, _ := v.(types.String)
		if role.IsUnknown() {
			known = false
		}
		e := memberEntry{Role: role, EnvironmentRoles: none, Status: types.StringNull(), ExpiresAt: types.StringNull(), UserID: types.StringNull()}
		if roles, ok := envRoles[email].(types.Map); ok && !roles.IsNull() {
			if roles.IsUnknown() {
				known = false
			}
			e.EnvironmentRoles = roles
		}
		if status, ok := statuses[email].(types.String); ok {
			e.Status = status
		}
		if expiry, ok := expiries[email].(types.String); ok {
			e.ExpiresAt = expiry
		}
		if userID, ok := userIDs[email].(types.String); ok {
			e.UserID = userID
		}
		entries[email] = e
	}
	return entries, known, diags
}

// withMembers is m holding entries: its members, environment roles, statuses, expiries and user ids.
func withMembers(m membersModel, entries map[string]memberEntry) membersModel {
	members := make(map[string]attr.Value, len(entries))
	envRoles := map[string]attr.Value{}
	statuses := make(map[string]attr.Value, len(entries))
	expiries := map[string]attr.Value{}
	userIDs := map[string]attr.Value{}
	for email, e := range entries {
		members[email] = e.Role
		if len(e.EnvironmentRoles.Elements()) > 0 {
			envRoles[email] = e.EnvironmentRoles
		}
		statuses[email] = e.Status
		if !e.ExpiresAt.IsNull() {
			expiries[email] = e.ExpiresAt
		}
		if !e.UserID.IsNull() && e.UserID.ValueString() != "" {
			userIDs[email] = e.UserID
		}
	}
	m.Members = types.MapValueMust(types.StringType, members)
	m.EnvironmentRoles = types.MapValueMust(environmentRolesType, envRoles)
	m.Statuses = types.MapValueMust(types.StringType, statuses)
	m.ExpiresAt = types.MapValueMust(types.StringType, expiries)
	m.UserIDs = types.MapValueMust(types.StringType, userIDs)
	return m
}

// ValidateConfig refuses what cannot be right whatever the organization holds: an address that is not
// one, the same address twice (as the API compares addresses), and environment roles on a role they
// mean nothing to.
func (r *membersResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var config membersModel
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("members"), &config.Members)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("environment_roles"), &config.EnvironmentRoles)...)
	if resp.Diagnostics.HasError() || config.Members.IsNull() || config.Members.IsUnknown() {
		return
	}
	entries, _, diags := memberEntries(ctx, config)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	seen := map[string]string{}
	for _, email := range slices.Sorted(maps.Keys(entries)) {
		at := path.Root("members").AtMapKey(email)
		if err := api.ValidateEmail(email); err != nil {
			resp.Diagnostics.AddAttributeError(at, "Invalid email address", fmt.Sprintf("members[%q]: %s.", email, err))
			continue
		}
		if first, dup := seen[api.EmailKey(email)]; dup {
			resp.Diagnostics.AddAttributeError(at, "The same member twice",
				fmt.Sprintf("members names %q and %q, which are the same address to the platform (addresses are compared regardless of letter case). Keep one of them.", first, email))
			continue
		}
		seen[api.EmailKey(email)] = email
		e := entries[email]
		if e.Role.IsNull() || e.Role.IsUnknown() || e.Role.ValueString() == string(api.RoleMember) {
			continue
		}
		if len(e.EnvironmentRoles.Elements()) > 0 {
			resp.Diagnostics.AddAttributeError(path.Root("environment_roles").AtMapKey(email), "environment_roles only applies to role member",
				fmt.Sprintf("%s has role %q, which has no environment roles: an owner or admin already has every environment, and a biller none. "+
					"Remove it from environment_roles, or set its role to \"member\".", email, e.Role.ValueString()))
		}
	}
	if config.EnvironmentRoles.IsUnknown() {
		return
	}
	for _, email := range slices.Sorted(maps.Keys(config.EnvironmentRoles.Elements())) {
		if _, ok := entries[email]; !ok {
			resp.Diagnostics.AddAttributeError(path.Root("environment_roles").AtMapKey(email), "Not a member",
				fmt.Sprintf("environment_roles names %q, which members does not (spelled exactly as there). Add it to members with role \"member\", or remove it here.", email))
		}
	}
}

// memberDiffers says whether the membership in the state must be changed to be what the plan says.
func memberDiffers(desired, actual memberEntry) bool {
	return !desired.Role.Equal(actual.Role) || !desired.EnvironmentRoles.Equal(actual.EnvironmentRoles)
}

// ownerFirst ranks a change that makes an active member an owner before every other change, so that an
// apply which hands the ownership over never leaves the organization without an owner on the way.
func ownerFirst(ch keyedChange[memberEntry, memberEntry]) int {
	if ch.Op == api.BulkUpdate && ch.Desired.Role.ValueString() == string(api.RoleOwner) {
		return 0
	}
	return 1
}

// memberChanges is what turns the state's membership into the plan's, in the order to apply it.
func memberChanges(desired, actual map[string]memberEntry) []keyedChange[memberEntry, memberEntry] {
	changes := diffKeyed(desired, actual, memberDiffers)
	sortChanges(changes, ownerFirst)
	return changes
}

// ModifyPlan resolves the organization and says at plan time what the server would refuse at apply
// and the provider can already know. Refused: a plan that leaves the organization without an active
// owner, or that removes or demotes the caller's own owner membership, and environment roles of
// environments the organization does not have. Warned of: new members beyond the plan's seats (a
// warning, as orgs_member's, for the same reason: see memberResource.ModifyPlan), memberships this
// creation leaves in place, declined memberships (not offered again), and an orgs_member of the same
// organization in this configuration. It also plans the offer of expired memberships again.
func (r *membersResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.planOrganizationID(ctx, req, resp)
	if resp.Diagnostics.HasError() || resp.Plan.Raw.IsNull() || r.client == nil {
		return // a destroy removes what it can and keeps the owners: nothing to refuse
	}
	var plan membersModel
	resp.Diagnostics.Append(resp.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || plan.OrganizationID.IsUnknown() {
		return
	}
	orgID := plan.OrganizationID.ValueString()
	r.warnBothManage(orgID, memberManagerList, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("id"), plan.OrganizationID)...)
	desired, known, diags := memberEntries(ctx, plan)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() || !known {
		return // the checks wait for a plan that knows every member (statuses stay unknown): the server decides at apply
	}
	var actual map[string]memberEntry
	if req.State.Raw.IsNull() {
		existing, err := r.listings.Members.All(ctx, orgID)
		if err != nil {
			tflog.Debug(ctx, "could not list the organization's members at plan time", map[string]any{"error": err.Error()})
			return
		}
		actual = map[string]memberEntry{}
		for _, m := range existing {
			actual[m.Email] = memberEntryOf(m)
		}
		actual = alignKeys(desired, actual, api.EmailKey)
		warnLeftInPlace(orgID, desired, actual, &resp.Diagnostics)
	} else {
		var state membersModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		if resp.Diagnostics.HasError() {
			return
		}
		stateEntries, _, diags := memberEntries(ctx, state)
		resp.Diagnostics.Append(diags...)
		if resp.Diagnostics.HasError() {
			return
		}
		actual = alignKeys(desired, stateEntries, api.EmailKey)
	}
	changes := memberChanges(desired, actual)
	if req.State.Raw.IsNull() {
		changes = slices.DeleteFunc(changes, func(ch keyedChange[memberEntry, memberEntry]) bool { return ch.Op == api.BulkDelete })
	}
	resends := r.planResends(orgID, plan, desired, actual, resp)
	if !req.State.Raw.IsNull() {
		planStatuses(ctx, actual, changes, resends, resp)
	}
	if len(changes) == 0 {
		return
	}
	r.refuseOwnerLosses(ctx, orgID, changes, actual, &resp.Diagnostics)
	r.checkMemberEnvironmentKeys(ctx, orgID, changes, &resp.Diagnostics)
	r.warnOverSeats(ctx, orgID, changes, resends, &resp.Diagnostics)
}

// planStatuses plans statuses, expires_at and user_ids: unknown when the apply adds members or offers
// memberships again (it learns theirs), else the state's, without the members the plan removes. The
// framework plans a computed attribute unknown whenever the resource changes; this keeps a plan that
// changes one member's role from showing every member's status as unknown.
func planStatuses(ctx context.Context, actual map[string]memberEntry, changes []keyedChange[memberEntry, memberEntry], resends []string, resp *resource.ModifyPlanResponse) {
	learns := len(resends) > 0
	removed := map[string]bool{}
	for _, ch := range changes {
		switch ch.Op {
		case api.BulkCreate:
			learns = true
		case api.BulkDelete:
			removed[ch.Key] = true
		}
	}
	statuses, expiries, userIDs := types.MapUnknown(types.StringType), types.MapUnknown(types.StringType), types.MapUnknown(types.StringType)
	if !learns {
		kept := map[string]memberEntry{}
		for email, e := range actual {
			if !removed[email] {
				kept[email] = e
			}
		}
		planned := withMembers(membersModel{}, kept)
		statuses, expiries, userIDs = planned.Statuses, planned.ExpiresAt, planned.UserIDs
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("statuses"), statuses)...)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("expires_at"), expiries)...)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("user_ids"), userIDs)...)
}

// planResends plans the offer of each expired membership again (with resend_when_expired): its status
// and expiry become unknown, which is the diff and what the apply learns. A declined membership is
// named, not offered again. It returns the members to offer again.
func (r *membersResource) planResends(orgID string, plan membersModel, desired, actual map[string]memberEntry, resp *resource.ModifyPlanResponse) []string {
	var resends, declined []string
	for _, email := range slices.Sorted(maps.Keys(desired)) {
		a, ok := actual[email]
		if !ok {
			continue
		}
		switch api.MemberStatus(a.Status.ValueString()) {
		case api.MemberExpired:
			if plan.ResendWhenExpired.ValueBool() {
				resends = append(resends, email)
			}
		case api.MemberDeclined:
			declined = append(declined, email)
		}
	}
	if len(declined) > 0 {
		resp.Diagnostics.AddAttributeWarning(path.Root("members"), "Declined memberships are not offered again",
			fmt.Sprintf("In organization %s, %s declined the membership, so it is not offered again. To offer it again, manage that member with orgs_member "+
				"and its resend_trigger instead (the organization cannot ask again until %s after the decline); to stop asking, remove it from members.",
				orgID, strings.Join(declined, ", "), declineCooldownText()))
	}
	return resends
}

// warnLeftInPlace warns, when the resource is created, of the memberships the organization has that
// members does not name: a creation never removes anything the plan does not show, so they stay, and the
// next plan shows them as removals.
func warnLeftInPlace(orgID string, desired, actual map[string]memberEntry, diags *diag.Diagnostics) {
	var extra []string
	for email := range actual {
		if _, ok := desired[email]; !ok {
			extra = append(extra, email)
		}
	}
	if len(extra) == 0 {
		return
	}
	slices.Sort(extra)
	diags.AddAttributeWarning(path.Root("members"), "Memberships not in members are left in place for now",
		fmt.Sprintf("Organization %s has %s that members does not name: %s. Creating this resource adds and changes members but removes nobody, "+
			"so the next plan will show %s as removals. Add them to members to keep them, or import the resource (by the organization's id) "+
			"to see the whole membership in this plan.", orgID, api.CountOf(int64(len(extra)), "membership"), namesOf(extra), pronoun(len(extra))))
}

func pronoun(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

// namesOf lists addresses for a message, at most 20 of them.
func namesOf(emails []string) string {
	const most = 20
	if len(emails) <= most {
		return strings.Join(emails, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(emails[:most], ", "), len(emails)-most)
}

// refuseOwnerLosses refuses a plan that removes or demotes the caller's own active owner membership, or
// that leaves the organization without an active owner. The state says who the active owners are (a
// refresh just read them); a promotion of an active member to owner counts as an owner that stays.
func (r *membersResource) refuseOwnerLosses(ctx context.Context, orgID string, changes []keyedChange[memberEntry, memberEntry], actual map[string]memberEntry, diags *diag.Diagnostics) {
	activeOwner := func(e memberEntry) bool {
		return e.Role.ValueString() == string(api.RoleOwner) && e.Status.ValueString() == string(api.MemberActive)
	}
	lost := map[string]string{} // email -> "removes" or "demotes"
	owners := 0
	for _, e := range actual {
		if activeOwner(e) {
			owners++
		}
	}
	for _, ch := range changes {
		switch {
		case ch.Op == api.BulkDelete && activeOwner(ch.Actual):
			lost[ch.Key] = "removes"
		case ch.Op == api.BulkUpdate && activeOwner(ch.Actual) && ch.Desired.Role.ValueString() != string(api.RoleOwner):
			lost[ch.Key] = "demotes"
		case ch.Op == api.BulkUpdate && !activeOwner(ch.Actual) && ch.Actual.Status.ValueString() == string(api.MemberActive) &&
			ch.Desired.Role.ValueString() == string(api.RoleOwner):
			owners++ // promoted: an active owner once applied
		}
	}
	if len(lost) == 0 {
		return
	}
	if me, err := r.currentUser(ctx); err == nil {
		for email, change := range lost {
			if api.EmailKey(email) == api.EmailKey(me.Email) {
				diags.AddAttributeError(path.Root("members").AtMapKey(email), "Cannot remove or demote your own owner membership",
					fmt.Sprintf("This plan %s %s, an active owner of organization %s and the user this provider's credential acts as: "+
						"after the apply, the credential could no longer manage the organization's owners. Keep %s in members with role \"owner\". "+
						"To hand the organization over, let another owner's credential make that change.", change, email, orgID, email))
			}
		}
	} else {
		tflog.Debug(ctx, "could not tell which user the credential acts as, to check its own owner membership at plan time", map[string]any{"error": err.Error()})
	}
	if owners > len(lost) {
		return
	}
	emails := slices.Sorted(maps.Keys(lost))
	diags.AddAttributeError(path.Root("members"), "Cannot leave the organization without an owner",
		fmt.Sprintf("This plan removes or demotes %s, and with %s organization %s would have no active owner left; an organization must always keep one. "+
			"Keep one of them an owner, or make another active member an owner, then plan again.",
			strings.Join(emails, ", "), pronounThose(len(emails)), orgID))
}

func pronounThose(n int) string {
	if n == 1 {
		return "that"
	}
	return "those"
}

// currentUser is the user the provider's credential acts as, read once per run; an organization token
// acts as no user, and answers an error.
func (r *membersResource) currentUser(ctx context.Context) (*api.User, error) {
	return r.currentUsers.get("", func() (*api.User, error) { return r.client.CurrentUser(ctx) })
}

// checkMemberEnvironmentKeys refuses, at plan time, a key of a changed member's environment_roles that
// names no environment of the organization (unchanged members were checked when they changed).
func (r *membersResource) checkMemberEnvironmentKeys(ctx context.Context, orgID string, changes []keyedChange[memberEntry, memberEntry], diags *diag.Diagnostics) {
	var idx *environmentIndex
	for _, ch := range changes {
		if ch.Op == api.BulkDelete || len(ch.Desired.EnvironmentRoles.Elements()) == 0 {
			continue
		}
		if idx == nil {
			found, err := r.environments(ctx, orgID)
			if err != nil {
				tflog.Debug(ctx, "could not list the organization's environments to check environment_roles at plan time", map[string]any{"error": err.Error()})
				return
			}
			idx = &found
		}
		for _, key := range slices.Sorted(maps.Keys(ch.Desired.EnvironmentRoles.Elements())) {
			if _, ok := idx.lookup(key); !ok {
				diags.AddAttributeError(path.Root("members").AtMapKey(ch.Key).AtName("environment_roles").AtMapKey(key), "No such environment",
					fmt.Sprintf("members[%q]: organization %s has no environment with the slug or id %q; its environments' slugs are: %s. "+
						"For an environment this configuration creates, use its slug attribute (orgs_environment.<name>.slug) as the key, so the plan waits for it.",
						ch.Key, orgID, key, strings.Join(idx.slugs(), ", ")))
			}
		}
	}
}

// holdsSeat is whether a membership in this status holds a seat of the plan's member limit.
func holdsSeat(status string) bool {
	switch api.MemberStatus(status) {
	case api.MemberActive, api.MemberPending, api.MemberInvited:
		return true
	}
	return false
}

// warnOverSeats warns, at plan time, of the new members the organization's seats cannot hold once the
// plan's removals have freed theirs, naming them: the apply adds members in the order of their
// addresses, and the server refuses each one past the limit (a warning, as orgs_member's).
func (r *membersResource) warnOverSeats(ctx context.Context, orgID string, changes []keyedChange[memberEntry, memberEntry], resends []string, diags *diag.Diagnostics) {
	var adding []string
	freed := int64(0)
	for _, ch := range changes {
		switch {
		case ch.Op == api.BulkCreate:
			adding = append(adding, ch.Key)
		case ch.Op == api.BulkDelete && holdsSeat(ch.Actual.Status.ValueString()):
			freed++
		}
	}
	if len(adding) == 0 && len(resends) == 0 {
		return
	}
	usage, err := r.usage(ctx, orgID)
	if err != nil {
		tflog.Debug(ctx, "could not read the organization's usage to check its member limit at plan time", map[string]any{"error": err.Error()})
		return
	}
	limit, planName := int64(-1), usage.Plan
	if next, ok := r.plannedPlans.Load(orgID); ok {
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
		free := limit - q.Used + freed - int64(len(resends))
		if int64(len(adding)) <= free {
			return
		}
		refused := adding[max(free, 0):]
		held := fmt.Sprintf("%d seats", q.Used)
		if q.Seats != nil {
			held = api.DescribeSeats(*q.Seats)
		}
		diags.AddAttributeWarning(path.Root("members"), "No seat left: the apply will refuse some new members",
			fmt.Sprintf("Organization %s is on plan %q, which allows %s; its seats hold %s (active, pending and invited memberships and pending invitations "+
				"each hold one, declined and expired ones none), and after this plan's removals there is room for %s more, so the apply will refuse %s. %s",
				orgID, planName, api.CountOf(limit, "member"), held, api.CountOf(max(free, 0), "member"), namesOf(refused),
				api.PlanThatFits(q.Used-freed+int64(len(resends))+int64(len(adding)))))
		return
	}
}

// memberEntryOf is the state of membership m; its environment roles must already be keyed as the
// state keys them (environmentKeys).
func memberEntryOf(m api.Member) memberEntry {
	roles := make(map[string]attr.Value, len(m.EnvironmentRoles))
	for env, role := range m.EnvironmentRoles {
		roles[env] = types.StringValue(string(role))
	}
	expires, userID := types.StringNull(), types.StringNull()
	if m.ExpiresAt != nil {
		expires = timeValue(*m.ExpiresAt)
	}
	if m.UserID != "" {
		userID = types.StringValue(m.UserID)
	}
	return memberEntry{
		Role:             types.StringValue(string(m.Role)),
		EnvironmentRoles: types.MapValueMust(types.StringType, roles),
		Status:           types.StringValue(string(m.Status)),
		ExpiresAt:        expires,
		UserID:           userID,
	}
}

// entryFromServer is the state of membership m, its environment roles keyed as prior keys them.
func (r *membersResource) entryFromServer(ctx context.Context, orgID string, prior types.Map, m api.Member) (memberEntry, diag.Diagnostics) {
	keyed, diags := r.environmentKeys(ctx, orgID, prior, m.EnvironmentRoles)
	if diags.HasError() {
		return memberEntry{}, diags
	}
	m.EnvironmentRoles = keyed
	return memberEntryOf(m), diags
}

func (r *membersResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan membersModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts, opCreate, &resp.Diagnostics)
	defer cancel()
	orgID := plan.OrganizationID.ValueString()
	desired, _, diags := memberEntries(ctx, plan)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	// The organization has members already (its creator at least): those members names are adopted,
	// changed where they differ; the others are left in place (the plan said so).
	existing, err := r.listings.Members.All(ctx, orgID)
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("list the members of organization %s", orgID), err)
		return
	}
	actual := map[string]memberEntry{}
	for _, m := range existing {
		e, d := r.entryFromServer(ctx, orgID, types.MapNull(types.StringType), m)
		resp.Diagnostics.Append(d...)
		actual[m.Email] = e
	}
	if resp.Diagnostics.HasError() {
		return
	}
	actual = alignKeys(desired, actual, api.EmailKey)
	prior := map[string]memberEntry{}
	var resends []string
	for email, e := range actual {
		if d, ok := desired[email]; ok {
			prior[email] = e
			if e.Status.ValueString() == string(api.MemberExpired) && plan.ResendWhenExpired.ValueBool() && d.Role.Equal(e.Role) {
				resends = append(resends, email)
			}
		}
	}
	changes := slices.DeleteFunc(memberChanges(desired, prior), func(ch keyedChange[memberEntry, memberEntry]) bool { return ch.Op == api.BulkDelete })
	entries, failed, _ := r.apply(ctx, orgID, prior, changes, resends, &resp.Diagnostics)
	if failed {
		// Nothing is recorded: an error with a state would taint the whole list, and its replacement
		// would remove every member. The next apply plans this creation again and adopts what this one
		// made, so it converges.
		return
	}
	setMembersState(ctx, plan, entries, &resp.State, resp.Identity, &resp.Diagnostics)
}

// apply makes changes and offers the resends again, and returns the state's members after them (prior
// with each change that was made), whether one failed (each failure is an error naming the member,
// with the server's message), and the error of a bulk request that failed as a whole.
func (r *membersResource) apply(ctx context.Context, orgID string, prior map[string]memberEntry, changes []keyedChange[memberEntry, memberEntry], resends []string,
	diags *diag.Diagnostics,
) (entries map[string]memberEntry, failed bool, err error) {
	entries = prior
	if len(changes) > 0 {
		items, ok := r.memberBulkItems(ctx, orgID, changes, diags)
		if !ok {
			return prior, true, nil
		}
		var results []api.BulkResult[api.Member]
		results, err = r.client.BulkMembers(ctx, orgID, items)
		if err != nil {
			addAPIError(diags, fmt.Sprintf("apply %s to the members of organization %s", api.CountOf(int64(len(changes)), "change"), orgID), err)
			failed = true
		}
		var afterDiags diag.Diagnostics
		var failures []itemFailure
		entries, failures = applyResults(prior, changes, results, func(ch keyedChange[memberEntry, memberEntry], m api.Member) memberEntry {
			e, d := r.entryFromServer(ctx, orgID, ch.Desired.EnvironmentRoles, m)
			afterDiags.Append(d...)
			return e
		})
		diags.Append(afterDiags...)
		for _, f := range failures {
			if f.Problem == nil && err != nil {
				continue // the request's error says it
			}
			diags.AddAttributeError(path.Root("members").AtMapKey(f.Key), "Failed to apply the change of member "+f.Key,
				fmt.Sprintf("In organization %s, could not %s. The other members' changes were made; this member stays as the server has it, "+
					"and the next plan offers the change again.", orgID, f.Error()))
			failed = true
		}
	}
	for _, email := range resends {
		m, resendErr := r.client.ResendMember(ctx, orgID, email)
		if resendErr != nil {
			addAPIError(diags, fmt.Sprintf("offer the membership of %s in organization %s again", email, orgID), resendErr)
			failed = true
			continue
		}
		e, d := r.entryFromServer(ctx, orgID, entries[email].EnvironmentRoles, *m)
		diags.Append(d...)
		entries[email] = e
	}
	warnMembersNotActive(orgID, changes, entries, diags)
	return entries, failed || diags.HasError(), err
}

// memberBulkItems are changes as bulk items, with environment roles keyed by id as the API takes them.
func (r *membersResource) memberBulkItems(ctx context.Context, orgID string, changes []keyedChange[memberEntry, memberEntry], diags *diag.Diagnostics) ([]api.BulkItem[api.MemberCreate, api.MemberUpdate], bool) {
	byID := make(map[string]map[string]api.EnvironmentRole, len(changes))
	for _, ch := range changes {
		if ch.Op == api.BulkDelete {
			continue
		}
		roles, d := r.environmentRolesByID(ctx, orgID, ch.Desired.EnvironmentRoles)
		for _, one := range d {
			if one.Severity() == diag.SeverityError {
				diags.AddAttributeError(path.Root("members").AtMapKey(ch.Key).AtName("environment_roles"), one.Summary(), fmt.Sprintf("members[%q]: %s", ch.Key, one.Detail()))
			}
		}
		if roles == nil {
			roles = map[string]api.EnvironmentRole{} // an absent map would leave the roles as they are
		}
		byID[ch.Key] = roles
	}
	if diags.HasError() {
		return nil, false
	}
	items := bulkItems(changes,
		func(ch keyedChange[memberEntry, memberEntry]) api.MemberCreate {
			return api.MemberCreate{Email: ch.Key, Role: api.Role(ch.Desired.Role.ValueString()), EnvironmentRoles: byID[ch.Key]}
		},
		func(ch keyedChange[memberEntry, memberEntry]) api.MemberUpdate {
			var u api.MemberUpdate
			if !ch.Desired.Role.Equal(ch.Actual.Role) {
				role := api.Role(ch.Desired.Role.ValueString())
				u.Role = &role
			}
			if !ch.Desired.EnvironmentRoles.Equal(ch.Actual.EnvironmentRoles) {
				roles := byID[ch.Key]
				u.EnvironmentRoles = &roles
			}
			return u
		},
		func(ch keyedChange[memberEntry, memberEntry]) string { return ch.Key })
	return items, true
}

// warnMembersNotActive says, after an apply, once for all, which of the members it added or offered
// again are not active yet, and what they have to do (warnNotActive says it for orgs_member).
func warnMembersNotActive(orgID string, changes []keyedChange[memberEntry, memberEntry], entries map[string]memberEntry, diags *diag.Diagnostics) {
	byStatus := map[string][]string{}
	for _, ch := range changes {
		if ch.Op != api.BulkCreate {
			continue
		}
		if e, ok := entries[ch.Key]; ok && e.Status.ValueString() != string(api.MemberActive) {
			byStatus[e.Status.ValueString()] = append(byStatus[e.Status.ValueString()], ch.Key)
		}
	}
	if len(byStatus) == 0 {
		return
	}
	var parts []string
	for _, status := range slices.Sorted(maps.Keys(byStatus)) {
		parts = append(parts, fmt.Sprintf("%s: %s", status, namesOf(byStatus[status])))
	}
	diags.AddWarning("Some new members are not active yet",
		fmt.Sprintf("In organization %s, %s. An invited address was emailed a code, and becomes a member when the person accepts it; "+
			"a pending member accepts themselves (POST %s). A refresh shows when they become active; each holds a seat meanwhile.",
			orgID, strings.Join(parts, "; "), strings.ReplaceAll(api.PathMembershipAccept, "{org_id}", orgID)))
}

// setState writes the resource's state (the plan's, with these members) and its identity.
func setMembersState(ctx context.Context, plan membersModel, entries map[string]memberEntry, state *tfsdk.State, identity *tfsdk.ResourceIdentity, diags *diag.Diagnostics) {
	plan = withMembers(plan, entries)
	plan.ID = plan.OrganizationID
	diags.Append(state.Set(ctx, plan)...)
	diags.Append(membersIdentity.set(ctx, *state, identity)...)
}

// Read refreshes the whole membership from the organization's members listing (shared with every
// other read of the run: a plan of 10,000 members is ten list requests). Every membership the
// organization has is in the state, so one the configuration does not name plans as a removal. An
// address keeps the spelling the state gave it when the server spells it in another case.
func (r *membersResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state membersModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts, opRead, &resp.Diagnostics)
	defer cancel()
	orgID := state.OrganizationID.ValueString()
	existing, err := r.listings.Members.All(ctx, orgID)
	if err != nil {
		membersIdentity.removeIfNotFound(ctx, r.providerData, err, req, resp)
		return
	}
	prior, _, diags := memberEntries(ctx, state)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	byEmail := make(map[string]api.Member, len(existing))
	for _, m := range existing {
		byEmail[m.Email] = m
	}
	aligned := alignKeys(prior, byEmail, api.EmailKey)
	entries := make(map[string]memberEntry, len(aligned))
	anyExpired := false
	for email, m := range aligned {
		priorRoles := types.MapNull(types.StringType)
		if p, ok := prior[email]; ok {
			priorRoles = p.EnvironmentRoles
		}
		e, d := r.entryFromServer(ctx, orgID, priorRoles, m)
		resp.Diagnostics.Append(d...)
		entries[email] = e
		anyExpired = anyExpired || m.Status == api.MemberExpired
	}
	if resp.Diagnostics.HasError() {
		return
	}
	refreshed := withMembers(state, entries)
	refreshed.ID = types.StringValue(orgID)
	if refreshed.ResendWhenExpired.IsNull() || refreshed.ResendWhenExpired.IsUnknown() {
		// An import, or generated configuration: the default, except that expired memberships are not
		// offered again by bringing them under management (the configuration then says false, and plans
		// no change).
		refreshed.ResendWhenExpired = types.BoolValue(!anyExpired)
	}
	// Not membersIdentity.refreshed: its drift warning would print the whole members map before and
	// after; warnMembersDrift names only the members that changed.
	if !sameAttributeValues(state, refreshed) {
		resp.Diagnostics.Append(resp.State.Set(ctx, refreshed)...)
		if !importing(ctx, resp.Private) {
			warnMembersDrift(ctx, r.providerData, orgID, prior, entries, &resp.Diagnostics)
		}
	}
	resp.Diagnostics.Append(membersIdentity.set(ctx, resp.State, resp.Identity)...)
	if importing(ctx, resp.Private) {
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateImporting, nil)...)
	}
}

// warnMembersDrift warns of the memberships a refresh found added, removed or changed (role or
// environment roles) outside Terraform, one line each, naming who made each change and when from the
// activity log (drift.go): the members the warning names are asked about together, so the refresh asks
// the log once (with the other drift questions of the organization), and only when it found drift.
// Status moves are the members' own, not drift.
func warnMembersDrift(ctx context.Context, pd providerData, orgID string, prior, refreshed map[string]memberEntry, diags *diag.Diagnostics) {
	activityIDs := func(email string, entries ...memberEntry) []string {
		ids := []string{api.EmailKey(email)}
		for _, e := range entries {
			if id := e.UserID.ValueString(); id != "" && !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		return ids
	}
	var added, removed, changed []driftedMember
	for _, email := range slices.Sorted(maps.Keys(refreshed)) {
		e := refreshed[email]
		p, ok := prior[email]
		switch {
		case !ok:
			added = append(added, driftedMember{email, "added as " + describeMember(e), activityIDs(email, e)})
		case memberDiffers(p, e):
			changed = append(changed, driftedMember{email, memberChangeText(p, e), activityIDs(email, p, e)})
		}
	}
	for _, email := range slices.Sorted(maps.Keys(prior)) {
		if _, ok := refreshed[email]; !ok {
			removed = append(removed, driftedMember{email, "removed (was " + describeMember(prior[email]) + ")", activityIDs(email, prior[email])})
		}
	}
	// The lines the warning shows: at most driftLinesShown of each kind; the log is asked about them,
	// as many as the ids of one activity request hold.
	var shown []driftedMember
	var more []string
	for _, l := range []struct {
		what    string
		drifted []driftedMember
	}{{"added", added}, {"removed", removed}, {"changed", changed}} {
		n := min(len(l.drifted), driftLinesShown)
		shown = append(shown, l.drifted[:n]...)
		if rest := len(l.drifted) - n; rest > 0 {
			more = append(more, fmt.Sprintf("%d more %s", rest, l.what))
		}
	}
	if len(shown) == 0 {
		return
	}
	bys, unattributed := memberChangesBy(ctx, pd, orgID, attributable(shown))
	lines := make([]string, 0, len(shown)+1)
	for i, d := range shown {
		line := fmt.Sprintf("  %s: %s", d.email, d.what)
		if i < len(bys) && bys[i] != "" {
			line += ", " + bys[i]
		}
		lines = append(lines, line)
	}
	if len(more) > 0 {
		lines = append(lines, "  and "+strings.Join(more, ", "))
	}
	detail := fmt.Sprintf("A refresh found memberships of organization %s changed outside Terraform:\n%s\n", orgID, strings.Join(lines, "\n"))
	if unattributed != "" {
		detail += unattributed + "\n"
	}
	diags.AddWarning("Membership of organization "+orgID+" changed outside Terraform",
		detail+"The plan undoes these changes unless the configuration takes them in.")
}

// driftedMember is a line of a drift warning: a membership, what happened to it, and its ids as the
// activity log names it (its address, folded, and its user's id).
type driftedMember struct {
	email, what string
	ids         []string
}

// attributable is what the activity log is asked about for the lines shown: the first of them, in order,
// whose ids together fit in one activity request (api.MaxActivityObjectIDs, which it may reach).
func attributable(shown []driftedMember) []client.ActivityObject {
	var objects []client.ActivityObject
	ids := 0
	for _, d := range shown {
		if ids+len(d.ids) > api.MaxActivityObjectIDs {
			break
		}
		ids += len(d.ids)
		objects = append(objects, client.ActivityObject{Type: memberIdentity.activityType, IDs: d.ids})
	}
	return objects
}

// driftLinesShown is how many members of each kind (added, removed, changed) a drift warning names.
const driftLinesShown = 20

// memberChangesBy says, by index in objects, who last changed each membership and when ("by
// carol@example.com at 2031-03-01T10:02:00Z (member.update)"; "" when the log does not say), and, when
// the log could not be read for another reason than the caller's not being allowed to (403: the
// warning just says "outside Terraform"), why.
func memberChangesBy(ctx context.Context, pd providerData, orgID string, objects []client.ActivityObject) (bys []string, unattributed string) {
	if pd.lastChanges == nil || len(objects) == 0 {
		return nil, ""
	}
	latest, err := pd.lastChanges.LastOf(ctx, orgID, objects)
	switch {
	case client.IsForbidden(err):
		return nil, ""
	case err != nil:
		return nil, fmt.Sprintf("(who made the changes could not be read from the activity log: %v)", err)
	}
	bys = make([]string, len(latest))
	for i, e := range latest {
		if e != nil {
			bys[i] = changedBy(*e)
		}
	}
	return bys, ""
}

// memberChangeText says how a membership changed: "role admin -> member", "environment roles {...} -> {...}".
func memberChangeText(before, after memberEntry) string {
	var parts []string
	if !before.Role.Equal(after.Role) {
		parts = append(parts, fmt.Sprintf("role %s -> %s", before.Role.ValueString(), after.Role.ValueString()))
	}
	if !before.EnvironmentRoles.Equal(after.EnvironmentRoles) {
		parts = append(parts, fmt.Sprintf("environment roles %s -> %s", before.EnvironmentRoles, after.EnvironmentRoles))
	}
	return strings.Join(parts, ", ")
}

func describeMember(e memberEntry) string {
	if len(e.EnvironmentRoles.Elements()) == 0 {
		return e.Role.ValueString()
	}
	return fmt.Sprintf("%s %s", e.Role.ValueString(), e.EnvironmentRoles)
}

// Update applies the difference between the state and the plan in one bulk request per 1,000 changes,
// and offers expired memberships again (one request each). A change that fails leaves its member in
// the state as the server has it, with an error naming it; the others are recorded.
func (r *membersResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state membersModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts, opUpdate, &resp.Diagnostics)
	defer cancel()
	orgID := plan.OrganizationID.ValueString()
	desired, _, diags := memberEntries(ctx, plan)
	resp.Diagnostics.Append(diags...)
	actual, _, diags := memberEntries(ctx, state)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	actual = alignKeys(desired, actual, api.EmailKey)
	var resends []string // as planResends planned them
	for email := range desired {
		if a, ok := actual[email]; ok && a.Status.ValueString() == string(api.MemberExpired) && plan.ResendWhenExpired.ValueBool() {
			resends = append(resends, email)
		}
	}
	slices.Sort(resends)
	entries, _, _ := r.apply(ctx, orgID, actual, memberChanges(desired, actual), resends, &resp.Diagnostics)
	setMembersState(ctx, plan, entries, &resp.State, resp.Identity, &resp.Diagnostics)
}

// Delete removes every membership in the state except the organization's active owners, which it must
// keep (they stay, no longer managed). A removal that fails keeps its member in the state.
func (r *membersResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state membersModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts, opDelete, &resp.Diagnostics)
	defer cancel()
	orgID := state.OrganizationID.ValueString()
	actual, _, diags := memberEntries(ctx, state)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	keep := map[string]memberEntry{}
	for email, e := range actual {
		if e.Role.ValueString() == string(api.RoleOwner) && e.Status.ValueString() == string(api.MemberActive) {
			keep[email] = e
		}
	}
	var applied diag.Diagnostics
	entries, failed, err := r.apply(ctx, orgID, actual, memberChanges(keep, actual), nil, &applied)
	if client.IsNotFound(err) {
		return // the organization was deleted, with its members
	}
	resp.Diagnostics.Append(applied...)
	if failed {
		for email := range keep {
			delete(entries, email)
		}
		setMembersState(ctx, state, entries, &resp.State, nil, &resp.Diagnostics)
	}
}

func (r *membersResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	membersIdentity.importState(ctx, req, resp)
}

// memberManager is a resource type that manages memberships.
type memberManager int

const (
	memberManagerOne  memberManager = 1 << iota // orgs_member
	memberManagerList                           // orgs_members
)

// memberManagers are, by organization, the resource types that this run's plan manages memberships
// with: orgs_member and orgs_members of one organization undo each other's work.
type memberManagers struct {
	mu     sync.Mutex
	byOrg  map[string]memberManager
	warned map[string]bool
}

// add records that kind plans memberships of orgID, and reports, once per organization, whether the
// other kind does too: whichever of the two is planned second sees the first.
func (m *memberManagers) add(orgID string, kind memberManager) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.byOrg == nil {
		m.byOrg, m.warned = map[string]memberManager{}, map[string]bool{}
	}
	m.byOrg[orgID] |= kind
	if m.byOrg[orgID] != memberManagerOne|memberManagerList || m.warned[orgID] {
		return false
	}
	m.warned[orgID] = true
	return true
}

// warnBothManage warns when this configuration manages orgID's members with both orgs_member and
// orgs_members.
func (d *providerData) warnBothManage(orgID string, kind memberManager, diags *diag.Diagnostics) {
	if d.memberManagers == nil || !d.memberManagers.add(orgID, kind) {
		return
	}
	diags.AddWarning("orgs_member and orgs_members manage the same organization",
		fmt.Sprintf("This configuration manages the members of organization %s with both orgs_members and orgs_member. orgs_members is authoritative: "+
			"it removes every membership its members map does not name, an orgs_member's included, and the orgs_member then adds it again, "+
			"so each apply undoes the other's work. Manage the organization's members with one of them: move the orgs_member's address and role into "+
			"orgs_members (and remove the orgs_member from the state with a removed block), or drop orgs_members.", orgID))
}

// organizationMembership is the whole membership of one organization, as orgs_members' list resource
// finds it: its members, their environment roles keyed by slug.
type organizationMembership struct {
	organizationID string
	members        []api.Member
}

// membersListResource lists the organization's whole membership as one result: what an import of
// orgs_members by the organization's id followed by a Read holds, so the generated configuration plans
// no change.
func membersListResource() *listResource[organizationMembership, membersModel] {
	return &listResource[organizationMembership, membersModel]{
		typeName: "_members",
		description: "Lists the whole membership of an organization as one result, as `orgs_members` holds it. " +
			"Generate configuration from this one or from `orgs_member`, not both: an organization's members are managed one way or the other.",
		inOrganization: true,
		all: func(ctx context.Context, d providerData, orgID string) ([]organizationMembership, error) {
			members, err := d.listings.Members.All(ctx, orgID)
			if err != nil {
				return nil, err
			}
			keyed, err := d.withEnvironmentSlugs(ctx, orgID, members)
			if err != nil {
				return nil, err
			}
			return []organizationMembership{{organizationID: orgID, members: keyed}}, nil
		},
		state: func(o *organizationMembership, noTimeouts timeouts.Value) membersModel {
			entries := make(map[string]memberEntry, len(o.members))
			anyExpired := false
			for _, m := range o.members {
				entries[m.Email] = memberEntryOf(m)
				anyExpired = anyExpired || m.Status == api.MemberExpired
			}
			// As Read after an import: expired memberships are not offered again by bringing them under
			// management.
			return withMembers(membersModel{
				ID:                types.StringValue(o.organizationID),
				OrganizationID:    types.StringValue(o.organizationID),
				ResendWhenExpired: types.BoolValue(!anyExpired),
				Timeouts:          noTimeouts,
			}, entries)
		},
		display: func(o *organizationMembership) string {
			return fmt.Sprintf("%s (%s)", o.organizationID, api.CountOf(int64(len(o.members)), "member"))
		},
		identity: membersIdentity,
	}
}
