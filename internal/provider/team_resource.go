package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
)

var (
	_ resource.Resource                = (*teamResource)(nil)
	_ resource.ResourceWithConfigure   = (*teamResource)(nil)
	_ resource.ResourceWithImportState = (*teamResource)(nil)
	_ resource.ResourceWithIdentity    = (*teamResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*teamResource)(nil)
)

// NewTeamResource is the constructor the provider registers for orgs_team.
func NewTeamResource() resource.Resource { return &teamResource{} }

type teamResource struct {
	resourceBase
}

type teamModel struct {
	ID               types.String   `tfsdk:"id"`
	OrganizationID   types.String   `tfsdk:"organization_id"`
	Name             types.String   `tfsdk:"name"`
	Slug             types.String   `tfsdk:"slug"`
	Description      types.String   `tfsdk:"description"`
	Role             types.String   `tfsdk:"role"`
	EnvironmentRoles types.Map      `tfsdk:"environment_roles"`
	Timeouts         timeouts.Value `tfsdk:"timeouts"`
}

func (r *teamResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_team"
}

func (r *teamResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Blocks: map[string]schema.Block{"timeouts": timeoutsBlock(true)},
		MarkdownDescription: "A team of an organization: a group of its active members (`orgs_team_member`, or the whole membership with `orgs_team_members`) " +
			"that grants them access together. A team may grant its members an organization role (`role`) and environment roles (`environment_roles`); " +
			"each member's rights are the highest of their own role and the grants of every team they are in, and a member's API tokens never do more than that. " +
			"Leaving the team (or the team being deleted) takes its grants away at once, from the member's tokens too.\n\n" +
			"The organization's plan limits how many teams it may have: a new team in an organization that has them all is reported at plan time, " +
			"naming the plan and one that fits, and the server refuses it at apply.\n\n" +
			"Import with `<organization_id>/<team slug>`, or by identity (`organization_id` and `slug`) with OpenTofu or Terraform 1.12 and later.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The team's id.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"organization_id": organizationIDAttribute("The organization the team belongs to."),
			"name": schema.StringAttribute{
				MarkdownDescription: "The team's name, 1 to 100 characters, unique in the organization regardless of letter case. Renaming keeps the team and its slug.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.UTF8LengthBetween(1, 100)},
			},
			"slug": schema.StringAttribute{
				MarkdownDescription: "A short identifier that names the team in import IDs and in `orgs_team_member.team_slug`, unique in the organization: " +
					"lowercase letters, digits and `-`, at most 63 characters. Derived from the name when left out (`Platform Team` becomes `platform-team`). " +
					"The API never changes a slug, so changing it replaces the team.",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{stringCheck{desc: "must be a slug", check: api.ValidateSlug}},
				// Left out, the server's slug stays: renaming does not change it.
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplace()},
			},
			"description": schema.StringAttribute{
				MarkdownDescription: "What the team is for, up to 1000 characters. Defaults to `\"\"`.",
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(""),
				Validators:          []validator.String{stringvalidator.UTF8LengthAtMost(1000)},
			},
			"role": schema.StringAttribute{
				MarkdownDescription: "The organization role the team grants its members on top of their own: " + markdownList(api.TeamGrantRoles) + ". " +
					"Never `owner`: owners are named one by one (`orgs_member`). Leave it out for no grant.",
				Optional:   true,
				Validators: []validator.String{teamGrantRole{}},
			},
			"environment_roles": schema.MapAttribute{
				MarkdownDescription: "What the team's members may do in each environment, on top of their own environment roles: the environment's slug " +
					"(as `orgs_environment` and `orgs_environments` show it) to " + markdownList(api.EnvironmentRoles) + ", so a reviewer reads which environment a plan changes. " +
					"An environment id is accepted too. Defaults to none. Keys are checked at plan time against the organization's environments; " +
					"for one this configuration creates, use its `slug` attribute, so the plan waits for it.",
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
				Default:     mapdefault.StaticValue(types.MapValueMust(types.StringType, map[string]attr.Value{})),
				Validators: []validator.Map{
					mapvalidator.ValueStringsAre(stringvalidator.OneOf(stringsOf(api.EnvironmentRoles)...)),
					mapvalidator.KeysAre(stringvalidator.UTF8LengthAtLeast(1)),
				},
			},
		},
	}
}

// teamGrantRole validates the organization role a team grants: admin, member or biller, and says of
// owner why not.
type teamGrantRole struct{}

func (teamGrantRole) Description(context.Context) string {
	return "must be one of " + strings.Join(stringsOf(api.TeamGrantRoles), ", ")
}

func (v teamGrantRole) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (teamGrantRole) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	role := api.Role(req.ConfigValue.ValueString())
	switch {
	case role == api.RoleOwner:
		resp.Diagnostics.AddAttributeError(req.Path, "A team cannot grant owner",
			"A team grants its members admin, member or biller, never owner: an organization's owners are named one by one, "+
				"with orgs_member role = \"owner\". Set role to \"admin\" for a team that administers the organization.")
	case !teamGrants(role):
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid team role",
			fmt.Sprintf("Attribute %s must be one of %s (or left out for no grant), not %q.", req.Path, strings.Join(stringsOf(api.TeamGrantRoles), ", "), role))
	}
}

