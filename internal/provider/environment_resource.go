package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
)

var (
	_ resource.Resource                = (*environmentResource)(nil)
	_ resource.ResourceWithConfigure   = (*environmentResource)(nil)
	_ resource.ResourceWithImportState = (*environmentResource)(nil)
	_ resource.ResourceWithIdentity    = (*environmentResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*environmentResource)(nil)
)

// NewEnvironmentResource is the constructor the provider registers for orgs_environment.
func NewEnvironmentResource() resource.Resource { return &environmentResource{} }

type environmentResource struct {
	resourceBase
}

type environmentModel struct {
	ID             types.String   `tfsdk:"id"`
	OrganizationID types.String   `tfsdk:"organization_id"`
	Name           types.String   `tfsdk:"name"`
	Slug           types.String   `tfsdk:"slug"`
	Status         types.String   `tfsdk:"status"`
	Default        types.Bool     `tfsdk:"default"`
	CreatedAt      types.String   `tfsdk:"created_at"`
	Timeouts       timeouts.Value `tfsdk:"timeouts"`
}

func (r *environmentResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_environment"
}

func (r *environmentResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	stable := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "An environment of an organization: a place where the platform's agents run. Give members a role in it with " +
			"`orgs_member.environment_roles`. The organization's plan limits how many environments it may have, " +
			"and every new organization already has one, its default environment, which counts against that limit.\n\n" +
			"The default environment can be imported and renamed, but the API never deletes it: destroying it only removes it from the state, with a warning.\n\n" +
			"Import with `<organization_id>/<environment_id>`, or by identity (`organization_id` and `id`) with OpenTofu or Terraform 1.12 and later.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The environment's id.",
				Computed:            true,
				PlanModifiers:       stable,
			},
			"organization_id": organizationIDAttribute("The organization the environment belongs to."),
			"name": schema.StringAttribute{
				MarkdownDescription: "The environment's name, 1 to 100 characters. Renaming keeps the environment and its slug.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.UTF8LengthBetween(1, 100)},
			},
			"slug": schema.StringAttribute{
				MarkdownDescription: "A short identifier, unique in the organization: lowercase letters, digits and `-`, at most 63 characters. " +
					"Derived from the name when left out (`Staging EU` becomes `staging-eu`, or `staging-eu-2` when that is taken). " +
					"The API cannot change a slug, so changing it replaces the environment.",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{stringCheck{desc: "must be a slug", check: api.ValidateSlug}},
				// Left out, the server's slug stays: renaming does not change it.
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplace()},
			},
			"status": schema.StringAttribute{
				MarkdownDescription: "The agent's connection: `connected` (healthy) or `disconnected` (needs debugging). " +
					"The environment's agent reports it; a new environment is `disconnected` until its agent connects.",
				Computed:      true,
				PlanModifiers: stable,
			},
			"default": schema.BoolAttribute{
				MarkdownDescription: "Whether this is the environment the organization was created with.",
				Computed:            true,
				PlanModifiers:       []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()},
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the environment was created (RFC 3339).",
				Computed:            true,
				PlanModifiers:       stable,
			},
		},
		Blocks: map[string]schema.Block{"timeouts": timeoutsBlock(true)},
	}
}

func (r *environmentResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.planOrganizationID(ctx, req, resp)
}

// environmentIdentity: the API addresses an environment by organization and id.
var environmentIdentity = resourceIdentity{
	kind:         "environment",
	activityType: "environment",
	attrs: []identityAttribute{
		{name: "organization_id", description: "The id of the organization the environment belongs to."},
		{name: "id", description: "The environment's id."},
	},
	importHelp: "An environment imports by `<organization_id>/<environment_id>` (the id starts with env_), not by its name or slug.",
	lookalikes: lookalikesByName("environment", func(ctx context.Context, pd *providerData, orgID string) ([]api.Environment, error) {
		return pd.listings.Environments.All(ctx, orgID)
	}, func(e api.Environment) string { return e.ID },
		match[api.Environment]{"with slug", func(e api.Environment, given string) bool { return e.Slug == given }},
		match[api.Environment]{"named", func(e api.Environment, given string) bool { return e.Name == given }}),
}

func (r *environmentResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = environmentIdentity.schema()
}

func (r *environmentResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan environmentModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts, opCreate, &resp.Diagnostics)
	defer cancel()
	create := api.EnvironmentCreate{Name: plan.Name.ValueString()}
	if !plan.Slug.IsUnknown() && !plan.Slug.IsNull() {
		create.Slug = plan.Slug.ValueString()
	}
	env, err := r.client.CreateEnvironment(ctx, plan.OrganizationID.ValueString(), create)
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("create environment %q in organization %s", plan.Name.ValueString(), plan.OrganizationID.ValueString()), err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, environmentState(env, plan.Timeouts))...)
	resp.Diagnostics.Append(environmentIdentity.set(ctx, resp.State, resp.Identity)...)
}

func (r *environmentResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state environmentModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts, opRead, &resp.Diagnostics)
	defer cancel()
	env, err := r.listings.Environments.Get(ctx, state.OrganizationID.ValueString(), state.ID.ValueString())
	if err != nil {
		environmentIdentity.removeIfNotFound(ctx, r.providerData, err, req, resp)
		return
	}
	environmentIdentity.refreshed(ctx, r.providerData, state, environmentState(env, state.Timeouts), resp)
}

// Update renames the environment: every other argument requires replacement, and the status is the
// agent's to report.
func (r *environmentResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state environmentModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts, opUpdate, &resp.Diagnostics)
	defer cancel()
	env, err := r.client.UpdateEnvironment(ctx, state.OrganizationID.ValueString(), state.ID.ValueString(), api.EnvironmentUpdate{
		Name: changedString(plan.Name, state.Name),
	})
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("rename environment %s of organization %s", state.ID.ValueString(), state.OrganizationID.ValueString()), err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, environmentState(env, plan.Timeouts))...)
	resp.Diagnostics.Append(environmentIdentity.set(ctx, resp.State, resp.Identity)...)
}

func (r *environmentResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state environmentModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts, opDelete, &resp.Diagnostics)
	defer cancel()
	if state.Default.ValueBool() {
		// The organization cannot be without it; it goes when the organization does.
		resp.Diagnostics.AddWarning("Default environment not deleted",
			fmt.Sprintf("Environment %s is the default environment of organization %s, which the API never deletes. "+
				"It was removed from the Terraform state only, and stays in the organization until the organization is deleted.",
				state.ID.ValueString(), state.OrganizationID.ValueString()))
		return
	}
	err := r.client.DeleteEnvironment(ctx, state.OrganizationID.ValueString(), state.ID.ValueString())
	if err != nil && !client.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("delete environment %s of organization %s", state.ID.ValueString(), state.OrganizationID.ValueString()), err)
	}
}

func (r *environmentResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	environmentIdentity.importState(ctx, req, resp)
}

// environmentState is the state of an environment the server returned, with the resource's timeouts.
func environmentState(e *api.Environment, t timeouts.Value) environmentModel {
	return environmentModel{
		Timeouts:       t,
		ID:             types.StringValue(e.ID),
		OrganizationID: types.StringValue(e.OrganizationID),
		Name:           types.StringValue(e.Name),
		Slug:           types.StringValue(e.Slug),
		Status:         types.StringValue(string(e.Status)),
		Default:        types.BoolValue(e.Default),
		CreatedAt:      timeValue(e.CreatedAt),
	}
}
