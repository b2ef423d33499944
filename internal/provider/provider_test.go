package provider

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
	"github.com/orgs-dev/terraform-provider-orgs/internal/provider/emailtype"
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

func TestImportCompositeID(t *testing.T) {
	ctx := context.Background()
	r := NewInvitationResource()
	var sresp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sresp)
	run := func(id string) resource.ImportStateResponse {
		resp := resource.ImportStateResponse{State: tfsdk.State{
			Schema: sresp.Schema,
			Raw:    tftypes.NewValue(sresp.Schema.Type().TerraformType(ctx), nil),
		}}
		importCompositeID(ctx, resource.ImportStateRequest{ID: id}, &resp, path.Root("organization_id"), path.Root("id"))
		return resp
	}

	// Label keys hold '/': only the first one separates.
	resp := run("org_1/example.com/team")
	if resp.Diagnostics.HasError() {
		t.Fatalf("import: %v", resp.Diagnostics)
	}
	var org, rest types.String
	resp.State.GetAttribute(ctx, path.Root("organization_id"), &org)
	resp.State.GetAttribute(ctx, path.Root("id"), &rest)
	if org.ValueString() != "org_1" || rest.ValueString() != "example.com/team" {
		t.Errorf("split into %q and %q; want the first '/' to separate", org.ValueString(), rest.ValueString())
	}

	for _, bad := range []string{"org_1", "/inv_1", "org_1/", ""} {
		resp := run(bad)
		if !resp.Diagnostics.HasError() {
			t.Errorf("import ID %q accepted", bad)
			continue
		}
		if d := resp.Diagnostics.Errors()[0].Detail(); !strings.Contains(d, "<organization_id>/<id>") {
			t.Errorf("error for %q does not show the expected form: %s", bad, d)
		}
	}
}

func TestAPIErrorDiagnosticKeepsServersWords(t *testing.T) {
	detail := "Organization acme is on plan hobby, which allows at most 1 member."
	err := &client.Error{StatusCode: http.StatusConflict, Method: "POST", Path: "/api/v1/orgs/o/members",
		Problem: api.Problem{Type: api.ProblemLimitReached, Title: "Conflict", Status: 409, Detail: detail}}
	d := apiErrorDiagnostic("add member", errors.Join(err))
	if !strings.Contains(d.Detail(), detail) {
		t.Errorf("detail %q lost the server's message", d.Detail())
	}
	if !strings.Contains(d.Summary(), "add member") {
		t.Errorf("summary %q does not say what failed", d.Summary())
	}
	if !strings.Contains(d.Detail(), "The server refused to add member (HTTP 409 Conflict)") {
		t.Errorf("a refusal is not called one: %q", d.Detail())
	}
	unavailable := &client.Error{StatusCode: http.StatusServiceUnavailable, Method: "POST", Path: "/api/v1/orgs/o/members",
		Problem: api.Problem{Type: api.ProblemUnavailable, Title: "Service Unavailable", Status: 503, Detail: "maintenance"}}
	if d := apiErrorDiagnostic("add member", unavailable); !strings.Contains(d.Detail(), "The server kept failing to add member (HTTP 503 Service Unavailable): maintenance") {
		t.Errorf("a server failure that outlasted the retries reads %q", d.Detail())
	}
	plain := apiErrorDiagnostic("add member", errors.New("dial tcp: connection refused"))
	if !strings.Contains(plain.Detail(), "connection refused") {
		t.Errorf("transport error lost: %q", plain.Detail())
	}
}

