package provider

import "github.com/hashicorp/terraform-plugin-framework/types"

// Updates are PATCHes of what changed between state and plan only: some fields need a particular role
// (an organization's plan is billing) and secrets must not be sent again when unchanged.

// changedString is the PATCH field for an attribute: its planned value when it differs from state, else nil.
func changedString(plan, state types.String) *string {
	if plan.Equal(state) {
		return nil
	}
	v := plan.ValueString()
	return &v
}

// changedBool is changedString for a bool attribute.
func changedBool(plan, state types.Bool) *bool {
	if plan.Equal(state) {
		return nil
	}
	v := plan.ValueBool()
	return &v
}

// changedWriteOnly is the PATCH field for a write-only secret: the configured value when its version
// changed, else nil. The secret is never stored, so nothing but its version tells a new one from the old.
func changedWriteOnly(config types.String, planVersion, stateVersion types.Int64) *string {
	if config.IsNull() || planVersion.Equal(stateVersion) {
		return nil
	}
	v := config.ValueString()
	return &v
}
