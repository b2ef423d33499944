package provider

import (
	"context"
	"fmt"
	"maps"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
)

var (
	_ resource.Resource                   = (*containerRegistryResource)(nil)
	_ resource.ResourceWithConfigure      = (*containerRegistryResource)(nil)
	_ resource.ResourceWithImportState    = (*containerRegistryResource)(nil)
	_ resource.ResourceWithIdentity       = (*containerRegistryResource)(nil)
	_ resource.ResourceWithValidateConfig = (*containerRegistryResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*containerRegistryResource)(nil)
	_ resource.ResourceWithUpgradeState   = (*containerRegistryResource)(nil)
)

// NewContainerRegistryResource is the constructor the provider registers for orgs_container_registry.
func NewContainerRegistryResource() resource.Resource { return &containerRegistryResource{} }

type containerRegistryResource struct {
	resourceBase
}

type containerRegistryModel struct {
	ID              types.String   `tfsdk:"id"`
	OrganizationID  types.String   `tfsdk:"organization_id"`
	Name            types.String   `tfsdk:"name"`
	Kind            types.String   `tfsdk:"kind"`
	URL             types.String   `tfsdk:"url"`
	Description     types.String   `tfsdk:"description"`
	Username        types.String   `tfsdk:"username"`
	Password        types.String   `tfsdk:"password"`
	AccessKeyID     types.String   `tfsdk:"access_key_id"`
	SecretAccessKey types.String   `tfsdk:"secret_access_key"`
	SecretWO        types.String   `tfsdk:"secret_wo"`
	SecretWOVersion types.Int64    `tfsdk:"secret_wo_version"`
	Timeouts        timeouts.Value `tfsdk:"timeouts"`
}

// registryCredentials names the arguments of one way to authenticate: an identity, and a secret given
// as a sensitive argument (kept in state). Every kind may give its secret write-only instead, in the
// one secret_wo (never stored) with the version that says when to send it: one attribute for all
// kinds, because the CLIs show every write-only attribute in every plan, whether it is set or not, and
// a plan must show only what its kind uses.
type registryCredentials struct {
	identity, secret string
}

const (
	registrySecretWO        = "secret_wo"
	registrySecretWOVersion = "secret_wo_version"
)

var (
	registryUserCredentials = registryCredentials{"username", "password"}
	registryKeyCredentials  = registryCredentials{"access_key_id", "secret_access_key"}
)

func (c registryCredentials) names() []string { return []string{c.identity, c.secret} }

func (c registryCredentials) String() string {
	return fmt.Sprintf("%s and %s (or %s)", c.identity, c.secret, registrySecretWO)
}

func (r *containerRegistryResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_container_registry"
}