func teamGrants(role api.Role) bool {
	for _, r := range api.TeamGrantRoles {
		if r == role {
			return true
		}
	}
	return false
}

// teamIdentity: the API addresses a team by its organization and slug, which never changes.
var teamIdentity = resourceIdentity{
	kind: "team",
	attrs: []identityAttribute{
		{name: "organization_id", description: "The id of the organization the team belongs to."},
		{name: "slug", description: "The team's slug."},
	},
	importHelp:   "A team imports by `<organization_id>/<team slug>` (the slug, as orgs_teams shows it, not the name).",
	quoteKey:     true,
	lookalikes:   teamLookalikes,
	activityType: "team", // by slug
}

// teamLookalikes: a team given by its name or id instead of its slug.
func teamLookalikes(ctx context.Context, pd *providerData, orgID, given string) []string {
	teams, err := pd.listings.Teams.All(ctx, orgID)
	if err != nil {
		return nil
	}
	var out []string
	for _, t := range teams {
		if strings.EqualFold(t.Name, given) || t.ID == given {
			out = append(out, fmt.Sprintf("The team %q has slug %s: import it with id %q.", t.Name, t.Slug, orgID+"/"+t.Slug))
		}
	}
	return out
}

func (r *teamResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = teamIdentity.schema()
}

// ModifyPlan resolves the organization and says at plan time what the provider can know: environment
// roles of environments the organization does not have (an error), and a new team the organization's
// plan has no room for (a warning, as for a member without a seat: every destroy starts with a normal
// plan, in which an error for a create would block the destroy after a half-failed apply; the server
// refuses the team at apply in the same words).
func (r *teamResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.planOrganizationID(ctx, req, resp)
	if resp.Diagnostics.HasError() || resp.Plan.Raw.IsNull() || planChangesNothing(req, resp) || r.client == nil {
		return
	}
	var plan teamModel
	resp.Diagnostics.Append(resp.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || plan.OrganizationID.IsUnknown() {
		return
	}
	r.checkEnvironmentKeys(ctx, plan.OrganizationID.ValueString(), plan.EnvironmentRoles, resp)
	if req.State.Raw.IsNull() {
		r.warnOverTeamLimit(ctx, plan, resp)
	}
}

// warnOverTeamLimit warns, at plan time, of a new team the organization's plan has no room for,
// counting the teams it has (its usage, read once per organization per run) and every team this plan
// creates in it.
func (r *teamResource) warnOverTeamLimit(ctx context.Context, plan teamModel, resp *resource.ModifyPlanResponse) {
	orgID := plan.OrganizationID.ValueString()
	usage, err := r.usage(ctx, orgID)
	if err != nil {
		tflog.Debug(ctx, "could not read the organization's usage to check its team limit at plan time", map[string]any{"error": err.Error()})
		return
	}
	var used, limit int64 = 0, -1
	found := false
	for _, q := range usage.Quantities {
		if q.Name == api.QuantityTeams {
			used, limit, found = q.Used, q.Limit, true
		}
	}
	if !found {
		return // a server that does not count teams
	}
	planName := usage.Plan
	if next, ok := r.plannedPlans.Load(orgID); ok {
		// The same run changes the organization's plan first (the team refers to it): count its limit.
		if p, isPlan := next.(api.Plan); isPlan {
			planName, limit = p, api.PlanLimits[p].Quantity(api.QuantityTeams)
		}
	}
	creating := r.plannedTeams.add(orgID, strings.ToLower(plan.Name.ValueString()))
	if used+creating <= limit {
		return
	}
	also := ""
	if creating > 1 {
		also = fmt.Sprintf(", and this plan creates %s", api.CountOf(creating, "new team"))
	}
	// The server's words for its refusal, so the plan and the apply say the same.
	resp.Diagnostics.AddAttributeWarning(path.Root("name"), "No team left: the apply will refuse this team",
		fmt.Sprintf("In organization %s, plan %q allows at most %d teams; the organization has %d%s, so team %q cannot be created. %s",
			orgID, planName, limit, used, also, plan.Name.ValueString(), planThatFitsTeams(used+creating)))
}

// planThatFitsTeams names the smallest plan that allows teams teams.
func planThatFitsTeams(teams int64) string {
	for _, p := range api.Plans {
		if limit := api.PlanLimits[p].Quantity(api.QuantityTeams); limit >= teams {
			return fmt.Sprintf("Plan %q allows %s: change the organization's plan first.", p, api.CountOf(limit, "team"))
		}
	}
	return "No plan allows that many teams."
}

func (r *teamResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan teamModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts, opCreate, &resp.Diagnostics)
	defer cancel()
	orgID := plan.OrganizationID.ValueString()
	envRoles, diags := r.environmentRolesByID(ctx, orgID, plan.EnvironmentRoles)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	create := api.TeamCreate{
		Name:             plan.Name.ValueString(),
		Description:      plan.Description.ValueString(),
		Role:             api.Role(plan.Role.ValueString()),
		EnvironmentRoles: envRoles,
	}
	if !plan.Slug.IsUnknown() && !plan.Slug.IsNull() {
		create.Slug = plan.Slug.ValueString()
	}
	team, err := r.client.CreateTeam(ctx, orgID, create)
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("create team %q in organization %s", plan.Name.ValueString(), orgID), err)
		return
	}
	r.setRefreshed(ctx, plan, team, &resp.State, resp.Identity, &resp.Diagnostics)
}

