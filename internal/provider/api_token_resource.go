package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
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
	_ resource.Resource                = (*apiTokenResource)(nil)
	_ resource.ResourceWithConfigure   = (*apiTokenResource)(nil)
	_ resource.ResourceWithImportState = (*apiTokenResource)(nil)
	_ resource.ResourceWithIdentity    = (*apiTokenResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*apiTokenResource)(nil)
)

// NewAPITokenResource is the constructor the provider registers for orgs_api_token.
func NewAPITokenResource() resource.Resource { return &apiTokenResource{now: time.Now} }

type apiTokenResource struct {
	resourceBase
	// now is the clock expires_at is checked against at plan time.
	now func() time.Time
}

type apiTokenModel struct {
	ID             types.String   `tfsdk:"id"`
	OrganizationID types.String   `tfsdk:"organization_id"`
	Name           types.String   `tfsdk:"name"`
	Role           types.String   `tfsdk:"role"`
	ExpiresAt      types.String   `tfsdk:"expires_at"`
	CreatedAt      types.String   `tfsdk:"created_at"`
	CreatedBy      types.String   `tfsdk:"created_by"`
	Active         types.Bool     `tfsdk:"active"`
	Token          types.String   `tfsdk:"token"`
	Timeouts       timeouts.Value `tfsdk:"timeouts"`
}

func (r *apiTokenResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_api_token"
}

// apiTokenArgs are the arguments the managed and the ephemeral orgs_api_token share: one description
// and one set of rules for both.
var apiTokenArgs = struct {
	organizationID, name, role     string
	nameValidators, roleValidators []validator.String
}{
	organizationID: "The organization the token acts in.",
	name:           "A name saying what the token is for, 1 to 100 characters.",
	role:           "The role the token acts with: " + markdownList(api.TokenRoles) + ". A token is never an `owner`.",
	nameValidators: []validator.String{stringvalidator.UTF8LengthBetween(1, 100)},
	roleValidators: []validator.String{stringvalidator.OneOf(stringsOf(api.TokenRoles)...)},
}

func (r *apiTokenResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	stable := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		Blocks: map[string]schema.Block{"timeouts": timeoutsBlock(false)},
		MarkdownDescription: "An organization API token: a credential for automation that acts in one organization with one role. " +
			"The API cannot change a token, so any change replaces it (a new secret).\n\n" +
			"The secret is in `token`, known only to the run that creates the token. An imported token has no secret.\n\n" +
			"Import with `<organization_id>/<token_id>`, or by identity (`organization_id` and `id`) with OpenTofu or Terraform 1.12 and later.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The token's id (not its secret).",
				Computed:            true,
				PlanModifiers:       stable,
			},
			"organization_id": organizationIDAttribute(apiTokenArgs.organizationID),
			"name": schema.StringAttribute{
				MarkdownDescription: apiTokenArgs.name,
				Required:            true,
				Validators:          apiTokenArgs.nameValidators,
				PlanModifiers:       replace,
			},
			"role": schema.StringAttribute{
				MarkdownDescription: apiTokenArgs.role,
				Required:            true,
				Validators:          apiTokenArgs.roleValidators,
				PlanModifiers:       replace,
			},
			"expires_at": schema.StringAttribute{
				MarkdownDescription: "When the token stops working, as an RFC 3339 timestamp such as `2030-01-02T15:04:05Z`; " +
					"it must be in the future when the token is created. The token never expires when this is absent.",
				Optional:   true,
				Validators: []validator.String{stringCheck{desc: "must be an RFC 3339 timestamp such as 2030-01-02T15:04:05Z", check: parseRFC3339}},
				// The same instant written another way (offset, precision; or as the API returns it after
				// an import) is no change, so it must not replace the token.
				PlanModifiers: []planmodifier.String{sameInstantKeepsState(), stringplanmodifier.RequiresReplace()},
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the token was created (RFC 3339).",
				Computed:            true,
				PlanModifiers:       stable,
			},
			"created_by": schema.StringAttribute{
				MarkdownDescription: "The id of the user who created the token. While that user is not a member of the organization, the token is inactive.",
				Computed:            true,
				PlanModifiers:       stable,
			},
			"active": schema.BoolAttribute{
				MarkdownDescription: "Whether the token works now: false after it expires, or while its creator is not a member of the organization.",
				Computed:            true,
				// The server flips it (expiry, creator leaving); it is stable within a run.
				PlanModifiers: []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()},
			},
			"token": schema.StringAttribute{
				MarkdownDescription: "The secret, to send as `Authorization: Bearer <token>`. The API shows it only in the response " +
					"that creates the token, so it is known after create and null after import.",
				Computed:      true,
				Sensitive:     true,
				PlanModifiers: stable,
			},
		},
	}
}

// apiTokenIdentity: the API addresses a token by organization and id.
var apiTokenIdentity = resourceIdentity{
	{name: "organization_id", description: "The id of the organization the token belongs to."},
	{name: "id", description: "The token's id."},
}

func (r *apiTokenResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = apiTokenIdentity.schema()
}