func (r *containerRegistryResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		// Version 1: one write-only secret_wo for every kind, instead of password_wo and secret_access_key_wo.
		Version: 1,
		Blocks:  map[string]schema.Block{"timeouts": timeoutsBlock(true)},
		MarkdownDescription: "Credentials the platform uses to pull images from a container registry.\n\n" +
			"Kind `ecr` authenticates with `access_key_id` and `secret_access_key`; every other kind with `username` and `password`. " +
			"The secret can instead be given write-only, whatever the kind, as `secret_wo` (Terraform or OpenTofu 1.11 and later), " +
			"which keeps it out of the state and the plan: the provider sends it on create, and again whenever `secret_wo_version` changes.\n\n" +
			"The API never returns the secrets: the provider keeps what it last sent of `password` and `secret_access_key`, " +
			"so a change made outside Terraform is not detected, and an imported registry plans to set them once.\n\n" +
			"Import with `<organization_id>/<registry_id>`, or by identity (`organization_id` and `id`) with OpenTofu or Terraform 1.12 and later.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The registry's id.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"organization_id": organizationIDAttribute("The organization the registry belongs to."),
			"name": schema.StringAttribute{
				MarkdownDescription: "A name for the registry, 1 to 100 characters.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.UTF8LengthBetween(1, 100)},
			},
			"kind": schema.StringAttribute{
				MarkdownDescription: "The kind of registry: " + markdownList(api.RegistryKinds) + ". Changing it replaces the registry.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.OneOf(stringsOf(api.RegistryKinds)...)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"url": schema.StringAttribute{
				MarkdownDescription: "The registry's address, an absolute `http` or `https` URL.",
				Required:            true,
				Validators: []validator.String{
					stringvalidator.UTF8LengthAtMost(2048),
					httpURL(),
				},
			},
			"description": schema.StringAttribute{
				MarkdownDescription: "What the registry is for, at most 1000 characters. Defaults to `\"\"`.",
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(""),
				Validators:          []validator.String{stringvalidator.UTF8LengthAtMost(1000)},
			},
			"username": schema.StringAttribute{
				MarkdownDescription: "The user name to log in with. Required for every kind but `ecr`, where it must be absent.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.UTF8LengthBetween(1, 256)},
			},
			"password": schema.StringAttribute{
				MarkdownDescription: "The password or access token for `username`. Every kind but `ecr` needs it or `secret_wo`; `ecr` takes neither. " +
					"Never returned by the API, but kept in the state: with Terraform or OpenTofu 1.11 and later, prefer `secret_wo`.",
				Optional:  true,
				Sensitive: true,
				Validators: []validator.String{
					stringvalidator.UTF8LengthBetween(1, 4096),
					stringvalidator.ConflictsWith(path.MatchRoot(registrySecretWO)),
					stringvalidator.PreferWriteOnlyAttribute(path.MatchRoot(registrySecretWO)),
				},
			},
			"access_key_id": schema.StringAttribute{
				MarkdownDescription: "The access key id. Required for kind `ecr`, absent for every other kind.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.UTF8LengthBetween(1, 256)},
			},
			"secret_access_key": schema.StringAttribute{
				MarkdownDescription: "The secret access key for `access_key_id`. Kind `ecr` needs it or `secret_wo`; every other kind takes neither. " +
					"Never returned by the API, but kept in the state: with Terraform or OpenTofu 1.11 and later, prefer `secret_wo`.",
				Optional:  true,
				Sensitive: true,
				Validators: []validator.String{
					stringvalidator.UTF8LengthBetween(1, 4096),
					stringvalidator.ConflictsWith(path.MatchRoot(registrySecretWO)),
					stringvalidator.PreferWriteOnlyAttribute(path.MatchRoot(registrySecretWO)),
				},
			},
			registrySecretWO: schema.StringAttribute{
				MarkdownDescription: "The kind's secret, write-only (Terraform or OpenTofu 1.11 and later): the password for `username`, or for kind `ecr` the secret access key. " +
					"Instead of `password` or `secret_access_key`: never stored in the state or the plan, and it may come from an ephemeral value. " +
					"Sent when the registry is created and whenever `secret_wo_version` changes; changing only this value sends nothing.",
				Optional:   true,
				Sensitive:  true,
				WriteOnly:  true,
				Validators: []validator.String{stringvalidator.UTF8LengthBetween(1, 4096)},
			},
			registrySecretWOVersion: schema.Int64Attribute{
				MarkdownDescription: "A version of `secret_wo`, only with it. The provider cannot tell a new write-only secret from the old one, " +
					"so change this (for example, add one) whenever `secret_wo` changes, to send it. Any change sends it: setting it after an import sends it once.",
				Optional: true,
			},
		},
	}
}

