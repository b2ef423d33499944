package provider

import (
	"context"
	"fmt"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
)

var (
	_ resource.Resource                   = (*webhookResource)(nil)
	_ resource.ResourceWithConfigure      = (*webhookResource)(nil)
	_ resource.ResourceWithImportState    = (*webhookResource)(nil)
	_ resource.ResourceWithIdentity       = (*webhookResource)(nil)
	_ resource.ResourceWithValidateConfig = (*webhookResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*webhookResource)(nil)
)

// NewWebhookResource is the constructor the provider registers for orgs_webhook.
func NewWebhookResource() resource.Resource { return &webhookResource{} }

type webhookResource struct {
	resourceBase
}

type webhookModel struct {
	ID              types.String   `tfsdk:"id"`
	OrganizationID  types.String   `tfsdk:"organization_id"`
	URL             types.String   `tfsdk:"url"`
	Events          types.Set      `tfsdk:"events"`
	Active          types.Bool     `tfsdk:"active"`
	SecretWO        types.String   `tfsdk:"secret_wo"`
	SecretWOVersion types.Int64    `tfsdk:"secret_wo_version"`
	Timeouts        timeouts.Value `tfsdk:"timeouts"`
}

// The webhook's secret is only ever write-only: the secret_wo and secret_wo_version of
// orgs_container_registry, with the same meaning.
const (
	webhookSecretWO        = "secret_wo"
	webhookSecretWOVersion = "secret_wo_version"
)

// webhookDescription is the resource's documentation, shared with its list resource and data sources.
const webhookDescription = "A webhook: the server POSTs each event of the organization's activity log that `events` names to `url`, " +
	"signed with `secret_wo` (HMAC-SHA256 over the timestamp and the body, in the `Orgs-Webhook-Signature` header), " +
	"retries with backoff until the receiver answers 2xx, and keeps a delivery log. The section *Receiving deliveries* of this page shows how to verify one."

func (r *webhookResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_webhook"
}

func (r *webhookResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Blocks: map[string]schema.Block{"timeouts": timeoutsBlock(true)},
		MarkdownDescription: webhookDescription + "\n\n" +
			"The signing secret is write-only (`secret_wo`, Terraform or OpenTofu 1.11 and later): never in the state or the plan, and never returned by the API. " +
			"The provider sends it on create, and again whenever `secret_wo_version` changes.\n\n" +
			"The server refuses a `url` whose host is, or resolves to, a loopback, private, link-local or other non-public address, " +
			"unless it was started to allow them (`orgs-apiserver -allow-private-webhook-targets`, for local setups).\n\n" +
			"Import with `<organization_id>/<webhook_id>`, or by identity (`organization_id` and `id`) with OpenTofu or Terraform 1.12 and later; " +
			"an imported webhook keeps the secret the server holds until `secret_wo_version` is set.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The webhook's id (`wh_...`).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"organization_id": organizationIDAttribute("The organization whose events the webhook receives."),
			"url": schema.StringAttribute{
				MarkdownDescription: "Where deliveries are POSTed: an absolute `http` or `https` URL, without a user name, password or fragment.",
				Required:            true,
				Validators: []validator.String{
					stringvalidator.UTF8LengthBetween(1, 2048),
					stringCheck{desc: "must be an absolute http or https URL without credentials", check: api.ValidateWebhookURL},
				},
			},
			"events": schema.SetAttribute{
				MarkdownDescription: "The events delivered, 1 to 100 of: an event name (an activity action: " + markdownList(api.WebhookEvents) +
					"), `\"<object type>.*\"` for every event of one object type (such as `\"member.*\"`), or `\"*\"` for every event.",
				Required:    true,
				ElementType: types.StringType,
				Validators: []validator.Set{
					setvalidator.SizeBetween(1, 100),
					setvalidator.ValueStringsAre(stringCheck{desc: "must be an event name, \"<object type>.*\" or \"*\"", check: api.ValidateWebhookEvent}),
				},
			},
			"active": schema.BoolAttribute{
				MarkdownDescription: "Whether events are delivered. Deactivating cancels the deliveries still waiting for a retry. Defaults to `true`.",
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(true),
			},
			webhookSecretWO: schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("The signing secret, %d to %d characters, write-only (Terraform or OpenTofu 1.11 and later): never stored in the state or the plan, "+
					"and it may come from an ephemeral value. Required to create the webhook; sent then, and whenever `secret_wo_version` changes; "+
					"changing only this value sends nothing.", api.WebhookSecretMinLength, api.WebhookSecretMaxLength),
				Optional:   true,
				Sensitive:  true,
				WriteOnly:  true,
				Validators: []validator.String{stringvalidator.UTF8LengthBetween(api.WebhookSecretMinLength, api.WebhookSecretMaxLength)},
			},
			webhookSecretWOVersion: schema.Int64Attribute{
				MarkdownDescription: "A version of `secret_wo`, only with it. The provider cannot tell a new write-only secret from the old one, " +
					"so change this (for example, add one) whenever `secret_wo` changes, to send it. Any change sends it: setting it after an import sends it once.",
				Optional: true,
			},
		},
	}
}

