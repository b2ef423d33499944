package provider

import (
	"reflect"

	"github.com/hashicorp/terraform-plugin-framework/attr"
)

// sameAttributeValues reports whether two models of the same type hold the same values: each field an
// attr.Value (types.String, a custom type, a timeouts block...) Equal to its counterpart, a nested struct
// compared field by field. What it cannot compare (a field of another kind, or one it cannot reach, such
// as the fields of an unexported embedded struct) counts as a difference, so a caller that skips work
// on "the same" never skips it wrongly.
func sameAttributeValues(a, b any) bool {
	return sameValues(reflect.ValueOf(a), reflect.ValueOf(b))
}

func sameValues(a, b reflect.Value) bool {
	if !a.IsValid() || !b.IsValid() || a.Type() != b.Type() || !a.CanInterface() {
		return false
	}
	if a.Kind() == reflect.Pointer && (a.IsNil() || b.IsNil()) {
		return a.IsNil() && b.IsNil()
	}
	if av, ok := a.Interface().(attr.Value); ok {
		bv, ok := b.Interface().(attr.Value)
		return ok && av.Equal(bv)
	}
	switch a.Kind() {
	case reflect.Pointer:
		return sameValues(a.Elem(), b.Elem())
	case reflect.Struct:
		for i := range a.NumField() {
			if !sameValues(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	}
	return false
}