// containerRegistryIdentity: the API addresses a registry by organization and id.
var containerRegistryIdentity = resourceIdentity{
	kind:         "container registry",
	activityType: "container_registry",
	attrs: []identityAttribute{
		{name: "organization_id", description: "The id of the organization the registry belongs to."},
		{name: "id", description: "The container registry's id."},
	},
	importHelp: "A container registry imports by `<organization_id>/<registry_id>` (the id starts with reg_), not by its name.",
	lookalikes: lookalikesByName("container registry", func(ctx context.Context, pd *providerData, orgID string) ([]api.ContainerRegistry, error) {
		return pd.listings.ContainerRegistries.All(ctx, orgID)
	}, func(r api.ContainerRegistry) string { return r.ID },
		match[api.ContainerRegistry]{"named", func(r api.ContainerRegistry, given string) bool { return r.Name == given }}),
}

func (r *containerRegistryResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = containerRegistryIdentity.schema()
}

// ValidateConfig checks that the credentials match the kind, at plan time, naming the attribute at fault.
// A secret given both ways is the schema's ConflictsWith error. Whether the secret itself is there is
// ModifyPlan's question: only a create needs it.
func (r *containerRegistryResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	k, own, other, ok := registryCredentialsInConfig(ctx, req.Config, &resp.Diagnostics)
	if !ok {
		return
	}
	set := func(name string) bool { return configSet(ctx, req.Config, name, &resp.Diagnostics) }
	if !set(own.identity) {
		resp.Diagnostics.AddAttributeError(path.Root(own.identity), "Missing registry credential",
			fmt.Sprintf("A registry of kind %q authenticates with %s: set %s.", k, own, own.identity))
	}
	if set(registrySecretWOVersion) && !set(registrySecretWO) {
		resp.Diagnostics.AddAttributeError(path.Root(registrySecretWOVersion), "Write-only version without its value",
			fmt.Sprintf("%s is the version of %s and applies only with it: set %s, or remove %s.",
				registrySecretWOVersion, registrySecretWO, registrySecretWO, registrySecretWOVersion))
	}
	for _, name := range other.names() {
		if set(name) {
			resp.Diagnostics.AddAttributeError(path.Root(name), "Credential does not apply to this kind",
				fmt.Sprintf("A registry of kind %q authenticates with %s, not %s and %s: remove %s.", k, own, other.identity, other.secret, name))
		}
	}
}

// ModifyPlan refuses, at plan time, to create a registry without its secret. Only a create (or a
// replacement) needs one: the API never returns a secret, so an imported registry, and the
// configuration generated for it, has none, and the registry keeps the secret the server holds until
// the configuration gives a new one.
func (r *containerRegistryResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.planOrganizationID(ctx, req, resp)
	if req.Plan.Raw.IsNull() || resp.Diagnostics.HasError() || (!req.State.Raw.IsNull() && !replacing(ctx, req, resp)) {
		return
	}
	k, own, _, ok := registryCredentialsInConfig(ctx, req.Config, &resp.Diagnostics)
	if !ok {
		return
	}
	if !configSet(ctx, req.Config, own.secret, &resp.Diagnostics) && !configSet(ctx, req.Config, registrySecretWO, &resp.Diagnostics) {
		resp.Diagnostics.AddAttributeError(path.Root(own.secret), "Missing registry credential",
			fmt.Sprintf("A new registry of kind %q needs its secret: set %s, or %s to keep it out of the state. "+
				"(A registry that already exists, such as an imported one, keeps the secret the server holds and needs none here.)",
				k, own.secret, registrySecretWO))
	}
}

// registryCredentialsInConfig returns the configured kind and the credentials it uses and does not use;
// ok is false while the kind is not known yet.
func registryCredentialsInConfig(ctx context.Context, config tfsdk.Config, diags *diag.Diagnostics) (k api.RegistryKind, own, other registryCredentials, ok bool) {
	var kind types.String
	diags.Append(config.GetAttribute(ctx, path.Root("kind"), &kind)...)
	if diags.HasError() || kind.IsNull() || kind.IsUnknown() {
		return "", own, other, false
	}
	k = api.RegistryKind(kind.ValueString())
	if k.UsesAccessKeys() {
		return k, registryKeyCredentials, registryUserCredentials, true
	}
	return k, registryUserCredentials, registryKeyCredentials, true
}

