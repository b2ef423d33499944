package emailtype_test

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/orgs-dev/terraform-provider-orgs/internal/provider/emailtype"
)

func TestSemanticEquality(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"Alice@Example.com", "alice@example.com", true},
		{"alice@example.com", "alice@example.com", true},
		{"alice@example.com", "alice@example.org", false},
		{"alice@example.com", "bob@example.com", false},
	} {
		got, diags := emailtype.NewValue(tc.a).StringSemanticEquals(ctx, emailtype.NewValue(tc.b))
		if diags.HasError() {
			t.Fatalf("%q vs %q: %v", tc.a, tc.b, diags)
		}
		if got != tc.want {
			t.Errorf("StringSemanticEquals(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
	// Terraform's own equality stays exact: the configured spelling is what is stored.
	if emailtype.NewValue("Alice@Example.com").Equal(emailtype.NewValue("alice@example.com")) {
		t.Error("Equal ignores case; it must not")
	}
	if !emailtype.NewValue("a@example.com").Equal(emailtype.NewValue("a@example.com")) {
		t.Error("Equal of identical values is false")
	}
	if emailtype.NewValue("a@example.com").Equal(types.StringValue("a@example.com")) {
		t.Error("an email value equals a plain string value")
	}
}

func TestTypeRoundTrip(t *testing.T) {
	ctx := context.Background()
	v, err := emailtype.Type{}.ValueFromTerraform(ctx, tftypes.NewValue(tftypes.String, "Bob@Example.com"))
	if err != nil {
		t.Fatal(err)
	}
	ev, ok := v.(emailtype.Value)
	if !ok {
		t.Fatalf("ValueFromTerraform returned %T, want emailtype.Value", v)
	}
	if ev.ValueString() != "Bob@Example.com" {
		t.Errorf("value %q, want the spelling given", ev.ValueString())
	}
	if !(emailtype.Type{}).Equal(ev.Type(ctx)) || (emailtype.Type{}).Equal(types.StringType) {
		t.Error("type equality is wrong")
	}
	null, err := emailtype.Type{}.ValueFromTerraform(ctx, tftypes.NewValue(tftypes.String, nil))
	if err != nil || !null.IsNull() {
		t.Errorf("null round trip: %v, %v", null, err)
	}
}

func TestValidation(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		in    string
		valid bool
	}{
		{"alice@example.com", true},
		{"Alice@Example.com", true},
		{"alice", false},
		{"Alice <alice@example.com>", false},
		{"", false},
	} {
		var resp xattr.ValidateAttributeResponse
		emailtype.NewValue(tc.in).ValidateAttribute(ctx, xattr.ValidateAttributeRequest{Path: path.Root("email")}, &resp)
		if resp.Diagnostics.HasError() == tc.valid {
			t.Errorf("ValidateAttribute(%q): errors %v, want valid=%v", tc.in, resp.Diagnostics, tc.valid)
		}
		var vresp validator.StringResponse
		emailtype.Validator().ValidateString(ctx, validator.StringRequest{Path: path.Root("emails").AtListIndex(0), ConfigValue: types.StringValue(tc.in)}, &vresp)
		if vresp.Diagnostics.HasError() == tc.valid {
			t.Errorf("Validator(%q): errors %v, want valid=%v", tc.in, vresp.Diagnostics, tc.valid)
		}
	}
	var resp xattr.ValidateAttributeResponse
	emailtype.NewUnknown().ValidateAttribute(ctx, xattr.ValidateAttributeRequest{Path: path.Root("email")}, &resp)
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
		{"case only", types.StringValue("Alice@Example.com"), types.StringValue("alice@example.com"), "Alice@Example.com"},
		{"other address", types.StringValue("alice@example.com"), types.StringValue("bob@example.com"), "bob@example.com"},
		{"create", types.StringNull(), types.StringValue("bob@example.com"), "bob@example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := planmodifier.StringRequest{StateValue: tc.state, PlanValue: tc.plan, ConfigValue: tc.plan}
			resp := planmodifier.StringResponse{PlanValue: tc.plan}
			emailtype.KeepStateString().PlanModifyString(ctx, req, &resp)
			if resp.PlanValue.ValueString() != tc.wantPlanned {
				t.Errorf("planned %q, want %q", resp.PlanValue.ValueString(), tc.wantPlanned)
			}
		})
	}
}

func TestKeepStateList(t *testing.T) {
	ctx := context.Background()
	list := func(emails ...string) types.List {
		vals := make([]attr.Value, len(emails))
		for i, e := range emails {
			vals[i] = emailtype.NewValue(e)
		}
		return types.ListValueMust(emailtype.Type{}, vals)
	}
	for _, tc := range []struct {
		name        string
		state, plan types.List
		keepState   bool
	}{
		{"case only", list("A@Example.com", "b@example.com"), list("a@example.com", "B@EXAMPLE.COM"), true},
		{"reordered", list("a@example.com", "b@example.com"), list("b@example.com", "a@example.com"), false},
		{"added", list("a@example.com"), list("a@example.com", "b@example.com"), false},
		{"changed", list("a@example.com"), list("c@example.com"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := planmodifier.ListRequest{StateValue: tc.state, PlanValue: tc.plan, ConfigValue: tc.plan}
			resp := planmodifier.ListResponse{PlanValue: tc.plan}
			emailtype.KeepStateList().PlanModifyList(ctx, req, &resp)
			want := tc.plan
			if tc.keepState {
				want = tc.state
			}
			if !resp.PlanValue.Equal(want) {
				t.Errorf("planned %v, want %v", resp.PlanValue, want)
			}
		})
	}
}
