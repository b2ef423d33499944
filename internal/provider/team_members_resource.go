package provider

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

var (
	_ resource.Resource                = (*teamMembersResource)(nil)
	_ resource.ResourceWithConfigure   = (*teamMembersResource)(nil)
	_ resource.ResourceWithImportState = (*teamMembersResource)(nil)
	_ resource.ResourceWithIdentity    = (*teamMembersResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*teamMembersResource)(nil)
)

// NewTeamMembersResource is the constructor the provider registers for orgs_team_members.
func NewTeamMembersResource() resource.Resource { return &teamMembersResource{} }

// teamMembersResource is a team's whole membership in one resource, authoritative: a person in the
// team whom the configuration leaves out is removed. It plans and applies through the whole-list
// machinery (whole_list.go) that orgs_members uses.
type teamMembersResource struct {
	resourceBase
}

type teamMembersModel struct {
	ID             types.String   `tfsdk:"id"`
	OrganizationID types.String   `tfsdk:"organization_id"`
	TeamSlug       types.String   `tfsdk:"team_slug"`
	Members        types.Map      `tfsdk:"members"`
	Timeouts       timeouts.Value `tfsdk:"timeouts"`
}

func (r *teamMembersResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_team_members"
}

func (r *teamMembersResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Blocks: map[string]schema.Block{"timeouts": timeoutsBlock(true)},
		MarkdownDescription: "The whole membership of one team (`orgs_team`), authoritative: everyone in the team whom `members` does not name is removed by the next apply, " +
			"so a person added to the team outside Terraform shows in the plan as a removal (`- \"eve@example.com\" = \"member\"`). " +
			"`members` is a map of email address to team role, so a plan shows only the people who change, whatever the size of the team. " +
			"Addresses are compared regardless of letter case, as the server compares them: the same address twice is refused at plan time, and rewriting one in another case changes nothing.\n\n" +
			"Everyone in `members` must be an active member of the organization; someone who is not is reported at plan time, and the server refuses them at apply. " +
			"An apply makes every addition, change and removal in one bulk request per 1,000 changes, whatever the number of people. " +
			"Each person's change succeeds or fails on its own: one the server refused stays in the state as the server has it, the apply fails naming them and the server's reason, " +
			"and the next plan offers the change again. When the first apply (the resource's creation) has a refused person, nothing is recorded (an error with a state would taint the resource, " +
			"and its replacement would remove everyone it added): the next apply creates the resource again and adopts the people the first one added. " +
			"A refresh reads the organization's team memberships through one listing shared by every team of the run.\n\n" +
			"Creating the resource adds the people who are missing and changes the roles that differ, and removes nobody: people already in the team show in the next plan as removals. " +
			"To see them in the first plan, import the resource instead. Destroying it removes everyone in its state from the team.\n\n" +
			"Manage a team's membership with `orgs_team_members` or with `orgs_team_member`, not both: they undo each other.\n\n" +
			"Import with `<organization_id>/<team slug>`, or by identity (`organization_id` and `team_slug`) with OpenTofu or Terraform 1.12 and later.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "`<organization_id>/<team slug>`.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"organization_id": organizationIDAttribute("The organization of the team."),
			"team_slug": schema.StringAttribute{
				MarkdownDescription: "The team's slug (`orgs_team.<name>.slug`). Changing it replaces the resource.",
				Required:            true,
				Validators:          []validator.String{stringCheck{desc: "must be a slug", check: api.ValidateSlug}},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"members": schema.MapAttribute{
				MarkdownDescription: "Everyone in the team: email address to team role, " + markdownList(api.TeamRoles) + ". Maintainers manage the team's membership.",
				ElementType:         types.StringType,
				Required:            true,
				Validators: []validator.Map{
					mapvalidator.KeysAre(stringvalidator.UTF8LengthAtLeast(1)),
					mapvalidator.ValueStringsAre(stringvalidator.OneOf(stringsOf(api.TeamRoles)...)),
				},
			},
		},
	}
}

// teamMembersIdentity: a team's whole membership is the team's.
var teamMembersIdentity = resourceIdentity{
	kind: "membership of team",
	attrs: []identityAttribute{
		{name: "organization_id", description: "The id of the organization."},
		{name: "team_slug", description: "The team's slug."},
	},
	importHelp: "A team's membership imports by `<organization_id>/<team slug>`.",
	lookalikes: teamLookalikes,
}