// webhookIdentity: the API addresses a webhook by organization and id.
var webhookIdentity = resourceIdentity{
	kind:         "webhook",
	activityType: "webhook",
	attrs: []identityAttribute{
		{name: "organization_id", description: "The id of the organization the webhook belongs to."},
		{name: "id", description: "The webhook's id."},
	},
	importHelp: "A webhook imports by `<organization_id>/<webhook_id>` (the id starts with wh_), not by its URL.",
	lookalikes: lookalikesByName("webhook", func(ctx context.Context, pd *providerData, orgID string) ([]api.Webhook, error) {
		return pd.listings.Webhooks.All(ctx, orgID)
	}, func(w api.Webhook) string { return w.ID },
		match[api.Webhook]{"with URL", func(w api.Webhook, given string) bool { return w.URL == given }}),
}

func (r *webhookResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = webhookIdentity.schema()
}

// ValidateConfig refuses a secret version without its secret, at plan time.
func (r *webhookResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	if configSet(ctx, req.Config, webhookSecretWOVersion, &resp.Diagnostics) && !configSet(ctx, req.Config, webhookSecretWO, &resp.Diagnostics) {
		resp.Diagnostics.AddAttributeError(path.Root(webhookSecretWOVersion), "Write-only version without its value",
			fmt.Sprintf("%s is the version of %s and applies only with it: set %s, or remove %s.",
				webhookSecretWOVersion, webhookSecretWO, webhookSecretWO, webhookSecretWOVersion))
	}
}

// ModifyPlan refuses, at plan time, to create a webhook without its secret. Only a create (or a
// replacement) needs one: an imported webhook keeps the secret the server holds.
func (r *webhookResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.planOrganizationID(ctx, req, resp)
	if req.Plan.Raw.IsNull() || resp.Diagnostics.HasError() || (!req.State.Raw.IsNull() && !replacing(ctx, req, resp)) {
		return
	}
	if !configSet(ctx, req.Config, webhookSecretWO, &resp.Diagnostics) {
		resp.Diagnostics.AddAttributeError(path.Root(webhookSecretWO), "Missing webhook secret",
			fmt.Sprintf("A new webhook needs the secret that signs its deliveries: set %s (%d to %d characters), and %s to send a new one later. "+
				"(A webhook that already exists, such as an imported one, keeps the secret the server holds and needs none here.)",
				webhookSecretWO, api.WebhookSecretMinLength, api.WebhookSecretMaxLength, webhookSecretWOVersion))
	}
}

func (r *webhookResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan, config webhookModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	// Write-only values are null in the plan: only the configuration has them.
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts, opCreate, &resp.Diagnostics)
	defer cancel()
	active := plan.Active.ValueBool()
	create := api.WebhookCreate{URL: plan.URL.ValueString(), Events: setStrings(ctx, plan.Events, &resp.Diagnostics), Active: &active, Secret: config.SecretWO.ValueString()}
	if resp.Diagnostics.HasError() {
		return
	}
	w, err := r.client.CreateWebhook(ctx, plan.OrganizationID.ValueString(), create)
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("create webhook for %s in organization %s", plan.URL.ValueString(), plan.OrganizationID.ValueString()), err)
		return
	}
	plan.fill(w)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(webhookIdentity.set(ctx, resp.State, resp.Identity)...)
}

func (r *webhookResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state webhookModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts, opRead, &resp.Diagnostics)
	defer cancel()
	w, err := r.listings.Webhooks.Get(ctx, state.OrganizationID.ValueString(), state.ID.ValueString())
	if err != nil {
		webhookIdentity.removeIfNotFound(ctx, r.providerData, err, req, resp)
		return
	}
	prior := state
	state.fill(w)
	webhookIdentity.refreshed(ctx, r.providerData, prior, state, resp)
}

func (r *webhookResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state, config webhookModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts, opUpdate, &resp.Diagnostics)
	defer cancel()
	var update api.WebhookUpdate
	update.URL = changedString(plan.URL, state.URL)
	if !plan.Events.Equal(state.Events) {
		events := setStrings(ctx, plan.Events, &resp.Diagnostics)
		update.Events = &events
	}
	update.Active = changedBool(plan.Active, state.Active)
	update.Secret = changedWriteOnly(config.SecretWO, plan.SecretWOVersion, state.SecretWOVersion)
	if resp.Diagnostics.HasError() {
		return
	}
	w, err := r.client.UpdateWebhook(ctx, plan.OrganizationID.ValueString(), state.ID.ValueString(), update)
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("update webhook %s of organization %s", state.ID.ValueString(), state.OrganizationID.ValueString()), err)
		return
	}
	plan.fill(w)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(webhookIdentity.set(ctx, resp.State, resp.Identity)...)
}