// configSet says whether the configuration sets an attribute; unknown counts as set, since it will be
// a value at apply.
func configSet(ctx context.Context, config tfsdk.Config, name string, diags *diag.Diagnostics) bool {
	var v attr.Value
	diags.Append(config.GetAttribute(ctx, path.Root(name), &v)...)
	return v != nil && !v.IsNull()
}

func (r *containerRegistryResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan, config containerRegistryModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	// Write-only values are null in the plan: only the configuration has them.
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts, opCreate, &resp.Diagnostics)
	defer cancel()
	kind := api.RegistryKind(plan.Kind.ValueString())
	create := api.ContainerRegistryCreate{
		Name:            plan.Name.ValueString(),
		Kind:            kind,
		URL:             plan.URL.ValueString(),
		Description:     plan.Description.ValueString(),
		Username:        plan.Username.ValueString(),
		Password:        plan.Password.ValueString(),
		AccessKeyID:     plan.AccessKeyID.ValueString(),
		SecretAccessKey: plan.SecretAccessKey.ValueString(),
	}
	// The validation let the secret be given one way only.
	if !config.SecretWO.IsNull() {
		*kindSecret(kind, &create.Password, &create.SecretAccessKey) = config.SecretWO.ValueString()
	}
	reg, err := r.client.CreateContainerRegistry(ctx, plan.OrganizationID.ValueString(), create)
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("create container registry %q in organization %s", plan.Name.ValueString(), plan.OrganizationID.ValueString()), err)
		return
	}
	plan.fill(reg)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(containerRegistryIdentity.set(ctx, resp.State, resp.Identity)...)
}

func (r *containerRegistryResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state containerRegistryModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts, opRead, &resp.Diagnostics)
	defer cancel()
	reg, err := r.listings.ContainerRegistries.Get(ctx, state.OrganizationID.ValueString(), state.ID.ValueString())
	if err != nil {
		containerRegistryIdentity.removeIfNotFound(ctx, r.providerData, err, req, resp)
		return
	}
	// Password and SecretAccessKey stay as they are in state: the API never returns them.
	prior := state
	state.fill(reg)
	containerRegistryIdentity.refreshed(ctx, r.providerData, prior, state, resp)
}

func (r *containerRegistryResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state, config containerRegistryModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts, opUpdate, &resp.Diagnostics)
	defer cancel()
	// A PATCH of what changed only, so an unchanged secret is not sent again.
	var update api.ContainerRegistryUpdate
	update.Name = changedString(plan.Name, state.Name)
	update.URL = changedString(plan.URL, state.URL)
	update.Description = changedString(plan.Description, state.Description)
	update.Username = changedString(plan.Username, state.Username)
	update.Password = secretToUpdate(plan.Password, state.Password)
	update.AccessKeyID = changedString(plan.AccessKeyID, state.AccessKeyID)
	update.SecretAccessKey = secretToUpdate(plan.SecretAccessKey, state.SecretAccessKey)
	// The write-only secret goes in the field of the registry's kind.
	if secret := changedWriteOnly(config.SecretWO, plan.SecretWOVersion, state.SecretWOVersion); secret != nil {
		*kindSecret(api.RegistryKind(plan.Kind.ValueString()), &update.Password, &update.SecretAccessKey) = secret
	}
	reg, err := r.client.UpdateContainerRegistry(ctx, plan.OrganizationID.ValueString(), state.ID.ValueString(), update)
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("update container registry %s of organization %s", state.ID.ValueString(), state.OrganizationID.ValueString()), err)
		return
	}
	plan.fill(reg)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(containerRegistryIdentity.set(ctx, resp.State, resp.Identity)...)
}

