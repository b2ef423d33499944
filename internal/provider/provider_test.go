package provider

import (
	"context"
	"maps"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// configure runs the provider's Configure with the given attribute values (absent ones null) and
// environment.
func configure(t *testing.T, env map[string]string, values map[string]tftypes.Value, deferralAllowed bool) provider.ConfigureResponse {
	t.Helper()
	ctx := context.Background()
	p := &orgsProvider{version: "test", getenv: func(k string) string { return env[k] }, parentExecutable: func() string { return "" }}
	var sresp provider.SchemaResponse
	p.Schema(ctx, provider.SchemaRequest{}, &sresp)
	raw := map[string]tftypes.Value{
		"endpoint":                tftypes.NewValue(tftypes.String, nil),
		"token":                   tftypes.NewValue(tftypes.String, nil),
		"max_retries":             tftypes.NewValue(tftypes.Number, nil),
		"request_timeout":         tftypes.NewValue(tftypes.String, nil),
		"max_requests_per_second": tftypes.NewValue(tftypes.Number, nil),
		"organization_id":         tftypes.NewValue(tftypes.String, nil),
	}
	for k, v := range values {
		raw[k] = v
	}
	req := provider.ConfigureRequest{
		Config:             tfsdk.Config{Schema: sresp.Schema, Raw: tftypes.NewValue(sresp.Schema.Type().TerraformType(ctx), raw)},
		ClientCapabilities: provider.ConfigureProviderClientCapabilities{DeferralAllowed: deferralAllowed},
	}
	var resp provider.ConfigureResponse
	p.Configure(ctx, req, &resp)
	return resp
}

func str(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }

// attributeError returns the error diagnostic on attribute name, or nil.
func attributeError(diags diag.Diagnostics, name string) diag.Diagnostic {
	for _, d := range diags.Errors() {
		if wp, ok := d.(diag.DiagnosticWithPath); ok && wp.Path().Equal(path.Root(name)) {
			return d
		}
	}
	return nil
}

func TestConfigureMissingSettingsSayHowToSetThem(t *testing.T) {
	resp := configure(t, nil, nil, false)
	for name, env := range map[string]string{"endpoint": EnvEndpoint, "token": EnvToken} {
		d := attributeError(resp.Diagnostics, name)
		if d == nil {
			t.Fatalf("no error on %s; diagnostics: %v", name, resp.Diagnostics)
		}
		if !strings.Contains(d.Detail(), "`"+name+"`") || !strings.Contains(d.Detail(), env) {
			t.Errorf("%s error %q does not say to set `%s` or %s", name, d.Detail(), name, env)
		}
	}
	if resp.ResourceData != nil {
		t.Error("a client was configured without endpoint and token")
	}
}

func TestConfigureFallsBackToEnvironment(t *testing.T) {
	resp := configure(t, map[string]string{EnvEndpoint: "http://127.0.0.1:1", EnvToken: "secret"}, nil, false)
	if resp.Diagnostics.HasError() {
		t.Fatalf("configure: %v", resp.Diagnostics)
	}
	if _, ok := resp.ResourceData.(*providerData); !ok {
		t.Fatalf("ResourceData is %T, want *providerData", resp.ResourceData)
	}
	if _, ok := resp.DataSourceData.(*providerData); !ok {
		t.Fatalf("DataSourceData is %T, want *providerData", resp.DataSourceData)
	}
}

func TestConfigureRejectsMalformedEndpointFromEnvironment(t *testing.T) {
	// The schema validator only sees the configuration; the environment is checked in Configure.
	resp := configure(t, map[string]string{EnvEndpoint: "ftp://example.com", EnvToken: "secret"}, nil, false)
	d := attributeError(resp.Diagnostics, "endpoint")
	if d == nil || !strings.Contains(d.Detail(), EnvEndpoint) {
		t.Fatalf("want an endpoint error naming %s, got %v", EnvEndpoint, resp.Diagnostics)
	}
}

func TestConfigurePrefersConfigurationOverEnvironment(t *testing.T) {
	resp := configure(t, map[string]string{EnvEndpoint: "ftp://bad", EnvToken: ""},
		map[string]tftypes.Value{"endpoint": str("https://api.example.com"), "token": str("t")}, false)
	if resp.Diagnostics.HasError() {
		t.Fatalf("configure: %v", resp.Diagnostics)
	}
}

func TestConfigureUnknownValues(t *testing.T) {
	unknown := map[string]tftypes.Value{
		"endpoint": tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
		"token":    str("t"),
	}
	t.Run("deferral allowed", func(t *testing.T) {
		resp := configure(t, nil, unknown, true)
		if resp.Diagnostics.HasError() {
			t.Fatalf("configure: %v", resp.Diagnostics)
		}
		if resp.Deferred == nil || resp.Deferred.Reason != provider.DeferredReasonProviderConfigUnknown {
			t.Fatalf("Deferred = %v, want provider config unknown", resp.Deferred)
		}
	})
	t.Run("no deferral", func(t *testing.T) {
		resp := configure(t, nil, unknown, false)
		if resp.Diagnostics.HasError() {
			t.Fatalf("a plan that needs no API call must not fail: %v", resp.Diagnostics)
		}
		data, ok := resp.ResourceData.(*providerData)
		if !ok {
			t.Fatalf("ResourceData is %T, want *providerData", resp.ResourceData)
		}
		_, err := data.client.GetOrganization(t.Context(), "org_1")
		if err == nil || !strings.Contains(err.Error(), "not known until apply") {
			t.Fatalf("a call without a known configuration returned %v, want an explanation", err)
		}
	})
}

func TestConfigureRequestTimeout(t *testing.T) {
	ok := map[string]tftypes.Value{"endpoint": str("http://127.0.0.1:1"), "token": str("t"), "request_timeout": str("2m")}
	if resp := configure(t, nil, ok, false); resp.Diagnostics.HasError() {
		t.Fatalf("2m refused: %v", resp.Diagnostics)
	}
	bad := map[string]tftypes.Value{"endpoint": str("http://127.0.0.1:1"), "token": str("t"), "request_timeout": str("soon")}
	if d := attributeError(configure(t, nil, bad, false).Diagnostics, "request_timeout"); d == nil {
		t.Fatal("request_timeout \"soon\" accepted")
	}
}

func TestDurationAndURLValidators(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		v     validator.String
		in    string
		valid bool
	}{
		{positiveDuration(), "30s", true},
		{positiveDuration(), "1h30m", true},
		{positiveDuration(), "30", false},
		{positiveDuration(), "0s", false},
		{positiveDuration(), "-1s", false},
		{httpURL(), "https://api.example.com", true},
		{httpURL(), "http://127.0.0.1:8080/api/v1", true},
		{httpURL(), "api.example.com", false},
		{httpURL(), "", false},
		{optionalHTTPURL(), "", true},
		{optionalHTTPURL(), "mailto:a@example.com", false},
	} {
		var resp validator.StringResponse
		tc.v.ValidateString(ctx, validator.StringRequest{Path: path.Root("x"), ConfigValue: types.StringValue(tc.in)}, &resp)
		if resp.Diagnostics.HasError() == tc.valid {
			t.Errorf("%s(%q): %v, want valid=%v", tc.v.Description(ctx), tc.in, resp.Diagnostics, tc.valid)
		}
		if !tc.valid && !strings.Contains(resp.Diagnostics.Errors()[0].Detail(), "x") {
			t.Errorf("error for %q does not name the attribute: %v", tc.in, resp.Diagnostics)
		}
	}
}