func (r *webhookResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state webhookModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts, opDelete, &resp.Diagnostics)
	defer cancel()
	err := r.client.DeleteWebhook(ctx, state.OrganizationID.ValueString(), state.ID.ValueString())
	if err != nil && !client.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("delete webhook %s of organization %s", state.ID.ValueString(), state.OrganizationID.ValueString()), err)
	}
}

func (r *webhookResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	webhookIdentity.importState(ctx, req, resp)
}

// fill copies what the server returns; the secret is not among it.
func (m *webhookModel) fill(w *api.Webhook) {
	m.ID = types.StringValue(w.ID)
	m.OrganizationID = types.StringValue(w.OrganizationID)
	m.URL = types.StringValue(w.URL)
	m.Events = eventSet(w.Events)
	m.Active = types.BoolValue(w.Active)
}

func eventSet(events []string) types.Set {
	values := make([]attr.Value, len(events))
	for i, e := range events {
		values[i] = types.StringValue(e)
	}
	return types.SetValueMust(types.StringType, values)
}

// setStrings is a known set of strings, sorted.
func setStrings(ctx context.Context, s types.Set, diags *diag.Diagnostics) []string {
	var out []string
	diags.Append(s.ElementsAs(ctx, &out, false)...)
	slices.Sort(out)
	return out
}

// ---- The list resource and the data sources ----

var webhookActiveFilter = listFilter[api.Webhook]{
	name: "status", description: "Only webhooks that deliver (`active`) or that do not (`inactive`)",
	values: []string{"active", "inactive"},
	field:  func(w *api.Webhook) string { return map[bool]string{true: "active", false: "inactive"}[w.Active] },
}

func webhookListResource() *listResource[api.Webhook, webhookModel] {
	return &listResource[api.Webhook, webhookModel]{
		typeName: "_webhook",
		description: "Lists the webhooks of an organization. Their secrets are never listed: the API does not return them, so the configuration " +
			"generated from this list has `secret_wo = null` and each imported webhook goes on signing with the secret the server holds, " +
			"which is not under management until `secret_wo` and `secret_wo_version` are set on it.",
		inOrganization: true,
		filters:        []listFilter[api.Webhook]{webhookActiveFilter},
		all: func(ctx context.Context, d providerData, orgID string) ([]api.Webhook, error) {
			return d.listings.Webhooks.All(ctx, orgID)
		},
		state: func(w *api.Webhook, noTimeouts timeouts.Value) webhookModel {
			m := webhookModel{Timeouts: noTimeouts}
			m.fill(w)
			return m
		},
		display:  func(w *api.Webhook) string { return fmt.Sprintf("%s (%d events)", w.URL, len(w.Events)) },
		identity: webhookIdentity,
	}
}

var webhookItems = []itemAttr[api.Webhook]{
	stringItem("id", "The webhook's id.", func(w *api.Webhook) string { return w.ID }),
	stringItem("url", "Where deliveries are POSTed.", func(w *api.Webhook) string { return w.URL }),
	valueItem("events", dsschema.SetAttribute{MarkdownDescription: "The events delivered: event names, `\"<object type>.*\"` or `\"*\"`.", Computed: true, ElementType: types.StringType},
		func(w *api.Webhook) attr.Value { return eventSet(w.Events) }),
	boolItem("active", "Whether events are delivered.", func(w *api.Webhook) bool { return w.Active }),
	nullableStringItem("created_at", "When the webhook was created (RFC 3339).", func(w *api.Webhook) types.String { return timeValue(w.CreatedAt) }),
	nullableStringItem("updated_at", "When the webhook last changed (RFC 3339).", func(w *api.Webhook) types.String { return timeValue(w.UpdatedAt) }),
}

func webhookDataSource() *objectDataSource[api.Webhook] {
	return &objectDataSource[api.Webhook]{
		typeName:       "_webhook",
		description:    "One webhook of an organization, by id. Its secret is never read: the API does not return it.",
		inOrganization: true,
		orgDescription: "The organization the webhook belongs to.",
		key:            "id",
		keyArg:         dsschema.StringAttribute{MarkdownDescription: "The webhook's id (`wh_...`).", Required: true},
		noun:           "webhook",
		items:          webhookItems,
		read: func(ctx context.Context, d providerData, orgID, id string) (*api.Webhook, error) {
			return d.listings.Webhooks.Get(ctx, orgID, id)
		},
	}
}

func webhooksDataSource() *collectionDataSource[api.Webhook] {
	return &collectionDataSource[api.Webhook]{
		typeName:       "_webhooks",
		description:    "The webhooks of an organization, optionally only the active or the inactive ones. None holds its secret.",
		inOrganization: true,
		orgDescription: "The organization whose webhooks to read.",
		attribute:      "webhooks",
		noun:           "webhook",
		plural:         "webhooks",
		itemsDoc:       "The webhooks, in the order the API lists them (oldest first).",
		filters:        []listFilter[api.Webhook]{webhookActiveFilter},
		items:          webhookItems,
		all: func(ctx context.Context, d providerData, orgID string) ([]api.Webhook, error) {
			return d.listings.Webhooks.All(ctx, orgID)
		},
	}
}
