package domaintype_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/orgs-dev/terraform-provider-orgs/internal/provider/domaintype"
)

// TestSemanticEquality: the spellings of one domain (Unicode or ASCII form, any letter case, a final
// dot) are one domain; other domains, and names that only look alike, are not.
func TestSemanticEquality(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"example.com", "Example.COM", true},
		{"bücher.example", "xn--bcher-kva.example", true},
		{"BÜCHER.Example", "xn--bcher-kva.example", true},
		{"example.com.", "example.com", true},
		{"example.com", "example.org", false},
		{"bücher.example", "bucher.example", false},
		{"not a domain", "not a domain", true}, // invalid names compare exactly
		{"not a domain", "Not a domain", false},
	} {
		got, diags := domaintype.NewValue(tc.a).StringSemanticEquals(ctx, domaintype.NewValue(tc.b))
		if diags.HasError() {
			t.Fatalf("%q vs %q: %v", tc.a, tc.b, diags)
		}
		if got != tc.want {
			t.Errorf("StringSemanticEquals(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
	if domaintype.NewValue("Example.com").Equal(domaintype.NewValue("example.com")) {
		t.Error("Equal ignores the spelling; it must not")
	}
	if domaintype.NewValue("example.com").Equal(types.StringValue("example.com")) {
		t.Error("a domain value equals a plain string value")
	}
	if _, diags := domaintype.NewValue("example.com").StringSemanticEquals(ctx, types.StringValue("example.com")); !diags.HasError() {
		t.Error("comparing with a plain string is not reported as the provider's bug")
	}
}

func TestTypeRoundTrip(t *testing.T) {
	ctx := context.Background()
	v, err := domaintype.Type{}.ValueFromTerraform(ctx, tftypes.NewValue(tftypes.String, "Bücher.Example"))
	if err != nil {
		t.Fatal(err)
	}
	dv, ok := v.(domaintype.Value)
	if !ok || dv.ValueString() != "Bücher.Example" {
		t.Fatalf("ValueFromTerraform returned %#v, want the domain value as given", v)
	}
	if !(domaintype.Type{}).Equal(dv.Type(ctx)) || (domaintype.Type{}).Equal(types.StringType) {
		t.Error("type equality is wrong")
	}
	null, err := domaintype.Type{}.ValueFromTerraform(ctx, tftypes.NewValue(tftypes.String, nil))
	if err != nil || !null.IsNull() {
		t.Errorf("null round trip: %v, %v", null, err)
	}
}

// TestValidation applies the server's rule at plan time, with a message naming the attribute.
func TestValidation(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		in   string
		want string // "" when valid; else in the error's detail
	}{
		{"example.com", ""},
		{"Bücher.Example", ""},
		{"localhost", "it has no dot"},
		{"-bad-.example", "not a valid domain name"},
		{"a b.example", "not a valid domain name"},
		{"", "it has no dot"},
	} {
		var resp xattr.ValidateAttributeResponse
		domaintype.NewValue(tc.in).ValidateAttribute(ctx, xattr.ValidateAttributeRequest{Path: path.Root("domain")}, &resp)
		switch {
		case tc.want == "" && resp.Diagnostics.HasError():
			t.Errorf("%q: unexpected errors %v", tc.in, resp.Diagnostics)
		case tc.want != "" && !resp.Diagnostics.HasError():
			t.Errorf("%q: accepted, want an error containing %q", tc.in, tc.want)
		case tc.want != "":
			detail := resp.Diagnostics.Errors()[0].Detail()
			if !strings.Contains(detail, tc.want) || !strings.HasPrefix(detail, "Attribute domain ") {
				t.Errorf("%q: error %q, want it to name the attribute and say %q", tc.in, detail, tc.want)
			}
		}
	}
	var resp xattr.ValidateAttributeResponse
	domaintype.Value{StringValue: types.StringUnknown()}.ValidateAttribute(ctx, xattr.ValidateAttributeRequest{Path: path.Root("domain")}, &resp)
	if resp.Diagnostics.HasError() {
		t.Errorf("an unknown value is invalid: %v", resp.Diagnostics)
	}
}

func TestKeepStateString(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name        string
		state, plan types.String
		wantPlanned string
	}{
		{"Unicode form of the state's", types.StringValue("xn--bcher-kva.example"), types.StringValue("BÜCHER.example"), "xn--bcher-kva.example"},
		{"letter case only", types.StringValue("example.com"), types.StringValue("Example.com"), "example.com"},
		{"another domain", types.StringValue("example.com"), types.StringValue("example.org"), "example.org"},
		{"create", types.StringNull(), types.StringValue("example.org"), "example.org"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := planmodifier.StringRequest{StateValue: tc.state, PlanValue: tc.plan, ConfigValue: tc.plan}
			resp := planmodifier.StringResponse{PlanValue: tc.plan}
			domaintype.KeepStateString().PlanModifyString(ctx, req, &resp)
			if resp.PlanValue.ValueString() != tc.wantPlanned {
				t.Errorf("planned %q, want %q", resp.PlanValue.ValueString(), tc.wantPlanned)
			}
		})
	}
}