func (r *teamMembersResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = teamMembersIdentity.schema()
}

// teamRoles decodes members; known is false when the map or a role in it is unknown until apply.
func teamRoles(ctx context.Context, m types.Map) (roles map[string]api.TeamRole, known bool, diags diag.Diagnostics) {
	if m.IsNull() {
		return map[string]api.TeamRole{}, true, nil
	}
	if m.IsUnknown() {
		return nil, false, nil
	}
	roles = make(map[string]api.TeamRole, len(m.Elements()))
	known = true
	for email, v := range m.Elements() {
		s, ok := v.(types.String)
		if !ok || s.IsUnknown() {
			known = false
			continue
		}
		roles[email] = api.TeamRole(s.ValueString())
	}
	return roles, known, diags
}

func teamRolesValue(roles map[string]api.TeamRole) types.Map {
	elems := make(map[string]attr.Value, len(roles))
	for email, role := range roles {
		elems[email] = types.StringValue(string(role))
	}
	return types.MapValueMust(types.StringType, elems)
}

// ModifyPlan resolves the organization, plans the id, refuses the same address twice, and warns of a
// person the plan adds who is not an active member of the organization.
func (r *teamMembersResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.planOrganizationID(ctx, req, resp)
	if resp.Diagnostics.HasError() || resp.Plan.Raw.IsNull() || planChangesNothing(req, resp) {
		return
	}
	planCompositeID(ctx, resp, "organization_id", "team_slug")
	var plan, state teamMembersModel
	resp.Diagnostics.Append(resp.Plan.Get(ctx, &plan)...)
	if !req.State.Raw.IsNull() {
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	desired, _, diags := teamRoles(ctx, plan.Members)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	byKey := map[string]string{}
	for _, email := range slices.Sorted(maps.Keys(desired)) {
		if other, twice := byKey[api.EmailKey(email)]; twice {
			resp.Diagnostics.AddAttributeError(path.Root("members").AtMapKey(email), "The same person twice",
				fmt.Sprintf("%q and %q are one address (addresses are compared regardless of letter case): keep one of them.", other, email))
			continue
		}
		byKey[api.EmailKey(email)] = email
	}
	if resp.Diagnostics.HasError() || r.client == nil || plan.OrganizationID.IsUnknown() {
		return
	}
	actual, _, _ := teamRoles(ctx, state.Members)
	actual = alignKeys(desired, actual, api.EmailKey)
	orgID := plan.OrganizationID.ValueString()
	for _, ch := range diffKeyed(desired, actual, func(d, a api.TeamRole) bool { return d != a }) {
		if ch.Op == api.BulkCreate {
			r.warnNotActiveMember(ctx, orgID, ch.Key, path.Root("members").AtMapKey(ch.Key), &resp.Diagnostics)
		}
	}
}

func (r *teamMembersResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan teamMembersModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts, opCreate, &resp.Diagnostics)
	defer cancel()
	orgID, slug := plan.OrganizationID.ValueString(), plan.TeamSlug.ValueString()
	// Removes nobody: who is in the team already and not in the plan shows in the next plan.
	current, err := r.current(ctx, orgID, slug, nil)
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("read the members of team %s of organization %s", slug, orgID), err)
		return
	}
	desired, _, diags := teamRoles(ctx, plan.Members)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	actual := map[string]api.TeamRole{}
	for email, role := range alignKeys(desired, current, api.EmailKey) {
		if _, wanted := desired[email]; wanted {
			actual[email] = role
		}
	}
	result := r.apply(ctx, orgID, slug, desired, actual, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.ID = types.StringValue(orgID + "/" + slug)
	plan.Members = teamRolesValue(result)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	resp.Diagnostics.Append(teamMembersIdentity.set(ctx, resp.State, resp.Identity)...)
}

func (r *teamMembersResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state teamMembersModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts, opRead, &resp.Diagnostics)
	defer cancel()
	orgID, slug := state.OrganizationID.ValueString(), state.TeamSlug.ValueString()
	prior, _, _ := teamRoles(ctx, state.Members)
	current, err := r.current(ctx, orgID, slug, prior)
	if err != nil {
		teamMembersIdentity.removeIfNotFound(ctx, r.providerData, err, req, resp)
		return
	}
	refreshed := state
	refreshed.ID = types.StringValue(orgID + "/" + slug)
	refreshed.Members = teamRolesValue(current)
	teamMembersIdentity.refreshed(ctx, r.providerData, state, refreshed, resp)
}

