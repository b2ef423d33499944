// Package provider is the orgs Terraform provider: its configuration, resources and data sources.
package provider

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/list"
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
	EnvEndpoint             = "ORGS_ENDPOINT"
	EnvToken                = "ORGS_TOKEN"
	EnvMaxRetries           = "ORGS_MAX_RETRIES"
	EnvRequestTimeout       = "ORGS_REQUEST_TIMEOUT"
	EnvMaxRequestsPerSecond = "ORGS_MAX_REQUESTS_PER_SECOND"
	EnvOrganizationID       = "ORGS_ORGANIZATION_ID"
)

// Defaults and bounds of the optional provider arguments.
const (
	DefaultMaxRetries     = 4
	DefaultRequestTimeout = 30 * time.Second
	maxMaxRetries         = 10
	minRequestsPerSecond  = 0.1
)

var (
	_ provider.Provider                       = (*orgsProvider)(nil)
	_ provider.ProviderWithEphemeralResources = (*orgsProvider)(nil)
	_ provider.ProviderWithListResources      = (*orgsProvider)(nil)
)

// New returns the provider factory; version is the release version ("dev" for local builds, "test" in
// tests) and goes into the User-Agent.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &orgsProvider{version: version, getenv: os.Getenv, parentExecutable: parentExecutable}
	}
}

type orgsProvider struct {
	version string
	// getenv reads the environment; tests replace it so they need not touch the process environment.
	getenv func(string) string
	// parentExecutable is the path of the program that started the provider ("" when unknown).
	parentExecutable func() string
}

type providerModel struct {
	Endpoint             types.String  `tfsdk:"endpoint"`
	Token                types.String  `tfsdk:"token"`
	MaxRetries           types.Int64   `tfsdk:"max_retries"`
	RequestTimeout       types.String  `tfsdk:"request_timeout"`
	MaxRequestsPerSecond types.Float64 `tfsdk:"max_requests_per_second"`
	OrganizationID       types.String  `tfsdk:"organization_id"`
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
				MarkdownDescription: fmt.Sprintf("How many times a request that failed transiently (429, 5xx, dropped connection) is retried, from 0 to %d. Defaults to the `%s` environment variable, else `%d`.", maxMaxRetries, EnvMaxRetries, DefaultMaxRetries),
				Optional:            true,
				Validators:          []validator.Int64{int64validator.Between(0, maxMaxRetries)},
			},
			"request_timeout": schema.StringAttribute{
				MarkdownDescription: "Time limit of one attempt of a request, as a Go duration such as `30s` or `2m`. Defaults to the `" + EnvRequestTimeout + "` environment variable, else `30s`.",
				Optional:            true,
				Validators:          []validator.String{positiveDuration()},
			},
			"organization_id": schema.StringAttribute{
				MarkdownDescription: "The organization that every resource and data source uses when it leaves its own `organization_id` out, " +
					"for configurations that manage one organization. Defaults to the `" + EnvOrganizationID + "` environment variable.",
				Optional: true,
			},
			"max_requests_per_second": schema.Float64Attribute{
				MarkdownDescription: "The provider's own ceiling on its request rate, shared by all its resources and data sources. " +
					"Whatever it is, the provider paces itself to the limit the server advertises (its `RateLimit-Policy` header), so a large plan or apply waits its turn instead of running into 429s. " +
					"Defaults to the `" + EnvMaxRequestsPerSecond + "` environment variable, else no ceiling of its own.",
				Optional:   true,
				Validators: []validator.Float64{float64validator.AtLeast(minRequestsPerSecond)},
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

	if cfg.Endpoint.IsUnknown() || cfg.Token.IsUnknown() || cfg.MaxRetries.IsUnknown() || cfg.RequestTimeout.IsUnknown() ||
		cfg.MaxRequestsPerSecond.IsUnknown() || cfg.OrganizationID.IsUnknown() {
		// The configuration depends on something not created yet. Nothing can be read now; creates only
		// need a plan. Let Terraform defer when it can, and otherwise answer every API call with an
		// error that explains why, rather than failing a plan that needs no API call at all.
		if req.ClientCapabilities.DeferralAllowed {
			resp.Deferred = &provider.Deferred{Reason: provider.DeferredReasonProviderConfigUnknown}
			return
		}
		c, err := client.New(client.Config{
			Endpoint:   "http://provider-configuration-unknown.invalid",
			UserAgent:  p.userAgent(req.TerraformVersion),
			HTTPClient: &http.Client{Transport: unknownConfigTransport{}},
		})
		if err != nil {
			resp.Diagnostics.AddError("Failed to configure the orgs provider", err.Error())
			return
		}
		data := newProviderData(c, "")
		resp.ResourceData, resp.DataSourceData, resp.EphemeralResourceData, resp.ListResourceData = data, data, data, data
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
	} else if n, ok := envSetting(p.getenv, &resp.Diagnostics, "max_retries", EnvMaxRetries, parseMaxRetries); ok {
		maxRetries = n
	}
	timeout := DefaultRequestTimeout
	if !cfg.RequestTimeout.IsNull() {
		d, err := parsePositiveDuration(cfg.RequestTimeout.ValueString())
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("request_timeout"), "Invalid request timeout", "request_timeout: "+err.Error())
		}
		timeout = d
	} else if d, ok := envSetting(p.getenv, &resp.Diagnostics, "request_timeout", EnvRequestTimeout, parsePositiveDuration); ok {
		timeout = d
	}
	var maxRate float64
	if !cfg.MaxRequestsPerSecond.IsNull() {
		maxRate = cfg.MaxRequestsPerSecond.ValueFloat64()
	} else if f, ok := envSetting(p.getenv, &resp.Diagnostics, "max_requests_per_second", EnvMaxRequestsPerSecond, parseRequestsPerSecond); ok {
		maxRate = f
	}
	if resp.Diagnostics.HasError() {
		return
	}

	c, err := client.New(client.Config{
		Endpoint:             endpoint,
		Token:                token,
		UserAgent:            p.userAgent(req.TerraformVersion),
		MaxRetries:           int(maxRetries),
		RequestTimeout:       timeout,
		MaxRequestsPerSecond: maxRate,
	})
	if err != nil {
		resp.Diagnostics.AddError("Failed to configure the orgs provider", err.Error())
		return
	}
	data := newProviderData(c, stringOrEnv(cfg.OrganizationID, p.getenv(EnvOrganizationID)))
	resp.ResourceData, resp.DataSourceData, resp.EphemeralResourceData, resp.ListResourceData = data, data, data, data
}