func TestRemoveIfNotFound(t *testing.T) {
	ctx := context.Background()
	r := NewMemberResource()
	var sresp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sresp)
	typ := sresp.Schema.Type().TerraformType(ctx)
	newResp := func() *resource.ReadResponse {
		// Any known object will do: RemoveResource nulls it.
		obj := map[string]tftypes.Value{}
		objType, ok := typ.(tftypes.Object)
		if !ok {
			t.Fatalf("the member schema is a %T, not an object", typ)
		}
		for name, at := range objType.AttributeTypes {
			obj[name] = tftypes.NewValue(at, nil)
		}
		return &resource.ReadResponse{State: tfsdk.State{Schema: sresp.Schema, Raw: tftypes.NewValue(typ, obj)}}
	}

	notFound := &client.Error{StatusCode: 404, Problem: api.Problem{Type: api.ProblemNotFound, Status: 404, Detail: "no such member"}}
	resp := newResp()
	removeIfNotFound(ctx, notFound, resp)
	if len(resp.Diagnostics) != 0 {
		t.Errorf("a vanished object gave diagnostics: %v", resp.Diagnostics)
	}
	if !resp.State.Raw.IsNull() {
		t.Error("a vanished object stayed in state")
	}

	// The organization was deleted, with everything it held: gone too.
	resp = newResp()
	removeIfNotFound(ctx, &client.Error{StatusCode: 410, Problem: api.Problem{Type: api.ProblemOrganizationDeleted, Status: 410, Detail: "deleted"}}, resp)
	if len(resp.Diagnostics) != 0 || !resp.State.Raw.IsNull() {
		t.Errorf("an object of a deleted organization: diagnostics %v, removed %v; want removed without diagnostics", resp.Diagnostics, resp.State.Raw.IsNull())
	}

	// Losing access is not deletion: an error naming the organization, and the state kept.
	for _, err := range []error{
		&client.Error{StatusCode: 404, OrganizationID: "org_1", Problem: api.Problem{Type: api.ProblemOrganizationNotFound, Status: 404, Detail: `organization "org_1" not found`}},
		// A 404 that is not the API's answer (a proxy, a wrong endpoint) is not a deletion either.
		&client.Error{StatusCode: 404, Problem: api.Problem{Type: "about:blank", Status: 404, Detail: "GET /api/v1/orgs/org_1/members/x: HTTP 404 Not Found: <html>"}},
	} {
		resp = newResp()
		removeIfNotFound(ctx, err, resp)
		if !resp.Diagnostics.HasError() || resp.State.Raw.IsNull() {
			t.Errorf("%v: diagnostics %v, removed %v; want an error and the state kept", err, resp.Diagnostics, resp.State.Raw.IsNull())
		}
	}
	resp = newResp()
	removeIfNotFound(ctx, &client.Error{StatusCode: 500, Problem: api.Problem{Status: 500, Detail: "database is locked"}}, resp)
	if !resp.Diagnostics.HasError() || !strings.Contains(resp.Diagnostics.Errors()[0].Detail(), "database is locked") {
		t.Errorf("a server failure was not reported with its message: %v", resp.Diagnostics)
	}
	if resp.State.Raw.IsNull() {
		t.Error("a server failure removed the object from state")
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

// A call that got no answer at all points at the endpoint, the usual culprit.
func TestConnectionFailureNamesTheEndpoint(t *testing.T) {
	err := &client.ConnectionError{Method: "GET", URL: "http://127.0.0.1:1/api/v1/orgs/o", Attempts: 3, Err: errors.New("connect: connection refused")}
	d := apiErrorDiagnostic("read organization o", fmt.Errorf("wrapped: %w", err))
	for _, want := range []string{"connection refused", "`endpoint`", EnvEndpoint, "http://127.0.0.1:1"} {
		if !strings.Contains(d.Detail(), want) {
			t.Errorf("detail lacks %q: %s", want, d.Detail())
		}
	}
}

// sameAttributeValues decides whether a Read writes the state at all, so a difference it missed would
// hide drift from every plan: each kind of field that differs must count.
func TestSameAttributeValues(t *testing.T) {
	base := func() memberModel {
		return memberModel{
			ID: types.StringValue("org_1/a@example.com"), OrganizationID: types.StringValue("org_1"),
			Email: emailtype.NewValue("a@example.com"), Role: types.StringValue("admin"),
			EnvironmentRoles: types.MapValueMust(types.StringType, map[string]attr.Value{"env_1": types.StringValue("read")}),
			UserID:           types.StringValue("usr_1"), Status: types.StringValue("active"),
			DowngradeOnDestroy: types.BoolValue(false),
			Timeouts:           timeouts.Value{Object: types.ObjectNull(map[string]attr.Type{"read": types.StringType})},
		}
	}
	if !sameAttributeValues(base(), base()) {
		t.Fatal("two equal models compare different")
	}
	p1, p2 := base(), base()
	if !sameAttributeValues(&p1, &p2) {
		t.Error("pointers to two equal models compare different")
	}
	changes := map[string]func(*memberModel){
		"a string":              func(m *memberModel) { m.Role = types.StringValue("member") },
		"a string to null":      func(m *memberModel) { m.UserID = types.StringNull() },
		"a custom type's value": func(m *memberModel) { m.Email = emailtype.NewValue("A@example.com") },
		"a map element": func(m *memberModel) {
			m.EnvironmentRoles = types.MapValueMust(types.StringType, map[string]attr.Value{"env_1": types.StringValue("write")})
		},
		"a map to empty": func(m *memberModel) {
			m.EnvironmentRoles = types.MapValueMust(types.StringType, map[string]attr.Value{})
		},
		"a bool": func(m *memberModel) { m.DowngradeOnDestroy = types.BoolValue(true) },
		"the timeouts block": func(m *memberModel) {
			m.Timeouts = timeouts.Value{Object: types.ObjectValueMust(map[string]attr.Type{"read": types.StringType}, map[string]attr.Value{"read": types.StringValue("1m")})}
		},
	}
	for name, change := range changes {
		changed := base()
		change(&changed)
		if sameAttributeValues(base(), changed) {
			t.Errorf("a change of %s compares the same", name)
		}
	}
	// What it cannot compare counts as a difference: fields of an unexported embedded struct, and a
	// field that is not an attr.Value.
	type embedded struct{ organizationModel }
	if sameAttributeValues(embedded{}, embedded{}) {
		t.Error("an unexported embedded struct compares the same")
	}
	type plain struct{ N int }
	if sameAttributeValues(plain{1}, plain{1}) {
		t.Error("a field that is not an attr.Value compares the same")
	}
	if sameAttributeValues(base(), labelModel{}) {
		t.Error("two models of different types compare the same")
	}
}
