package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ datasource.DataSource              = (*environmentsDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*environmentsDataSource)(nil)
)

// NewEnvironmentsDataSource is the constructor the provider registers for the orgs_environments data source.
func NewEnvironmentsDataSource() datasource.DataSource { return &environmentsDataSource{} }

type environmentsDataSource struct {
	dataSourceBase
}

type environmentsModel struct {
	OrganizationID types.String       `tfsdk:"organization_id"`
	Environments   []environmentModel `tfsdk:"environments"`
}

type environmentModel struct {
	ID      types.String `tfsdk:"id"`
	Name    types.String `tfsdk:"name"`
	Slug    types.String `tfsdk:"slug"`
	Status  types.String `tfsdk:"status"`
	Default types.Bool   `tfsdk:"default"`
}

func (d *environmentsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_environments"
}

func (d *environmentsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The environments of an organization: where the platform's agents run. The platform creates them; " +
			"every new organization starts with a default one. Use their ids in `orgs_member.environment_roles`.",
		Attributes: map[string]schema.Attribute{
			"organization_id": dataSourceOrganizationIDAttribute("The organization whose environments to list."),
			"environments": schema.ListNestedAttribute{
				MarkdownDescription: "Every environment of the organization, in the order the API lists them.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id": schema.StringAttribute{
							MarkdownDescription: "The environment's id.",
							Computed:            true,
						},
						"name": schema.StringAttribute{
							MarkdownDescription: "The environment's name.",
							Computed:            true,
						},
						"slug": schema.StringAttribute{
							MarkdownDescription: "The environment's slug, unique in the organization.",
							Computed:            true,
						},
						"status": schema.StringAttribute{
							MarkdownDescription: "The agent's connection: `connected` (healthy) or `disconnected` (needs debugging).",
							Computed:            true,
						},
						"default": schema.BoolAttribute{
							MarkdownDescription: "Whether this is the environment the organization was created with.",
							Computed:            true,
						},
					},
				},
			},
		},
	}
}

func (d *environmentsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg environmentsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	cfg.OrganizationID = types.StringValue(d.organizationID(cfg.OrganizationID, &resp.Diagnostics))
	if resp.Diagnostics.HasError() {
		return
	}
	envs, err := d.listings.Environments.All(ctx, cfg.OrganizationID.ValueString())
	if err != nil {
		addAPIError(&resp.Diagnostics, "list environments", err)
		return
	}
	// Never nil: an organization with no environments reads as an empty list, not null.
	cfg.Environments = make([]environmentModel, 0, len(envs))
	for _, e := range envs {
		cfg.Environments = append(cfg.Environments, environmentModel{
			ID:      types.StringValue(e.ID),
			Name:    types.StringValue(e.Name),
			Slug:    types.StringValue(e.Slug),
			Status:  types.StringValue(string(e.Status)),
			Default: types.BoolValue(e.Default),
		})
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}