func (r *containerRegistryResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state containerRegistryModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts, opDelete, &resp.Diagnostics)
	defer cancel()
	err := r.client.DeleteContainerRegistry(ctx, state.OrganizationID.ValueString(), state.ID.ValueString())
	if err != nil && !client.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("delete container registry %s of organization %s", state.ID.ValueString(), state.OrganizationID.ValueString()), err)
	}
}

func (r *containerRegistryResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	containerRegistryIdentity.importState(ctx, req, resp)
}

// fill copies what the server returns; the secrets are not among it.
func (m *containerRegistryModel) fill(reg *api.ContainerRegistry) {
	m.ID = types.StringValue(reg.ID)
	m.OrganizationID = types.StringValue(reg.OrganizationID)
	m.Name = types.StringValue(reg.Name)
	m.Kind = types.StringValue(string(reg.Kind))
	m.URL = types.StringValue(reg.URL)
	m.Description = types.StringValue(reg.Description)
	m.Username = optionalString(reg.Username)
	m.AccessKeyID = optionalString(reg.AccessKeyID)
}

// kindSecret is the field of the kind's secret: the secret access key for kinds that use access keys,
// the password for the others.
func kindSecret[T any](kind api.RegistryKind, password, secretAccessKey *T) *T {
	if kind.UsesAccessKeys() {
		return secretAccessKey
	}
	return password
}

// secretToUpdate is the PATCH field for a sensitive secret argument: sent when it changed to a new
// value. When it left the configuration for secret_wo, the server keeps the secret it has (the kind
// still needs one) until secret_wo_version says otherwise.
func secretToUpdate(plan, state types.String) *string {
	if plan.IsNull() {
		return nil
	}
	return changedString(plan, state)
}

// optionalString maps the API's "" (not set) to null, as an absent optional argument is in the plan.
func optionalString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// UpgradeState takes a registry's state from version 0, which had a write-only secret and its version
// for each way to authenticate (password_wo, secret_access_key_wo), to one secret_wo: the version the
// state held stays, so a configuration whose write-only arguments are renamed plans no change and
// sends no secret.
func (r *containerRegistryResource) UpgradeState(context.Context) map[int64]resource.StateUpgrader {
	return map[int64]resource.StateUpgrader{0: {StateUpgrader: upgradeRegistryStateV0}}
}

func upgradeRegistryStateV0(ctx context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
	current, ok := resp.State.Schema.Type().TerraformType(ctx).(tftypes.Object)
	if !ok || req.RawState == nil {
		resp.Diagnostics.AddError("Cannot upgrade the registry's state", "The state or the schema is not an object. This is a bug in the provider; please report it.")
		return
	}
	// Version 0's type: this version's, with the four attributes it had instead of secret_wo and its version.
	v0 := maps.Clone(current.AttributeTypes)
	delete(v0, registrySecretWO)
	delete(v0, registrySecretWOVersion)
	for _, name := range []string{"password_wo", "secret_access_key_wo"} {
		v0[name], v0[name+"_version"] = tftypes.String, tftypes.Number
	}
	raw, err := req.RawState.Unmarshal(tftypes.Object{AttributeTypes: v0})
	var old map[string]tftypes.Value
	if err == nil {
		err = raw.As(&old)
	}
	if err != nil {
		resp.Diagnostics.AddError("Cannot upgrade the registry's state", fmt.Sprintf("Reading the state of version 0: %s. This is a bug in the provider; please report it.", err))
		return
	}
	values := make(map[string]tftypes.Value, len(current.AttributeTypes))
	for name := range current.AttributeTypes {
		if v, ok := old[name]; ok {
			values[name] = v
		}
	}
	values[registrySecretWO] = tftypes.NewValue(tftypes.String, nil)
	values[registrySecretWOVersion] = old["password_wo_version"]
	if values[registrySecretWOVersion].IsNull() {
		values[registrySecretWOVersion] = old["secret_access_key_wo_version"]
	}
	resp.State.Raw = tftypes.NewValue(current, values)
}