// ModifyPlan refuses an expires_at in the past when the plan makes a new token (create or replace). It is
// a plan-time check rather than a validator so that a token created with a date that has since passed
// still plans cleanly instead of failing every run.
func (r *apiTokenResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.planOrganizationID(ctx, req, resp)
	if req.Plan.Raw.IsNull() || resp.Diagnostics.HasError() {
		return // destroy
	}
	var plan apiTokenModel
	resp.Diagnostics.Append(resp.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || plan.ExpiresAt.IsNull() || plan.ExpiresAt.IsUnknown() {
		return
	}
	if !req.State.Raw.IsNull() {
		var state apiTokenModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		if resp.Diagnostics.HasError() || plan.sameArguments(state) {
			return // no new token: the date was accepted when this one was made
		}
	}
	at, err := time.Parse(time.RFC3339, plan.ExpiresAt.ValueString())
	if err != nil {
		return // the validator reports it
	}
	if now := r.now(); !at.After(now) {
		resp.Diagnostics.AddAttributeError(path.Root("expires_at"), "expires_at is not in the future",
			fmt.Sprintf("A new token must expire after now (%s), but expires_at is %s. Choose a later time, or leave expires_at out for a token that never expires.",
				now.UTC().Format(time.RFC3339), plan.ExpiresAt.ValueString()))
	}
}

func (r *apiTokenResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan apiTokenModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts, opCreate, &resp.Diagnostics)
	defer cancel()
	create := api.APITokenCreate{Name: plan.Name.ValueString(), Role: api.Role(plan.Role.ValueString())}
	if !plan.ExpiresAt.IsNull() {
		at, err := time.Parse(time.RFC3339, plan.ExpiresAt.ValueString())
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("expires_at"), "Invalid expires_at", err.Error())
			return
		}
		create.ExpiresAt = &at
	}
	token, err := r.client.CreateAPIToken(ctx, plan.OrganizationID.ValueString(), create)
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("create API token %q in organization %s", plan.Name.ValueString(), plan.OrganizationID.ValueString()), err)
		return
	}
	plan.fill(token)
	// The one response that carries the secret.
	plan.Token = types.StringValue(token.Token)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(apiTokenIdentity.set(ctx, resp.State, resp.Identity)...)
}

func (r *apiTokenResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state apiTokenModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts, opRead, &resp.Diagnostics)
	defer cancel()
	token, err := r.listings.APITokens.Get(ctx, state.OrganizationID.ValueString(), state.ID.ValueString())
	if err != nil {
		apiTokenIdentity.removeIfNotFound(ctx, err, req, resp)
		return
	}
	// state.Token is left alone: the API never returns the secret again.
	state.fill(token)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	resp.Diagnostics.Append(apiTokenIdentity.set(ctx, resp.State, resp.Identity)...)
}

// Update cannot be reached: every argument requires replacement and every computed value keeps its
// state, so Terraform never plans an in-place change. resource.Resource requires the method.
func (r *apiTokenResource) Update(_ context.Context, _ resource.UpdateRequest, resp *resource.UpdateResponse) {
	resp.Diagnostics.AddError("Unexpected in-place update of an API token",
		"The API cannot change a token, so every change of orgs_api_token should replace it. This is a bug in the provider; please report it.")
}

func (r *apiTokenResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state apiTokenModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts, opDelete, &resp.Diagnostics)
	defer cancel()
	err := r.client.DeleteAPIToken(ctx, state.OrganizationID.ValueString(), state.ID.ValueString())
	if err != nil && !client.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("delete API token %s of organization %s", state.ID.ValueString(), state.OrganizationID.ValueString()), err)
	}
}

func (r *apiTokenResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	apiTokenIdentity.importState(ctx, req, resp)
}

// fill copies what the server returns; the secret is handled by the callers.
func (m *apiTokenModel) fill(t *api.APIToken) {
	m.ID = types.StringValue(t.ID)
	m.OrganizationID = types.StringValue(t.OrganizationID)
	m.Name = types.StringValue(t.Name)
	m.Role = types.StringValue(string(t.Role))
	m.CreatedAt = timeValue(t.CreatedAt)
	m.CreatedBy = types.StringValue(t.CreatedBy)
	m.Active = types.BoolValue(t.Active)
	switch {
	case t.ExpiresAt == nil:
		m.ExpiresAt = types.StringNull()
	case sameInstant(m.ExpiresAt, *t.ExpiresAt):
		// Keep the user's spelling (offset, precision) of the same instant, so it does not plan a replacement.
	default:
		m.ExpiresAt = types.StringValue(t.ExpiresAt.UTC().Format(time.RFC3339Nano))
	}
}

// sameArguments reports whether m and o ask for the same token; any difference means a replacement.
func (m apiTokenModel) sameArguments(o apiTokenModel) bool {
	return m.OrganizationID.Equal(o.OrganizationID) && m.Name.Equal(o.Name) && m.Role.Equal(o.Role) && m.ExpiresAt.Equal(o.ExpiresAt)
}

// sameInstant reports whether v holds an RFC 3339 timestamp of the instant at.
func sameInstant(v types.String, at time.Time) bool {
	if v.IsNull() || v.IsUnknown() {
		return false
	}
	parsed, err := time.Parse(time.RFC3339, v.ValueString())
	return err == nil && parsed.Equal(at)
}
