package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// timeValue renders a server timestamp the way every resource stores it: RFC 3339 in UTC, or null when
// the server sent none.
func timeValue(t time.Time) types.String {
	if t.IsZero() {
		return types.StringNull()
	}
	return types.StringValue(t.UTC().Format(time.RFC3339))
}

// parseRFC3339 checks a timestamp argument with the layout the API's JSON uses, for stringCheck.
func parseRFC3339(s string) error {
	if _, err := time.Parse(time.RFC3339, s); err != nil {
		return fmt.Errorf("%q is not an RFC 3339 timestamp", s)
	}
	return nil
}

// sameInstantKeepsState plans the prior state's spelling of an RFC 3339 timestamp when the configuration
// names the same instant in another way ("2030-01-01T02:00:00+02:00" for "2030-01-01T00:00:00Z"), so a
// rewrite, or the API's UTC form after an import, is no change. Terraform accepts a planned value equal
// to the prior state in place of the configured one.
func sameInstantKeepsState() planmodifier.String { return sameInstantModifier{} }

type sameInstantModifier struct{}

func (sameInstantModifier) Description(context.Context) string {
	return "The same instant written another way is not a change."
}

func (m sameInstantModifier) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (sameInstantModifier) PlanModifyString(_ context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if req.StateValue.IsNull() || req.StateValue.IsUnknown() || req.PlanValue.IsNull() || req.PlanValue.IsUnknown() {
		return
	}
	prior, err1 := time.Parse(time.RFC3339, req.StateValue.ValueString())
	planned, err2 := time.Parse(time.RFC3339, req.PlanValue.ValueString())
	if err1 == nil && err2 == nil && prior.Equal(planned) {
		resp.PlanValue = req.StateValue
	}
}
