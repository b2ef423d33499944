package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/provider/emailtype"
)

var (
	_ datasource.DataSource                     = (*organizationDataSource)(nil)
	_ datasource.DataSourceWithConfigure        = (*organizationDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*organizationDataSource)(nil)
)

// NewOrganizationDataSource is the constructor the provider registers for the orgs_organization data
// source.
func NewOrganizationDataSource() datasource.DataSource { return &organizationDataSource{} }

type organizationDataSource struct {
	dataSourceBase
}

func (d *organizationDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_organization"
}

func (d *organizationDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up an organization the token can see, by `id` or by `name` (exactly one of them).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: orgDescID + " Give this or `name`.",
				Optional:            true,
				Computed:            true,
				Validators:          []validator.String{stringvalidator.UTF8LengthAtLeast(1)},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: orgDescName + " Give this or `id`; looking up by name fails when several organizations the token can see share it.",
				Optional:            true,
				Computed:            true,
				Validators:          []validator.String{stringvalidator.UTF8LengthBetween(1, 100)},
			},
			"description":          schema.StringAttribute{MarkdownDescription: orgDescDescription, Computed: true},
			"website":              schema.StringAttribute{MarkdownDescription: orgDescWebsite, Computed: true},
			"admin_contact_emails": schema.ListAttribute{MarkdownDescription: orgDescEmails, Computed: true, ElementType: emailtype.Type{}},
			"plan":                 schema.StringAttribute{MarkdownDescription: orgDescPlan, Computed: true},
			"settings": schema.SingleNestedAttribute{
				MarkdownDescription: "Organization settings.",
				Computed:            true,
				Attributes: map[string]schema.Attribute{
					"artifacts_storage_limit_gb": schema.Int64Attribute{MarkdownDescription: orgDescStorage, Computed: true},
					"ai_hints_enabled":           schema.BoolAttribute{MarkdownDescription: orgDescAIHints, Computed: true},
					"mask_webhook_urls":          schema.BoolAttribute{MarkdownDescription: orgDescMask, Computed: true},
				},
			},
			"created_at": schema.StringAttribute{MarkdownDescription: orgDescCreatedAt, Computed: true},
		},
	}
}

func (d *organizationDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("name")),
	}
}

func (d *organizationDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg organizationModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}

	var org *api.Organization
	if !cfg.ID.IsNull() {
		found, err := d.client.GetOrganization(ctx, cfg.ID.ValueString())
		if err != nil {
			addAPIError(&resp.Diagnostics, "read organization "+cfg.ID.ValueString(), err)
			return
		}
		org = found
	} else {
		found, err := d.findByName(ctx, cfg.Name.ValueString())
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("name"), "Organization not found", err.Error())
			return
		}
		org = found
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, organizationState(org))...)
}

// findByName lists the organizations the token can see; the API has no lookup by name.
func (d *organizationDataSource) findByName(ctx context.Context, name string) (*api.Organization, error) {
	orgs, err := d.client.ListOrganizations(ctx)
	if err != nil {
		return nil, apiErrorPlain("list organizations", err)
	}
	var matches []api.Organization
	for _, o := range orgs {
		if o.Name == name {
			matches = append(matches, o)
		}
	}
	switch len(matches) {
	case 0:
		return nil, fmt.Errorf("no organization the token can see is named %q", name)
	case 1:
		return &matches[0], nil
	}
	ids := make([]string, len(matches))
	for i, o := range matches {
		ids[i] = o.ID
	}
	return nil, fmt.Errorf("%d organizations are named %q (ids %s); look it up by `id` instead", len(matches), name, strings.Join(ids, ", "))
}

// apiErrorPlain is apiErrorDiagnostic's detail as an error, for callers that attach it to an attribute.
func apiErrorPlain(action string, err error) error {
	return fmt.Errorf("%s", apiErrorDiagnostic(action, err).Detail())
}
