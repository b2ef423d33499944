// Package domaintype is a Terraform string type for domain names. The platform compares domains in
// their ASCII (IDNA) form and returns them in it: "Bücher.Example" and "xn--bcher-kva.example" are one
// domain. Values of this type are semantically equal when they are the same domain, so a configuration
// may spell a domain either way, in any letter case, without a diff.
package domaintype

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

var (
	_ basetypes.StringTypable                    = Type{}
	_ basetypes.StringValuableWithSemanticEquals = Value{}
	_ xattr.ValidateableAttribute                = Value{}
)

// Type is the attribute type of a domain name; use it as CustomType of a string attribute.
type Type struct {
	basetypes.StringType
}

// String names the type in framework diagnostics.
func (t Type) String() string { return "domaintype.Type" }

// Equal reports whether o is also a domain type; the embedded StringType would accept any string type.
func (t Type) Equal(o attr.Type) bool {
	_, ok := o.(Type)
	return ok
}

// ValueType returns the value type this type produces.
func (t Type) ValueType(context.Context) attr.Value { return Value{} }

// ValueFromString wraps a framework string value.
func (t Type) ValueFromString(_ context.Context, in basetypes.StringValue) (basetypes.StringValuable, diag.Diagnostics) {
	return Value{StringValue: in}, nil
}

// ValueFromTerraform converts a Terraform value into a domain value.
func (t Type) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	v, err := t.StringType.ValueFromTerraform(ctx, in)
	if err != nil {
		return nil, err
	}
	s, ok := v.(basetypes.StringValue)
	if !ok {
		return nil, fmt.Errorf("unexpected value type %T", v)
	}
	return Value{StringValue: s}, nil
}

// Value is a domain name. It keeps the spelling it was given; Equal compares exactly (as Terraform
// does) and StringSemanticEquals compares the ASCII forms (as the platform does).
type Value struct {
	basetypes.StringValue
}

// NewValue returns a known domain value.
func NewValue(s string) Value { return Value{StringValue: basetypes.NewStringValue(s)} }

// NewNull returns a null domain value.
func NewNull() Value { return Value{StringValue: basetypes.NewStringNull()} }

// Type returns the domain type.
func (v Value) Type(context.Context) attr.Type { return Type{} }

// Equal is exact equality, including the spelling and the wrapping type.
func (v Value) Equal(o attr.Value) bool {
	other, ok := o.(Value)
	return ok && v.StringValue.Equal(other.StringValue)
}

// StringSemanticEquals lets the framework keep the configured spelling when the server answers the same
// domain in its ASCII form.
func (v Value) StringSemanticEquals(_ context.Context, newValuable basetypes.StringValuable) (bool, diag.Diagnostics) {
	var diags diag.Diagnostics
	other, ok := newValuable.(Value)
	if !ok {
		diags.AddError("Semantic equality check error",
			fmt.Sprintf("Expected a domain value, got %T. This is a bug in the provider.", newValuable))
		return false, diags
	}
	return Equivalent(v.ValueString(), other.ValueString()), diags
}

// ValidateAttribute checks, at plan time, that the value is a domain the server accepts, with the
// server's own rule (api.DomainKey).
func (v Value) ValidateAttribute(_ context.Context, req xattr.ValidateAttributeRequest, resp *xattr.ValidateAttributeResponse) {
	if v.IsNull() || v.IsUnknown() {
		return
	}
	if _, err := api.DomainKey(v.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid domain name",
			fmt.Sprintf("Attribute %s must be a domain name such as example.com (its Unicode form is accepted too): %s.", req.Path, err))
	}
}

// Equivalent reports whether a and b name the same domain for the platform: the server's comparison
// key, so plan-time and server-side answers never differ. Names that are not domains are equivalent
// only when identical.
func Equivalent(a, b string) bool {
	ka, errA := api.DomainKey(a)
	kb, errB := api.DomainKey(b)
	if errA != nil || errB != nil {
		return a == b
	}
	return ka == kb
}

// KeepStateString plans the prior state's spelling when the configuration names the same domain in
// another way. Semantic equality only applies to the values the provider returns, not to the plan:
// without this, a configuration rewritten as "Bücher.Example" would plan a replacement of
// "xn--bcher-kva.example". Terraform accepts a planned value equal to the prior state in place of the
// configured one.
func KeepStateString() planmodifier.String { return keepStateString{} }

type keepStateString struct{}

func (keepStateString) Description(context.Context) string {
	return "The same domain written another way (Unicode or ASCII form, other letter case) is not a change."
}

func (m keepStateString) MarkdownDescription(ctx context.Context) string { return m.Description(ctx) }

func (keepStateString) PlanModifyString(_ context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if !known(req.StateValue) || !known(req.ConfigValue) || !known(req.PlanValue) {
		return
	}
	if Equivalent(req.StateValue.ValueString(), req.PlanValue.ValueString()) {
		resp.PlanValue = req.StateValue
	}
}

func known(v basetypes.StringValue) bool { return !v.IsNull() && !v.IsUnknown() }
