// Package provider is the orgs Terraform provider: its configuration, resources and data sources.
package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
)

// Environment variables read when the provider block leaves an argument out.
const (
	EnvEndpoint = "ORGS_ENDPOINT"
	EnvToken    = "ORGS_TOKEN"
)

// Defaults of the optional provider arguments.
const (
	DefaultMaxRetries     = 4
	DefaultRequestTimeout = 30 * time.Second
)

var (
	_ provider.Provider                       = (*orgsProvider)(nil)
	_ provider.ProviderWithEphemeralResources = (*orgsProvider)(nil)
)

// New returns the provider factory; version is the release version ("dev" for local builds, "test" in
// tests) and goes into the User-Agent.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &orgsProvider{version: version, getenv: os.Getenv}
	}
}

type orgsProvider struct {
	version string
	// getenv reads the environment; tests replace it so they need not touch the process environment.
	getenv func(string) string
}

type providerModel struct {
	Endpoint       types.String `tfsdk:"endpoint"`
	Token          types.String `tfsdk:"token"`
	MaxRetries     types.Int64  `tfsdk:"max_retries"`
	RequestTimeout types.String `tfsdk:"request_timeout"`
}

func (p *orgsProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "orgs"
	resp.Version = p.version
}

func (p *orgsProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages SaaS organizations (members, invitations, API tokens, container registries, labels) through the organizations API.",
		Attributes: map[string]schema.Attribute{
			"endpoint": schema.StringAttribute{
				MarkdownDescription: "Base URL of the organizations API, such as `https://api.example.com` (a trailing `/api/v1` is accepted). Defaults to the `" + EnvEndpoint + "` environment variable.",
				Optional:            true,
				Validators:          []validator.String{httpURL()},
			},
			"token": schema.StringAttribute{
				MarkdownDescription: "Personal access token or organization API token. Defaults to the `" + EnvToken + "` environment variable.",
				Optional:            true,
				Sensitive:           true,
			},
			"max_retries": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("How many times a request that failed transiently (429, 5xx, dropped connection) is retried, from 0 to 10. Defaults to `%d`.", DefaultMaxRetries),
				Optional:            true,
				Validators:          []validator.Int64{int64validator.Between(0, 10)},
			},
			"request_timeout": schema.StringAttribute{
				MarkdownDescription: "Time limit of one attempt of a request, as a Go duration such as `30s` or `2m`. Defaults to `30s`.",
				Optional:            true,
				Validators:          []validator.String{positiveDuration()},
			},
		},
	}
}

func (p *orgsProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}

	if cfg.Endpoint.IsUnknown() || cfg.Token.IsUnknown() || cfg.MaxRetries.IsUnknown() || cfg.RequestTimeout.IsUnknown() {
		// The configuration depends on something not created yet. Nothing can be read now; creates only
		// need a plan. Let Terraform defer when it can, and otherwise answer every API call with an
		// error that explains why, rather than failing a plan that needs no API call at all.
		if req.ClientCapabilities.DeferralAllowed {
			resp.Deferred = &provider.Deferred{Reason: provider.DeferredReasonProviderConfigUnknown}
			return
		}
		c, err := client.New(client.Config{
			Endpoint:   "http://provider-configuration-unknown.invalid",
			UserAgent:  p.userAgent(),
			HTTPClient: &http.Client{Transport: unknownConfigTransport{}},
		})
		if err != nil {
			resp.Diagnostics.AddError("Failed to configure the orgs provider", err.Error())
			return
		}
		resp.ResourceData, resp.DataSourceData, resp.EphemeralResourceData = c, c, c
		return
	}

	endpoint := stringOrEnv(cfg.Endpoint, p.getenv(EnvEndpoint))
	token := stringOrEnv(cfg.Token, p.getenv(EnvToken))
	if endpoint == "" {
		resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Missing API endpoint",
			"The orgs provider needs the URL of the organizations API: set `endpoint` in the provider block or the "+EnvEndpoint+" environment variable.")
	} else if err := api.ValidateHTTPURL(endpoint); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Invalid API endpoint",
			err.Error()+". Set `endpoint` in the provider block or the "+EnvEndpoint+" environment variable to the API's http or https URL.")
	}
	if token == "" {
		resp.Diagnostics.AddAttributeError(path.Root("token"), "Missing API token",
			"The orgs provider needs a personal access token or an organization API token: set `token` in the provider block or the "+EnvToken+" environment variable.")
	}
	maxRetries := int64(DefaultMaxRetries)
	if !cfg.MaxRetries.IsNull() {
		maxRetries = cfg.MaxRetries.ValueInt64()
	}
	timeout := DefaultRequestTimeout
	if !cfg.RequestTimeout.IsNull() {
		d, err := parsePositiveDuration(cfg.RequestTimeout.ValueString())
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("request_timeout"), "Invalid request timeout", err.Error())
		}
		timeout = d
	}
	if resp.Diagnostics.HasError() {
		return
	}

	c, err := client.New(client.Config{
		Endpoint:       endpoint,
		Token:          token,
		UserAgent:      p.userAgent(),
		MaxRetries:     int(maxRetries),
		RequestTimeout: timeout,
	})
	if err != nil {
		resp.Diagnostics.AddError("Failed to configure the orgs provider", err.Error())
		return
	}
	resp.ResourceData, resp.DataSourceData, resp.EphemeralResourceData = c, c, c
}

func (p *orgsProvider) userAgent() string { return "terraform-provider-orgs/" + p.version }

func (p *orgsProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewOrganizationResource,
		NewMemberResource,
		NewInvitationResource,
		NewAPITokenResource,
		NewContainerRegistryResource,
		NewLabelResource,
	}
}

func (p *orgsProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewOrganizationDataSource,
		NewUsageDataSource,
		NewEnvironmentsDataSource,
	}
}

func (p *orgsProvider) EphemeralResources(context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{
		NewAPITokenEphemeralResource,
	}
}

// stringOrEnv prefers the configured value; an empty string in the configuration counts as unset so a
// module can pass "" through to mean "use the environment".
func stringOrEnv(v types.String, env string) string {
	if !v.IsNull() && v.ValueString() != "" {
		return v.ValueString()
	}
	return env
}

// unknownConfigTransport stands in for the network while the provider configuration is unknown.
type unknownConfigTransport struct{}

func (unknownConfigTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("the orgs provider configuration (endpoint or token) depends on values not known until apply; " +
		"apply the resources it depends on first (for example with -target), then plan again")
}