// current is everyone in the team now, keyed as prior spells them (the configuration's spelling of an
// address the server spells in another case), from the shared listings: the team's existence from the
// teams listing (not found when it was deleted), its members from the organization's team memberships.
func (r *teamMembersResource) current(ctx context.Context, orgID, slug string, prior map[string]api.TeamRole) (map[string]api.TeamRole, error) {
	if _, err := r.listings.Teams.Get(ctx, orgID, slug); err != nil {
		return nil, err
	}
	all, err := r.listings.TeamMembers.All(ctx, orgID)
	if err != nil {
		return nil, err
	}
	out := map[string]api.TeamRole{}
	for _, m := range all {
		if m.TeamSlug == slug {
			out[m.Email] = m.Role
		}
	}
	return alignKeys(prior, out, api.EmailKey), nil
}

func (r *teamMembersResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state teamMembersModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts, opUpdate, &resp.Diagnostics)
	defer cancel()
	desired, _, diags := teamRoles(ctx, plan.Members)
	resp.Diagnostics.Append(diags...)
	actual, _, diags := teamRoles(ctx, state.Members)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	orgID, slug := state.OrganizationID.ValueString(), state.TeamSlug.ValueString()
	var failed diag.Diagnostics
	result := r.apply(ctx, orgID, slug, desired, alignKeys(desired, actual, api.EmailKey), &failed)
	// What was done is recorded, whatever failed: the next plan offers the failed changes again.
	plan.Members = teamRolesValue(result)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	resp.Diagnostics.Append(teamMembersIdentity.set(ctx, resp.State, resp.Identity)...)
	resp.Diagnostics.Append(failed...)
}

func (r *teamMembersResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state teamMembersModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts, opDelete, &resp.Diagnostics)
	defer cancel()
	actual, _, diags := teamRoles(ctx, state.Members)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.apply(ctx, state.OrganizationID.ValueString(), state.TeamSlug.ValueString(), map[string]api.TeamRole{}, actual, &resp.Diagnostics)
}

func (r *teamMembersResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	teamMembersIdentity.importState(ctx, req, resp)
}

// apply makes the changes that turn actual into desired (both keyed alike: alignKeys) in one bulk
// request per api.MaxBulkItems changes, and returns everyone in the team as far as this apply knows;
// each change that failed is an error in diags, naming the person and the server's reason, and leaves
// them as actual had them.
func (r *teamMembersResource) apply(ctx context.Context, orgID, slug string, desired, actual map[string]api.TeamRole, diags *diag.Diagnostics) map[string]api.TeamRole {
	changes := diffKeyed(desired, actual, func(d, a api.TeamRole) bool { return d != a })
	if len(changes) == 0 {
		return actual
	}
	items := bulkItems(changes,
		func(ch keyedChange[api.TeamRole, api.TeamRole]) api.TeamMemberCreate {
			return api.TeamMemberCreate{Email: ch.Key, Role: ch.Desired}
		},
		func(ch keyedChange[api.TeamRole, api.TeamRole]) api.TeamMemberUpdate {
			role := ch.Desired
			return api.TeamMemberUpdate{Role: &role}
		},
		func(ch keyedChange[api.TeamRole, api.TeamRole]) string { return ch.Key })
	results, err := r.client.BulkTeamMembers(ctx, orgID, slug, items)
	if err != nil {
		addAPIError(diags, fmt.Sprintf("apply %s to the members of team %s of organization %s", api.CountOf(int64(len(changes)), "change"), slug, orgID), err)
	}
	after, failures := applyResults(actual, changes, results, func(_ keyedChange[api.TeamRole, api.TeamRole], m api.TeamMember) api.TeamRole {
		return m.Role
	})
	for _, f := range failures {
		if f.Problem == nil && err != nil {
			continue // the request's error says it
		}
		diags.AddAttributeError(path.Root("members").AtMapKey(f.Key), fmt.Sprintf("Failed to change team %s of organization %s", slug, orgID), f.Error())
	}
	return after
}