// userAgent names the provider and the CLI that runs it, so the server's operators can tell which
// tool and version made a request: "terraform-provider-orgs/1.2.0 (OpenTofu/1.12.6)".
func (p *orgsProvider) userAgent(cliVersion string) string {
	ua := "terraform-provider-orgs/" + p.version
	if cliVersion == "" {
		return ua
	}
	return fmt.Sprintf("%s (%s/%s)", ua, cliName(p.parentExecutable()), cliVersion)
}

// cliName tells OpenTofu from Terraform by the executable that started the provider: both send their
// own version in the same field, and nothing else in the protocol names them.
func cliName(parent string) string {
	switch base := strings.ToLower(filepath.Base(parent)); {
	case strings.Contains(base, "tofu"):
		return "OpenTofu"
	case strings.Contains(base, "terraform"):
		return "Terraform"
	}
	return "Terraform-compatible"
}

func (p *orgsProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewOrganizationResource,
		NewMemberResource,
		NewMembersResource,
		NewInvitationResource,
		NewAPITokenResource,
		NewContainerRegistryResource,
		NewLabelResource,
		NewEnvironmentResource,
		NewDomainResource,
		NewDomainVerificationResource,
		NewTeamResource,
		NewTeamMemberResource,
		NewTeamMembersResource,
		NewWebhookResource,
	}
}

func (p *orgsProvider) DataSources(context.Context) []func() datasource.DataSource {
	return append([]func() datasource.DataSource{
		NewOrganizationDataSource,
		NewUsageDataSource,
		NewActivityDataSource,
	}, readDataSources()...)
}

func (p *orgsProvider) ListResources(context.Context) []func() list.ListResource {
	return listResources()
}

func (p *orgsProvider) EphemeralResources(context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{
		NewAPITokenEphemeralResource,
	}
}

// envSetting reads the environment variable name for an optional argument the configuration left out
// (ok is false when it is unset). A value parse refuses is an error on that argument that names the
// variable, since the configuration does not hold the value.
func envSetting[T any](getenv func(string) string, diags *diag.Diagnostics, attribute, name string, parse func(string) (T, error)) (value T, ok bool) {
	text := getenv(name)
	if text == "" {
		return value, false
	}
	value, err := parse(text)
	if err != nil {
		diags.AddAttributeError(path.Root(attribute), "Invalid "+name, fmt.Sprintf("The %s environment variable: %v.", name, err))
		return value, false
	}
	return value, true
}

func parseMaxRetries(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > maxMaxRetries {
		return 0, fmt.Errorf("%q is not a whole number from 0 to %d", s, maxMaxRetries)
	}
	return n, nil
}

func parseRequestsPerSecond(s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < minRequestsPerSecond {
		return 0, fmt.Errorf("%q is not a number of requests per second of at least %g", s, minRequestsPerSecond)
	}
	return f, nil
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

// parentExecutable is the path of the parent process's executable where the system tells it (Linux).
func parentExecutable() string {
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", os.Getppid()))
	if err != nil {
		return ""
	}
	return exe
}
