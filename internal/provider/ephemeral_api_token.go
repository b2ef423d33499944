package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
)

var (
	_ ephemeral.EphemeralResource              = (*apiTokenEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithConfigure = (*apiTokenEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithClose     = (*apiTokenEphemeralResource)(nil)
)

// DefaultEphemeralTokenLifetime is how long an ephemeral token lives when expires_in is not set. The
// token is revoked when the run ends; the expiry only bounds the life of one whose run never reached
// its end (a crash, a killed process), so it is short.
const DefaultEphemeralTokenLifetime = time.Hour

// ephemeralTokenPrivateKey is the private-data key under which Open leaves Close what it must revoke.
const ephemeralTokenPrivateKey = "token"

// NewAPITokenEphemeralResource is the constructor the provider registers for the ephemeral orgs_api_token.
func NewAPITokenEphemeralResource() ephemeral.EphemeralResource {
	return &apiTokenEphemeralResource{now: time.Now}
}

type apiTokenEphemeralResource struct {
	ephemeralBase
	// now is the clock expires_in counts from.
	now func() time.Time
}

type apiTokenEphemeralModel struct {
	OrganizationID types.String `tfsdk:"organization_id"`
	Name           types.String `tfsdk:"name"`
	Role           types.String `tfsdk:"role"`
	ExpiresIn      types.String `tfsdk:"expires_in"`
	ID             types.String `tfsdk:"id"`
	Token          types.String `tfsdk:"token"`
	ExpiresAt      types.String `tfsdk:"expires_at"`
}

// openedToken is what Close needs to revoke the token Open created. ExpiresAt is there so that a
// failed revocation can tell the user how long the token still works.
type openedToken struct {
	OrganizationID string    `json:"organization_id"`
	ID             string    `json:"id"`
	ExpiresAt      time.Time `json:"expires_at"`
}

func (r *apiTokenEphemeralResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_api_token"
}

func (r *apiTokenEphemeralResource) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An organization API token that lives for one run: it is created when the run needs it and revoked when the run ends, " +
			"so its secret is never written to the plan or the state. Use it to give a provider, a provisioner or a write-only argument " +
			"a credential of its own for the run.\n\n" +
			"Every run that needs the token (`plan` as well as `apply`) creates a new one and revokes it at its end. " +
			"The token also expires (`expires_in`, `" + shortDuration(DefaultEphemeralTokenLifetime) + "` by default), so a run that never reaches its end, " +
			"such as a crash, leaves nothing that works for long. It counts against the plan's token limit while it exists.",
		Attributes: map[string]schema.Attribute{
			"organization_id": ephemeralOrganizationIDAttribute(apiTokenArgs.organizationID),
			"name":            schema.StringAttribute{MarkdownDescription: apiTokenArgs.name, Required: true, Validators: apiTokenArgs.nameValidators},
			"role":            schema.StringAttribute{MarkdownDescription: apiTokenArgs.role, Required: true, Validators: apiTokenArgs.roleValidators},
			"expires_in": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("How long the token works after it is created, as a Go duration such as `30m` or `2h`. Defaults to `%s`. "+
					"The token is revoked when the run ends anyway; this bounds its life when the run never ends cleanly. "+
					"Choose more than the run takes: the API cannot extend a token. At least `1s`.", shortDuration(DefaultEphemeralTokenLifetime)),
				Optional:   true,
				Validators: []validator.String{durationAtLeast(time.Second)},
			},
			"id": schema.StringAttribute{
				MarkdownDescription: "The token's id (not its secret), as the organization's activity log records it.",
				Computed:            true,
			},
			"token": schema.StringAttribute{
				MarkdownDescription: "The secret, to send as `Authorization: Bearer <token>` (or to use as the orgs provider's `token`).",
				Computed:            true,
				Sensitive:           true,
			},
			"expires_at": schema.StringAttribute{
				MarkdownDescription: "When the token stops working if it has not been revoked before (RFC 3339).",
				Computed:            true,
			},
		},
	}
}

