package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
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
	_ resource.Resource                   = (*apiTokenResource)(nil)
	_ resource.ResourceWithConfigure      = (*apiTokenResource)(nil)
	_ resource.ResourceWithImportState    = (*apiTokenResource)(nil)
	_ resource.ResourceWithIdentity       = (*apiTokenResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*apiTokenResource)(nil)
	_ resource.ResourceWithValidateConfig = (*apiTokenResource)(nil)
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
	LastUsedAt     types.String   `tfsdk:"last_used_at"`
	Rotation       types.Object   `tfsdk:"rotation"`
	RotationDueAt  types.String   `tfsdk:"rotation_due_at"`
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
			"The API cannot change a token, so any change of `name`, `role` or `expires_at` replaces it (a new secret).\n\n" +
			"The secret is in `token`, known only to the run that creates the token. An imported token has no secret.\n\n" +
			"**Rotation.** With `rotation` the token lives `rotation.expire_after` and is replaced by the first plan " +
			"at or after `rotation_due_at`, `rotation.rotate_before` ahead of its end; until then plans show no change. " +
			"The replaced token keeps working for `rotation.overlap` after the new one exists, so that its consumers can " +
			"switch, and then stops. Due or not is decided on the server's clock (the `Date` of its responses), not the " +
			"machine's. `last_used_at` tells whether a token is still in use.\n\n" +
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
					"it must be in the future when the token is created. The token never expires when this and `rotation` are absent. " +
					"With `rotation`, leave it out: the provider sets it `rotation.expire_after` after the token's creation.",
				Optional: true,
				Computed: true,
				Validators: []validator.String{
					stringCheck{desc: "must be an RFC 3339 timestamp such as 2030-01-02T15:04:05Z", check: parseRFC3339},
					stringvalidator.ConflictsWith(path.MatchRoot("rotation")),
				},
				PlanModifiers: []planmodifier.String{
					expiresAtFromRotation{},
					// The same instant written another way (offset, precision; or as the API returns it after
					// an import) is no change, so it must not replace the token.
					sameInstantKeepsState(),
					stringplanmodifier.RequiresReplace(),
				},
			},
			"rotation": schema.SingleNestedAttribute{
				MarkdownDescription: "Replace the token on a schedule, without downtime: it lives `expire_after`, the first plan at or after " +
					"`rotation_due_at` (`rotate_before` ahead of its end) replaces it, and the replaced token keeps working for `overlap`. " +
					"Changing these settings never replaces the token by itself: `rotation_due_at` moves, and the token is replaced " +
					"when that is now or past.",
				Optional: true,
				Attributes: map[string]schema.Attribute{
					"expire_after": schema.StringAttribute{
						MarkdownDescription: "How long each token lives, as a duration such as `720h` (30 days): the token's `expires_at` is " +
							"this long after its creation. A token that existed before `rotation` was set ends at its own `expires_at` or this long " +
							"after its creation, whichever comes first.",
						Required:   true,
						Validators: []validator.String{durationAtLeast(time.Minute)},
					},
					"rotate_before": schema.StringAttribute{
						MarkdownDescription: "How long before the token's end the rotation is due, as a duration such as `168h` (7 days), " +
							"shorter than `expire_after`. Terraform must run in this window for the token to be replaced before it stops working.",
						Required:   true,
						Validators: []validator.String{durationOrZero()},
					},
					"overlap": schema.StringAttribute{
						MarkdownDescription: "How long a replaced or destroyed token keeps working, as a duration such as `1h`: `0s` (the default) " +
							"revokes it at once, otherwise at least `1m`. It never makes a token live past its own `expires_at`. " +
							"The provider cannot tell a rotation from a removal, so this applies to every destroy: to revoke a token at once, " +
							"set `overlap` to `0s` and apply before removing it.",
						Optional:   true,
						Validators: []validator.String{overlapDuration()},
					},
				},
			},
			"rotation_due_at": schema.StringAttribute{
				MarkdownDescription: "With `rotation`: when the token is due for replacement (RFC 3339), `rotation.rotate_before` ahead of its end. " +
					"A plan at or after this time replaces the token. Null without `rotation`.",
				Computed: true,
			},
			"last_used_at": schema.StringAttribute{
				MarkdownDescription: "When the token last authenticated a request (RFC 3339), null if never. The server records a token's use " +
					"at most once a minute, so it may be up to a minute behind. A refresh updates it; it never causes a change.",
				Computed:      true,
				PlanModifiers: stable,
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
	kind:         "API token",
	activityType: "api_token",
	attrs: []identityAttribute{
		{name: "organization_id", description: "The id of the organization the token belongs to."},
		{name: "id", description: "The token's id."},
	},
	importHelp: "An API token imports by `<organization_id>/<token_id>` (the id starts with tok_), not by its name.",
	lookalikes: lookalikesByName("API token", func(ctx context.Context, pd *providerData, orgID string) ([]api.APIToken, error) {
		return pd.listings.APITokens.All(ctx, orgID)
	}, func(t api.APIToken) string { return t.ID },
		match[api.APIToken]{"named", func(t api.APIToken, given string) bool { return t.Name == given }}),
}

func (r *apiTokenResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = apiTokenIdentity.schema()
}