func TestProviderSchemasAreValid(t *testing.T) {
	ctx := context.Background()
	p := New("test")()
	for _, newResource := range p.Resources(ctx) {
		r := newResource()
		var meta resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "orgs"}, &meta)
		var resp resource.SchemaResponse
		r.Schema(ctx, resource.SchemaRequest{}, &resp)
		if resp.Diagnostics.HasError() {
			t.Errorf("%s schema: %v", meta.TypeName, resp.Diagnostics)
		}
		if diags := resp.Schema.ValidateImplementation(ctx); diags.HasError() {
			t.Errorf("%s schema: %v", meta.TypeName, diags)
		}
		for name, a := range resp.Schema.Attributes {
			if a.GetMarkdownDescription() == "" {
				t.Errorf("%s.%s has no MarkdownDescription", meta.TypeName, name)
			}
		}
	}
}

// The optional arguments fall back to their environment variables; a bad value there is refused with
// the variable's name, since the configuration does not hold it.
func TestConfigureOptionalSettingsFromEnvironment(t *testing.T) {
	base := map[string]string{EnvEndpoint: "http://127.0.0.1:1", EnvToken: "secret"}
	with := func(k, v string) map[string]string {
		env := maps.Clone(base)
		env[k] = v
		return env
	}
	for name, env := range map[string]map[string]string{
		"retries": with(EnvMaxRetries, "7"),
		"timeout": with(EnvRequestTimeout, "90s"),
		"rate":    with(EnvMaxRequestsPerSecond, "12.5"),
	} {
		if resp := configure(t, env, nil, false); resp.Diagnostics.HasError() {
			t.Errorf("%s: a valid environment value was refused: %v", name, resp.Diagnostics)
		}
	}
	for attr, env := range map[string]map[string]string{
		"max_retries":             with(EnvMaxRetries, "11"),
		"request_timeout":         with(EnvRequestTimeout, "soon"),
		"max_requests_per_second": with(EnvMaxRequestsPerSecond, "0"),
	} {
		d := attributeError(configure(t, env, nil, false).Diagnostics, attr)
		if d == nil {
			t.Errorf("a bad environment value for %s was accepted", attr)
			continue
		}
		for k := range env {
			if k != EnvEndpoint && k != EnvToken && !strings.Contains(d.Summary()+d.Detail(), k) {
				t.Errorf("the error for %s does not name %s: %s: %s", attr, k, d.Summary(), d.Detail())
			}
		}
	}
	// The configuration wins over the environment.
	resp := configure(t, with(EnvMaxRequestsPerSecond, "nonsense"), map[string]tftypes.Value{
		"endpoint": str("http://127.0.0.1:1"), "token": str("t"),
		"max_requests_per_second": tftypes.NewValue(tftypes.Number, 5),
	}, false)
	if resp.Diagnostics.HasError() {
		t.Errorf("the configured value should win over a bad environment value: %v", resp.Diagnostics)
	}
}

