package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ datasource.DataSource              = (*usageDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*usageDataSource)(nil)
)

// NewUsageDataSource is the constructor the provider registers for the orgs_usage data source.
func NewUsageDataSource() datasource.DataSource { return &usageDataSource{} }

type usageDataSource struct {
	dataSourceBase
}

type usageModel struct {
	OrganizationID types.String                  `tfsdk:"organization_id"`
	Plan           types.String                  `tfsdk:"plan"`
	Quantities     map[string]usageQuantityModel `tfsdk:"quantities"`
	Seats          *seatsModel                   `tfsdk:"seats"`
}

// seatsModel is what holds the seats of the plan's member limit, as the server counts them.
type seatsModel struct {
	Active      types.Int64 `tfsdk:"active"`
	Pending     types.Int64 `tfsdk:"pending"`
	Invited     types.Int64 `tfsdk:"invited"`
	Invitations types.Int64 `tfsdk:"invitations"`
}

type usageQuantityModel struct {
	Used      types.Int64 `tfsdk:"used"`
	Limit     types.Int64 `tfsdk:"limit"`
	Remaining types.Int64 `tfsdk:"remaining"`
}

func (d *usageDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_usage"
}

func (d *usageDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An organization's plan and, for each quantity the plan limits, how much is used and how much remains; and what holds the seats " +
			"counted as `members`, the one rule the server, the provider's plan-time checks and this data source share: active, pending and invited memberships " +
			"and pending invitations hold one each, declined and expired ones none.",
		Attributes: map[string]schema.Attribute{
			"organization_id": dataSourceOrganizationIDAttribute("The organization to report on."),
			"plan": schema.StringAttribute{
				MarkdownDescription: "The organization's plan.",
				Computed:            true,
			},
			"seats": schema.SingleNestedAttribute{
				MarkdownDescription: "What holds the seats counted in `quantities.members.used`.",
				Computed:            true,
				Attributes: map[string]schema.Attribute{
					"active":      schema.Int64Attribute{MarkdownDescription: "Active members.", Computed: true},
					"pending":     schema.Int64Attribute{MarkdownDescription: "Pending memberships (an account that has not accepted yet), until they expire.", Computed: true},
					"invited":     schema.Int64Attribute{MarkdownDescription: "Invited addresses (no account yet), until they expire.", Computed: true},
					"invitations": schema.Int64Attribute{MarkdownDescription: "Pending `orgs_invitation`s, until they expire.", Computed: true},
				},
			},
			"quantities": schema.MapNestedAttribute{
				MarkdownDescription: "Usage per limited quantity, keyed by its name: `members`, `environments`, `api_tokens`, " +
					"`container_registries`, `labels`, `teams`.",
				Computed: true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"used": schema.Int64Attribute{
							MarkdownDescription: "How many the organization holds.",
							Computed:            true,
						},
						"limit": schema.Int64Attribute{
							MarkdownDescription: "The most the plan allows.",
							Computed:            true,
						},
						"remaining": schema.Int64Attribute{
							MarkdownDescription: "How many more the plan allows.",
							Computed:            true,
						},
					},
				},
			},
		},
	}
}

func (d *usageDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg usageModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	cfg.OrganizationID = types.StringValue(d.organizationID(cfg.OrganizationID, &resp.Diagnostics))
	orgID := cfg.OrganizationID.ValueString()
	if resp.Diagnostics.HasError() {
		return
	}
	usage, err := d.client.GetUsage(ctx, orgID)
	if err != nil {
		addAPIError(&resp.Diagnostics, "read the usage of organization "+orgID, err)
		return
	}
	cfg.Plan = types.StringValue(string(usage.Plan))
	cfg.Quantities = make(map[string]usageQuantityModel, len(usage.Quantities))
	for _, q := range usage.Quantities {
		cfg.Quantities[q.Name] = usageQuantityModel{
			Used:      types.Int64Value(q.Used),
			Limit:     types.Int64Value(q.Limit),
			Remaining: types.Int64Value(q.Remaining),
		}
		if q.Seats != nil {
			cfg.Seats = &seatsModel{Active: types.Int64Value(q.Seats.Active), Pending: types.Int64Value(q.Seats.Pending),
				Invited: types.Int64Value(q.Seats.Invited), Invitations: types.Int64Value(q.Seats.Invitations)}
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}
