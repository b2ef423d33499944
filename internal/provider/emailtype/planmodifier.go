package emailtype

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// Semantic equality only applies to values the provider returns (apply and refresh), not to the plan: a
// configuration rewritten in another case would still plan an update (or a replacement). Terraform
// accepts a planned value equal to the prior state in place of the configured one, which is how these
// modifiers turn a case-only change into no change at all.
//
// The framework marks computed attributes unknown before these modifiers run whenever the configuration
// differs from state, so a resource using them needs UseStateForUnknown (or a default) on its computed
// attributes, or a case-only change still plans an update of those.

// KeepStateString plans the prior state's spelling when the configured address differs only in case.
func KeepStateString() planmodifier.String { return keepStateString{} }

type keepStateString struct{}

func (keepStateString) Description(context.Context) string {
	return "A change of letter case only is not a change."
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

// KeepStateList plans the prior state's list when the configured list holds the same addresses, in the
// same order, differing only in case.
func KeepStateList() planmodifier.List { return keepStateList{} }

type keepStateList struct{}

func (keepStateList) Description(context.Context) string {
	return "A change of letter case only is not a change."
}

func (m keepStateList) MarkdownDescription(ctx context.Context) string { return m.Description(ctx) }

func (keepStateList) PlanModifyList(ctx context.Context, req planmodifier.ListRequest, resp *planmodifier.ListResponse) {
	if req.StateValue.IsNull() || req.StateValue.IsUnknown() || req.PlanValue.IsNull() || req.PlanValue.IsUnknown() {
		return
	}
	prior, planned := req.StateValue.Elements(), req.PlanValue.Elements()
	if len(prior) != len(planned) {
		return
	}
	for i := range prior {
		a, okA := prior[i].(basetypes.StringValuable)
		b, okB := planned[i].(basetypes.StringValuable)
		if !okA || !okB {
			return
		}
		as, _ := a.ToStringValue(ctx)
		bs, _ := b.ToStringValue(ctx)
		if !known(as) || !known(bs) || !Equivalent(as.ValueString(), bs.ValueString()) {
			return
		}
	}
	resp.PlanValue = req.StateValue
}

func known(v basetypes.StringValue) bool { return !v.IsNull() && !v.IsUnknown() }

// Validator checks email syntax with the server's rule; for elements of collections of addresses.
func Validator() validator.String { return emailValidator{} }

type emailValidator struct{}

func (emailValidator) Description(context.Context) string { return "must be a bare email address" }

func (v emailValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (emailValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if !known(req.ConfigValue) {
		return
	}
	if err := api.ValidateEmail(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid email address", fmt.Sprintf("Attribute %s: %s.", req.Path, err))
	}
}
