package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
)

var (
	_ datasource.DataSource              = (*activityDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*activityDataSource)(nil)
)

// NewActivityDataSource is the constructor the provider registers for the orgs_activity data source.
func NewActivityDataSource() datasource.DataSource { return &activityDataSource{} }

type activityDataSource struct {
	dataSourceBase
}

// defaultActivityMaxResults is how many entries orgs_activity holds when max_results is left out: the
// log only grows, and every entry read is kept in the state.
const defaultActivityMaxResults = 100

// activityActorTypes are who can act: a user (with a personal token) or an organization API token.
var activityActorTypes = []string{api.ActorUser, api.ActorToken}

var activityItems = []itemAttr[api.ActivityEntry]{
	stringItem("id", "The entry's id.", func(e *api.ActivityEntry) string { return e.ID }),
	nullableStringItem("time", "When it happened (RFC 3339).", func(e *api.ActivityEntry) types.String { return timeValue(e.At) }),
	stringItem("actor_type", "Who acted: `user` (with a personal token) or `token` (an organization API token).", func(e *api.ActivityEntry) string { return e.ActorType }),
	stringItem("actor_id", "The id of the user (see `orgs_current_user` and `orgs_members`) or of the API token (see `orgs_api_tokens`) that acted.",
		func(e *api.ActivityEntry) string { return e.ActorID }),
	stringItem("action", "What was done: `<target_type>.<verb>`, such as `member.create`, `label.update` or `environment.delete`.", func(e *api.ActivityEntry) string { return e.Action }),
	stringItem("target_type", "The kind of object acted on: `organization`, `member`, `invitation`, `api_token`, `container_registry`, `label` or `environment`.",
		func(e *api.ActivityEntry) string { return e.ObjectType }),
	stringItem("target_id", "The object acted on: its id, a label's key, or a member's user id.", func(e *api.ActivityEntry) string { return e.ObjectID }),
	nullableStringItem("actor_email", "The acting user's address, while the user is a member of the organization; null otherwise.",
		func(e *api.ActivityEntry) types.String { return optionalString(e.ActorEmail) }),
	nullableStringItem("actor_name", "The acting API token's name, when the credential in use may list the organization's tokens (owners and admins) and the token still exists; null otherwise.",
		func(e *api.ActivityEntry) types.String { return optionalString(e.ActorName) }),
	nullableStringItem("actor_role", "The acting API token's role, under the same conditions as `actor_name`; null otherwise.",
		func(e *api.ActivityEntry) types.String { return optionalString(string(e.ActorRole)) }),
}

func (d *activityDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_activity"
}

func (d *activityDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An organization's activity log, newest first: who changed what, and when. Every member can read it. " +
			"The filters combine: an entry is kept when it matches all of them. The server applies them, so a filter that matches " +
			"few entries reads only those, however long the log.",
		Attributes: map[string]schema.Attribute{
			"organization_id": dataSourceOrganizationIDAttribute("The organization whose activity to read."),
			"since": schema.StringAttribute{
				MarkdownDescription: "Only entries at or after this time, an RFC 3339 timestamp such as `2030-01-02T15:04:05Z`.",
				Optional:            true,
				Validators:          []validator.String{stringCheck{desc: "must be an RFC 3339 timestamp such as 2030-01-02T15:04:05Z", check: parseRFC3339}},
			},
			"until": schema.StringAttribute{
				MarkdownDescription: "Only entries before this time, an RFC 3339 timestamp such as `2030-01-02T15:04:05Z`.",
				Optional:            true,
				Validators:          []validator.String{stringCheck{desc: "must be an RFC 3339 timestamp such as 2030-01-02T15:04:05Z", check: parseRFC3339}},
			},
			"target_type": schema.StringAttribute{
				MarkdownDescription: "Only entries about objects of this kind: " + markdownList(api.ActivityObjectTypes) + ".",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf(api.ActivityObjectTypes...)},
			},
			"target_ids": schema.SetAttribute{
				MarkdownDescription: fmt.Sprintf("Only entries about these objects (any of them): ids, label keys, or members' user ids, as `target_id` gives them; at most %d.", api.MaxActivityObjectIDs),
				ElementType:         types.StringType,
				Optional:            true,
				Validators: []validator.Set{
					setvalidator.SizeBetween(1, api.MaxActivityObjectIDs),
					setvalidator.ValueStringsAre(stringvalidator.UTF8LengthBetween(1, 320)),
				},
			},
			"actor_type": schema.StringAttribute{
				MarkdownDescription: "Only entries by this kind of actor: " + markdownList(activityActorTypes) + ".",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf(activityActorTypes...)},
			},
			"actor_id": schema.StringAttribute{
				MarkdownDescription: "Only entries by this actor: a user's id (such as `orgs_current_user.id` or a member's `user_id`) or an API token's id.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.UTF8LengthAtLeast(1)},
			},
			"action": schema.StringAttribute{
				MarkdownDescription: "Only entries of this action, `<target_type>.<verb>` such as `member.create` or `label.delete`.",
				Optional:            true,
				Validators: []validator.String{stringvalidator.RegexMatches(api.ActivityActionPattern,
					"must be <target_type>.<verb> in lowercase, such as member.create")},
			},
			"max_results": schema.Int64Attribute{
				MarkdownDescription: "At most this many entries, the newest that match. Defaults to 100.",
				Optional:            true,
				Validators:          []validator.Int64{int64validator.AtLeast(1)},
			},
			"entries": schema.ListNestedAttribute{
				MarkdownDescription: "The entries that match, newest first.",
				Computed:            true,
				NestedObject:        schema.NestedAttributeObject{Attributes: itemSchemas(activityItems)},
			},
		},
	}
}

func (d *activityDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	orgID := d.organizationIDOf(ctx, req.Config, &resp.State, &resp.Diagnostics)
	var since, until, targetType, actorType, actorID, action types.String
	var targetIDs types.Set
	var maxResults types.Int64
	for name, dst := range map[string]any{
		"since": &since, "until": &until, "target_type": &targetType, "target_ids": &targetIDs,
		"actor_type": &actorType, "actor_id": &actorID, "action": &action, "max_results": &maxResults,
	} {
		resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root(name), dst)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	f := client.ActivityFilter{ActorType: actorType.ValueString(), ActorID: actorID.ValueString(), Action: action.ValueString()}
	if !targetType.IsNull() {
		f.ObjectTypes = []string{targetType.ValueString()}
	}
	if !targetIDs.IsNull() {
		resp.Diagnostics.Append(targetIDs.ElementsAs(ctx, &f.ObjectIDs, false)...)
	}
	for attr, bound := range map[string]struct {
		value types.String
		dst   **time.Time
	}{"since": {since, &f.Since}, "until": {until, &f.Until}} {
		if bound.value.IsNull() {
			continue
		}
		at, err := time.Parse(time.RFC3339, bound.value.ValueString())
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root(attr), "Invalid "+attr, err.Error())
			continue
		}
		*bound.dst = &at
	}
	maxEntries := defaultActivityMaxResults
	if !maxResults.IsNull() {
		maxEntries = int(maxResults.ValueInt64())
	}
	if resp.Diagnostics.HasError() {
		return
	}

	// The server filters; paging stops once max_results entries are read.
	entries := []api.ActivityEntry{}
	err := d.client.WalkActivity(ctx, orgID, f, func(e api.ActivityEntry) bool {
		entries = append(entries, e)
		return len(entries) < maxEntries
	})
	if err != nil {
		addAPIError(&resp.Diagnostics, "read the activity of organization "+orgID, err)
		return
	}
	list, diags := itemList(activityItems, entries)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("entries"), list)...)
}