func (r *teamResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state teamModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts, opRead, &resp.Diagnostics)
	defer cancel()
	team, err := r.listings.Teams.Get(ctx, state.OrganizationID.ValueString(), state.Slug.ValueString())
	if err != nil {
		teamIdentity.removeIfNotFound(ctx, r.providerData, err, req, resp)
		return
	}
	refreshed, diags := r.refreshed(ctx, state, team)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	teamIdentity.refreshed(ctx, r.providerData, state, refreshed, resp)
}

func (r *teamResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state teamModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts, opUpdate, &resp.Diagnostics)
	defer cancel()
	orgID, slug := state.OrganizationID.ValueString(), state.Slug.ValueString()
	update := api.TeamUpdate{
		Name:        changedString(plan.Name, state.Name),
		Description: changedString(plan.Description, state.Description),
	}
	if !plan.Role.Equal(state.Role) {
		// A null role removes the grant: the API's "".
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
	team, err := r.client.UpdateTeam(ctx, orgID, slug, update)
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("update team %s of organization %s", slug, orgID), err)
		return
	}
	r.setRefreshed(ctx, plan, team, &resp.State, resp.Identity, &resp.Diagnostics)
}

func (r *teamResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state teamModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts, opDelete, &resp.Diagnostics)
	defer cancel()
	orgID, slug := state.OrganizationID.ValueString(), state.Slug.ValueString()
	err := r.client.DeleteTeam(ctx, orgID, slug)
	if err != nil && !client.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("delete team %s of organization %s", slug, orgID), err)
	}
}

func (r *teamResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	teamIdentity.importState(ctx, req, resp)
}

// refreshed is the state of the team the server returned, from the plan or state before it, with its
// environment roles keyed as that prior keys them (by slug after an import).
func (r *teamResource) refreshed(ctx context.Context, prior teamModel, t *api.Team) (teamModel, diag.Diagnostics) {
	keyed, diags := r.environmentKeys(ctx, t.OrganizationID, prior.EnvironmentRoles, t.EnvironmentRoles)
	if diags.HasError() {
		return teamModel{}, diags
	}
	rekeyed := *t
	rekeyed.EnvironmentRoles = keyed
	return teamState(&rekeyed, prior.Timeouts), diags
}

// setRefreshed writes the refreshed state of t, from the plan, and its identity.
func (r *teamResource) setRefreshed(ctx context.Context, plan teamModel, t *api.Team, state *tfsdk.State, identity *tfsdk.ResourceIdentity, diags *diag.Diagnostics) {
	refreshed, d := r.refreshed(ctx, plan, t)
	diags.Append(d...)
	if diags.HasError() {
		return
	}
	diags.Append(state.Set(ctx, refreshed)...)
	diags.Append(teamIdentity.set(ctx, *state, identity)...)
}

// teamState is the state of a team as the server holds it, its environment roles keyed as given. No
// grant (the API's "") is a null role, as a configuration that leaves it out has it.
func teamState(t *api.Team, to timeouts.Value) teamModel {
	role := types.StringNull()
	if t.Role != "" {
		role = types.StringValue(string(t.Role))
	}
	roles := make(map[string]attr.Value, len(t.EnvironmentRoles))
	for env, r := range t.EnvironmentRoles {
		roles[env] = types.StringValue(string(r))
	}
	return teamModel{
		ID:               types.StringValue(t.ID),
		OrganizationID:   types.StringValue(t.OrganizationID),
		Name:             types.StringValue(t.Name),
		Slug:             types.StringValue(t.Slug),
		Description:      types.StringValue(t.Description),
		Role:             role,
		EnvironmentRoles: types.MapValueMust(types.StringType, roles),
		Timeouts:         to,
	}
}

// withEnvironmentSlugs is teams with their environment roles keyed by slug, for generated configuration.
func (d *providerData) teamsWithEnvironmentSlugs(ctx context.Context, orgID string, teams []api.Team) ([]api.Team, error) {
	out := make([]api.Team, len(teams))
	for i, t := range teams {
		keyed, diags := d.environmentKeys(ctx, orgID, types.MapNull(types.StringType), t.EnvironmentRoles)
		if diags.HasError() {
			return nil, fmt.Errorf("key the environment roles of team %s by slug: %s", t.Slug, diags.Errors()[0].Detail())
		}
		t.EnvironmentRoles = keyed
		out[i] = t
	}
	return out, nil
}