func TestUserAgentNamesTheCLI(t *testing.T) {
	for parent, want := range map[string]string{
		"/root/.cache/terraform-provider-orgs/tofu-1.12.6/tofu": "terraform-provider-orgs/1.2.0 (OpenTofu/1.12.6)",
		"/usr/local/bin/terraform":                              "terraform-provider-orgs/1.2.0 (Terraform/1.12.6)",
		"/tmp/go-build1/b001/provider.test":                     "terraform-provider-orgs/1.2.0 (Terraform-compatible/1.12.6)",
		"":                                                      "terraform-provider-orgs/1.2.0 (Terraform-compatible/1.12.6)",
	} {
		p := &orgsProvider{version: "1.2.0", parentExecutable: func() string { return parent }}
		if got := p.userAgent("1.12.6"); got != want {
			t.Errorf("parent %q: user agent %q, want %q", parent, got, want)
		}
	}
	p := &orgsProvider{version: "1.2.0", parentExecutable: func() string { return "/bin/tofu" }}
	if got := p.userAgent(""); got != "terraform-provider-orgs/1.2.0" {
		t.Errorf("without a CLI version: %q", got)
	}
}

// TestRequestsPerSecondFromTheEnvironment: ORGS_MAX_REQUESTS_PER_SECOND takes any number down to the
// documented minimum, that minimum included, and names what it refuses.
func TestRequestsPerSecondFromTheEnvironment(t *testing.T) {
	for s, want := range map[string]float64{"0.1": 0.1, "2.5": 2.5, "50": 50} {
		if got, err := parseRequestsPerSecond(s); err != nil || got != want {
			t.Errorf("parseRequestsPerSecond(%q) = %g, %v; want %g", s, got, err, want)
		}
	}
	for _, s := range []string{"0.09", "0", "-1", "NaN", "+Inf", "fast"} {
		if _, err := parseRequestsPerSecond(s); err == nil || !strings.Contains(err.Error(), s) {
			t.Errorf("parseRequestsPerSecond(%q) took it or did not name it: %v", s, err)
		}
	}
}
