package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/orgs-dev/terraform-provider-orgs/internal/provider/emailtype"
)

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
