// Package emailtype is a Terraform string type for email addresses. The platform compares emails
// case-insensitively and may return an address in another case than the one configured; values of this
// type are semantically equal regardless of case, so such a difference never shows up as a diff.
package emailtype

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

var (
	_ basetypes.StringTypable                    = Type{}
	_ basetypes.StringValuableWithSemanticEquals = Value{}
	_ xattr.ValidateableAttribute                = Value{}
)

// Type is the attribute type of an email address. Use it as CustomType of a string attribute, or as the
// ElementType of a list, set or map of addresses.
type Type struct {
	basetypes.StringType
}

// String names the type in framework diagnostics.
func (t Type) String() string { return "emailtype.Type" }

// Equal reports whether o is also an email type; the embedded StringType would accept any string type.
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

// ValueFromTerraform converts a Terraform value into an email value.
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

// Value is an email address. It keeps the case it was given; Equal compares exactly (as Terraform does)
// and StringSemanticEquals ignores case (as the platform does).
type Value struct {
	basetypes.StringValue
}

// NewValue returns a known email value.
func NewValue(s string) Value { return Value{StringValue: basetypes.NewStringValue(s)} }

// NewNull returns a null email value.
func NewNull() Value { return Value{StringValue: basetypes.NewStringNull()} }

// NewUnknown returns an unknown email value.
func NewUnknown() Value { return Value{StringValue: basetypes.NewStringUnknown()} }

// Type returns the email type.
func (v Value) Type(context.Context) attr.Type { return Type{} }

// Equal is exact equality, including case and the wrapping type.
func (v Value) Equal(o attr.Value) bool {
	other, ok := o.(Value)
	return ok && v.StringValue.Equal(other.StringValue)
}

// StringSemanticEquals lets the framework keep the configured spelling when the server answers the same
// address in another case.
func (v Value) StringSemanticEquals(_ context.Context, newValuable basetypes.StringValuable) (bool, diag.Diagnostics) {
	var diags diag.Diagnostics
	other, ok := newValuable.(Value)
	if !ok {
		diags.AddError("Semantic equality check error",
			fmt.Sprintf("Expected an email value, got %T. This is a bug in the provider.", newValuable))
		return false, diags
	}
	return Equivalent(v.ValueString(), other.ValueString()), diags
}

// ValidateAttribute checks the address syntax wherever a single attribute has this type, with the same
// rule as the server. Elements of a list are not validated by the framework this way; use Validator for
// them (listvalidator.ValueStringsAre(emailtype.Validator())).
func (v Value) ValidateAttribute(_ context.Context, req xattr.ValidateAttributeRequest, resp *xattr.ValidateAttributeResponse) {
	if v.IsNull() || v.IsUnknown() {
		return
	}
	if err := api.ValidateEmail(v.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid email address", fmt.Sprintf("Attribute %s: %s.", req.Path, err))
	}
}

// Equivalent reports whether two addresses name the same mailbox for the platform: the server's own
// comparison key, so plan-time and server-side answers never differ.
func Equivalent(a, b string) bool { return api.EmailKey(a) == api.EmailKey(b) }
