package provider

import (
	"context"
	"regexp"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
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
var activityActorTypes = []string{"user", "token"}

// activityActionPattern is the form of every action the server records: <target_type>.<verb>.
var activityActionPattern = regexp.MustCompile(`^[a-z][a-z_]*\.[a-z][a-z_]*$`)

type activityFilter struct {
	since      *time.Time
	actorType  string
	actorID    string
	action     string
	maxResults int
}

func (f activityFilter) keeps(e api.ActivityEntry) bool {
	return (f.since == nil || !e.At.Before(*f.since)) &&
		(f.actorType == "" || e.ActorType == f.actorType) &&
		(f.actorID == "" || e.ActorID == f.actorID) &&
		(f.action == "" || e.Action == f.action)
}

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
}

func (d *activityDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_activity"
}

func (d *activityDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An organization's activity log, newest first: who changed what, and when. Every member can read it. " +
			"The filters combine: an entry is kept when it matches all of them.",
		Attributes: map[string]schema.Attribute{
			"organization_id": dataSourceOrganizationIDAttribute("The organization whose activity to read."),
			"since": schema.StringAttribute{
				MarkdownDescription: "Only entries at or after this time, an RFC 3339 timestamp such as `2030-01-02T15:04:05Z`.",
				Optional:            true,
				Validators:          []validator.String{stringCheck{desc: "must be an RFC 3339 timestamp such as 2030-01-02T15:04:05Z", check: parseRFC3339}},
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
				Validators: []validator.String{stringvalidator.RegexMatches(activityActionPattern,
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
	var since, actorType, actorID, action types.String
	var maxResults types.Int64
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("since"), &since)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("actor_type"), &actorType)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("actor_id"), &actorID)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("action"), &action)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("max_results"), &maxResults)...)
	if resp.Diagnostics.HasError() {
		return
	}
	f := activityFilter{actorType: actorType.ValueString(), actorID: actorID.ValueString(), action: action.ValueString(), maxResults: defaultActivityMaxResults}
	if !maxResults.IsNull() {
		f.maxResults = int(maxResults.ValueInt64())
	}
	if !since.IsNull() {
		at, err := time.Parse(time.RFC3339, since.ValueString())
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("since"), "Invalid since", err.Error())
			return
		}
		f.since = &at
	}

	entries, err := d.matchingActivity(ctx, orgID, f)
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

// matchingActivity walks the log newest first, keeping what f keeps. The server filters nothing, so
// the filters apply here; paging stops once max_results entries are kept. It does not stop at the
// first entry older than since: entries are in the order the server wrote them, and its clock may
// have stepped back.
func (d *activityDataSource) matchingActivity(ctx context.Context, orgID string, f activityFilter) ([]api.ActivityEntry, error) {
	kept := []api.ActivityEntry{}
	err := d.client.WalkActivity(ctx, orgID, func(e api.ActivityEntry) bool {
		if f.keeps(e) {
			kept = append(kept, e)
		}
		return len(kept) < f.maxResults
	})
	return kept, err
}