func (r *apiTokenEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var cfg apiTokenEphemeralModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	lifetime := DefaultEphemeralTokenLifetime
	if !cfg.ExpiresIn.IsNull() {
		d, err := parseDurationAtLeast(cfg.ExpiresIn.ValueString(), time.Second)
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("expires_in"), "Invalid expires_in", err.Error())
			return
		}
		lifetime = d
	}
	orgID := r.organizationID(cfg.OrganizationID, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	// Whole seconds, so that expires_at reads as the instant the server holds; rounded up, so the token
	// lives at least as long as asked and never expires in the past.
	expiresAt := r.now().Add(lifetime).UTC()
	if whole := expiresAt.Truncate(time.Second); whole.Before(expiresAt) {
		expiresAt = whole.Add(time.Second)
	}

	token, err := r.client.CreateAPIToken(ctx, orgID, api.APITokenCreate{
		Name:      cfg.Name.ValueString(),
		Role:      api.Role(cfg.Role.ValueString()),
		ExpiresAt: &expiresAt,
	})
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("create API token %q in organization %s", cfg.Name.ValueString(), orgID), err)
		return
	}
	opened := openedToken{OrganizationID: token.OrganizationID, ID: token.ID, ExpiresAt: expiresAt}
	if token.ExpiresAt != nil {
		opened.ExpiresAt = *token.ExpiresAt
	}

	cfg.ID = types.StringValue(token.ID)
	cfg.Token = types.StringValue(token.Token)
	cfg.ExpiresAt = timeValue(opened.ExpiresAt)
	private, err := json.Marshal(opened)
	if err != nil {
		resp.Diagnostics.AddError("Failed to record the API token for its revocation", err.Error())
	} else {
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, ephemeralTokenPrivateKey, private)...)
	}
	resp.Diagnostics.Append(resp.Result.Set(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		// Terraform closes only what opened successfully: nothing else would revoke this token.
		if err := r.client.DeleteAPIToken(ctx, opened.OrganizationID, opened.ID); err != nil && !client.IsNotFound(err) {
			addAPIError(&resp.Diagnostics, fmt.Sprintf("revoke API token %s of organization %s, just created", opened.ID, opened.OrganizationID), err)
		}
	}
}

func (r *apiTokenEphemeralResource) Close(ctx context.Context, req ephemeral.CloseRequest, resp *ephemeral.CloseResponse) {
	raw, diags := req.Private.GetKey(ctx, ephemeralTokenPrivateKey)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	var opened openedToken
	if raw == nil || json.Unmarshal(raw, &opened) != nil || opened.OrganizationID == "" || opened.ID == "" {
		resp.Diagnostics.AddError("Failed to revoke the ephemeral API token",
			"The provider lost track of the token it created for this run, so it cannot revoke it; the token stops working at its expiry. "+
				"To revoke it sooner, delete it from the organization's API tokens. This is a bug in the provider; please report it.")
		return
	}
	err := r.client.DeleteAPIToken(ctx, opened.OrganizationID, opened.ID)
	switch {
	case err == nil:
	case client.IsNotFound(err):
		// Deleted already, or with its organization (a run that destroys the organization): nothing left to revoke.
		tflog.Info(ctx, "ephemeral API token already gone", map[string]any{"organization_id": opened.OrganizationID, "id": opened.ID})
	default:
		d := apiErrorDiagnostic(fmt.Sprintf("revoke API token %s of organization %s", opened.ID, opened.OrganizationID), err)
		resp.Diagnostics.AddError(d.Summary(), fmt.Sprintf("%s\n\nThe token keeps working until %s unless it is deleted from organization %s.",
			d.Detail(), opened.ExpiresAt.UTC().Format(time.RFC3339), opened.OrganizationID))
	}
}

// shortDuration renders a duration the way a user writes it ("1h" rather than time's "1h0m0s").
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