func (r *apiTokenResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var config apiTokenModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	rot, known := config.rotation(ctx, &resp.Diagnostics)
	if rot == nil || !known {
		return
	}
	if rot.rotateBefore >= rot.expireAfter {
		resp.Diagnostics.AddAttributeError(path.Root("rotation").AtName("rotate_before"), "rotate_before is not shorter than expire_after",
			fmt.Sprintf("The rotation would be due as soon as the token exists: rotate_before (%s) must be shorter than expire_after (%s).", rot.rotateBefore, rot.expireAfter))
	}
}

// ModifyPlan refuses an expires_at in the past when the plan makes a new token (create or replace), and
// plans rotation: rotation_due_at, and a replacement once it is due.
//
// The expiry check is made at plan time rather than by a validator so that a token created with a date
// that has since passed still plans cleanly instead of failing every run.
func (r *apiTokenResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.planOrganizationID(ctx, req, resp)
	if req.Plan.Raw.IsNull() || resp.Diagnostics.HasError() {
		return // destroy
	}
	var plan apiTokenModel
	resp.Diagnostics.Append(resp.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var state *apiTokenModel
	if !req.State.Raw.IsNull() {
		state = &apiTokenModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	r.checkNewExpiry(plan, state, &resp.Diagnostics)
	r.planRotation(ctx, &plan, state, resp)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// checkNewExpiry refuses a configured expires_at that is not in the future for a new token.
func (r *apiTokenResource) checkNewExpiry(plan apiTokenModel, state *apiTokenModel, diags *diag.Diagnostics) {
	if plan.ExpiresAt.IsNull() || plan.ExpiresAt.IsUnknown() {
		return
	}
	if state != nil && plan.sameArguments(*state) {
		return // no new token: the date was accepted when this one was made
	}
	at, err := time.Parse(time.RFC3339, plan.ExpiresAt.ValueString())
	if err != nil {
		return // the validator reports it
	}
	if now := r.now(); !at.After(now) {
		diags.AddAttributeError(path.Root("expires_at"), "expires_at is not in the future",
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
	orgID := plan.OrganizationID.ValueString()
	create := api.APITokenCreate{Name: plan.Name.ValueString(), Role: api.Role(plan.Role.ValueString())}
	rot, _ := plan.rotation(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	switch {
	case rot != nil:
		// The token's life starts now by the server's clock.
		now, err := r.serverNow(ctx, orgID)
		if err != nil {
			addAPIError(&resp.Diagnostics, fmt.Sprintf("read the server's time to set the expiry of API token %q from rotation.expire_after", plan.Name.ValueString()), err)
			return
		}
		at := now.Add(rot.expireAfter).Truncate(time.Second)
		create.ExpiresAt = &at
	case !plan.ExpiresAt.IsNull() && !plan.ExpiresAt.IsUnknown():
		at, err := time.Parse(time.RFC3339, plan.ExpiresAt.ValueString())
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("expires_at"), "Invalid expires_at", err.Error())
			return
		}
		create.ExpiresAt = &at
	}
	token, err := r.client.CreateAPIToken(ctx, orgID, create)
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("create API token %q in organization %s", plan.Name.ValueString(), orgID), err)
		return
	}
	plan.fill(token)
	plan.setRotationDue(ctx, &resp.Diagnostics)
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
		apiTokenIdentity.removeIfNotFound(ctx, r.providerData, err, req, resp)
		return
	}
	// state.Token is left alone: the API never returns the secret again.
	prior := state
	state.fill(token)
	state.setRotationDue(ctx, &resp.Diagnostics)
	apiTokenIdentity.refreshed(ctx, r.providerData, prior, state, resp)
}

// Update changes only what the provider keeps for itself: the rotation settings (which move
// rotation_due_at) and the timeouts. Everything the API holds requires a replacement, since the API
// cannot change a token but to end it.
func (r *apiTokenResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state apiTokenModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// The values the server keeps are the state's; the plan may hold them unknown (null in the state).
	plan.Token, plan.LastUsedAt, plan.Active = state.Token, state.LastUsedAt, state.Active
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(apiTokenIdentity.set(ctx, resp.State, resp.Identity)...)
}

// Delete revokes the token, or, with a rotation overlap, ends it that long from now, so that its
// consumers can switch to its replacement (which the provider cannot tell from a removal).
func (r *apiTokenResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state apiTokenModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts, opDelete, &resp.Diagnostics)
	defer cancel()
	orgID, id := state.OrganizationID.ValueString(), state.ID.ValueString()
	if rot, known := state.rotation(ctx, &resp.Diagnostics); rot != nil && known && rot.overlap > 0 {
		if done := r.endAfterOverlap(ctx, orgID, id, rot.overlap, &resp.Diagnostics); done {
			return
		}
	}
	err := r.client.DeleteAPIToken(ctx, orgID, id)
	if err != nil && !client.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("delete API token %s of organization %s", id, orgID), err)
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
	m.LastUsedAt = types.StringNull()
	if t.LastUsedAt != nil {
		m.LastUsedAt = timeValue(*t.LastUsedAt)
	}
	if len(m.Rotation.AttributeTypes(context.Background())) == 0 {
		// A model built from the API alone (a listing, an import) has no rotation: that is configuration.
		m.Rotation = types.ObjectNull(apiTokenRotationTypes)
	}
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
