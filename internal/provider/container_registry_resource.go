package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
)

var (
	_ resource.Resource                   = (*containerRegistryResource)(nil)
	_ resource.ResourceWithConfigure      = (*containerRegistryResource)(nil)
	_ resource.ResourceWithImportState    = (*containerRegistryResource)(nil)
	_ resource.ResourceWithValidateConfig = (*containerRegistryResource)(nil)
)

// NewContainerRegistryResource is the constructor the provider registers for orgs_container_registry.
func NewContainerRegistryResource() resource.Resource { return &containerRegistryResource{} }

type containerRegistryResource struct {
	resourceBase
}

type containerRegistryModel struct {
	ID              types.String `tfsdk:"id"`
	OrganizationID  types.String `tfsdk:"organization_id"`
	Name            types.String `tfsdk:"name"`
	Kind            types.String `tfsdk:"kind"`
	URL             types.String `tfsdk:"url"`
	Description     types.String `tfsdk:"description"`
	Username        types.String `tfsdk:"username"`
	Password        types.String `tfsdk:"password"`
	AccessKeyID     types.String `tfsdk:"access_key_id"`
	SecretAccessKey types.String `tfsdk:"secret_access_key"`
}

// Credential attribute names, grouped by how a kind authenticates. A later write-only password_wo /
// secret_access_key_wo pair joins these as an alternative to the secret in its group.
var (
	registryUserCredentials = []string{"username", "password"}
	registryKeyCredentials  = []string{"access_key_id", "secret_access_key"}
)

func (r *containerRegistryResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_container_registry"
}

func (r *containerRegistryResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Credentials the platform uses to pull images from a container registry.\n\n" +
			"Kind `ecr` authenticates with `access_key_id` and `secret_access_key`; every other kind with `username` and `password`. " +
			"The API never returns the secrets (`password`, `secret_access_key`): the provider keeps what it last sent, " +
			"so a change made outside Terraform is not detected, and an imported registry plans to set them once.\n\n" +
			"Import with `<organization_id>/<registry_id>`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The registry's id.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"organization_id": schema.StringAttribute{
				MarkdownDescription: "The organization the registry belongs to. Changing it replaces the registry.",
				Required:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "A name for the registry, 1 to 100 characters.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 100)},
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
					stringvalidator.LengthAtMost(2048),
					httpURL(),
				},
			},
			"description": schema.StringAttribute{
				MarkdownDescription: "What the registry is for, at most 1000 characters. Defaults to `\"\"`.",
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(""),
				Validators:          []validator.String{stringvalidator.LengthAtMost(1000)},
			},
			"username": schema.StringAttribute{
				MarkdownDescription: "The user name to log in with. Required for every kind but `ecr`, where it must be absent.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 256)},
			},
			"password": schema.StringAttribute{
				MarkdownDescription: "The password or access token for `username`. Required for every kind but `ecr`, where it must be absent. " +
					"Never returned by the API.",
				Optional:   true,
				Sensitive:  true,
				Validators: []validator.String{stringvalidator.LengthBetween(1, 4096)},
			},
			"access_key_id": schema.StringAttribute{
				MarkdownDescription: "The access key id. Required for kind `ecr`, absent for every other kind.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 256)},
			},
			"secret_access_key": schema.StringAttribute{
				MarkdownDescription: "The secret access key for `access_key_id`. Required for kind `ecr`, absent for every other kind. " +
					"Never returned by the API.",
				Optional:   true,
				Sensitive:  true,
				Validators: []validator.String{stringvalidator.LengthBetween(1, 4096)},
			},
		},
	}
}

// ValidateConfig checks that the credentials match the kind, at plan time, naming the attribute at fault.
func (r *containerRegistryResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var kind types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("kind"), &kind)...)
	if resp.Diagnostics.HasError() || kind.IsNull() || kind.IsUnknown() {
		return
	}
	k := api.RegistryKind(kind.ValueString())
	required, forbidden := registryUserCredentials, registryKeyCredentials
	if k.UsesAccessKeys() {
		required, forbidden = registryKeyCredentials, registryUserCredentials
	}
	for _, name := range required {
		var v types.String
		resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root(name), &v)...)
		if v.IsNull() {
			resp.Diagnostics.AddAttributeError(path.Root(name), "Missing registry credential",
				fmt.Sprintf("A registry of kind %q authenticates with %s: set %s.", k, strings.Join(required, " and "), name))
		}
	}
	for _, name := range forbidden {
		var v types.String
		resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root(name), &v)...)
		if !v.IsNull() {
			resp.Diagnostics.AddAttributeError(path.Root(name), "Credential does not apply to this kind",
				fmt.Sprintf("A registry of kind %q authenticates with %s, not %s: remove %s.",
					k, strings.Join(required, " and "), strings.Join(forbidden, " and "), name))
		}
	}
}

func (r *containerRegistryResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan containerRegistryModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	reg, err := r.client.CreateContainerRegistry(ctx, plan.OrganizationID.ValueString(), api.ContainerRegistryCreate{
		Name:            plan.Name.ValueString(),
		Kind:            api.RegistryKind(plan.Kind.ValueString()),
		URL:             plan.URL.ValueString(),
		Description:     plan.Description.ValueString(),
		Username:        plan.Username.ValueString(),
		Password:        plan.Password.ValueString(),
		AccessKeyID:     plan.AccessKeyID.ValueString(),
		SecretAccessKey: plan.SecretAccessKey.ValueString(),
	})
	if err != nil {
		addAPIError(&resp.Diagnostics, "create container registry", err)
		return
	}
	plan.fill(reg)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *containerRegistryResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state containerRegistryModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	reg, err := r.client.GetContainerRegistry(ctx, state.OrganizationID.ValueString(), state.ID.ValueString())
	if err != nil {
		removeIfNotFound(ctx, err, resp)
		return
	}
	// Password and SecretAccessKey stay as they are in state: the API never returns them.
	state.fill(reg)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *containerRegistryResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state containerRegistryModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// A PATCH of what changed only, so an unchanged secret is not sent again.
	var update api.ContainerRegistryUpdate
	update.Name = changedString(plan.Name, state.Name)
	update.URL = changedString(plan.URL, state.URL)
	update.Description = changedString(plan.Description, state.Description)
	update.Username = changedString(plan.Username, state.Username)
	update.Password = changedString(plan.Password, state.Password)
	update.AccessKeyID = changedString(plan.AccessKeyID, state.AccessKeyID)
	update.SecretAccessKey = changedString(plan.SecretAccessKey, state.SecretAccessKey)
	reg, err := r.client.UpdateContainerRegistry(ctx, plan.OrganizationID.ValueString(), state.ID.ValueString(), update)
	if err != nil {
		addAPIError(&resp.Diagnostics, "update container registry", err)
		return
	}
	plan.fill(reg)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *containerRegistryResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state containerRegistryModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	err := r.client.DeleteContainerRegistry(ctx, state.OrganizationID.ValueString(), state.ID.ValueString())
	if err != nil && !client.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, "delete container registry", err)
	}
}

func (r *containerRegistryResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importCompositeID(ctx, req, resp, path.Root("organization_id"), path.Root("id"))
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

// optionalString maps the API's "" (not set) to null, as an absent optional argument is in the plan.
func optionalString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}
