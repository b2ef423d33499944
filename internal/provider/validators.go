package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// httpURL validates an absolute http(s) URL with the rule the server applies (api.ValidateHTTPURL), so
// a URL the server would refuse fails at plan time instead.
func httpURL() validator.String {
	return stringCheck{desc: "must be an absolute http or https URL", check: api.ValidateHTTPURL}
}

// positiveDuration validates a Go duration string greater than zero.
func positiveDuration() validator.String {
	return stringCheck{desc: "must be a positive duration such as 30s or 2m", check: func(s string) error {
		_, err := parsePositiveDuration(s)
		return err
	}}
}

// durationAtLeast validates a Go duration string of at least least.
func durationAtLeast(least time.Duration) validator.String {
	return stringCheck{desc: "must be a duration of at least " + least.String(), check: func(s string) error {
		_, err := parseDurationAtLeast(s, least)
		return err
	}}
}

func parseDurationAtLeast(s string, least time.Duration) (time.Duration, error) {
	d, err := parsePositiveDuration(s)
	if err != nil {
		return 0, err
	}
	if d < least {
		return 0, fmt.Errorf("%q is shorter than %s, the shortest this accepts", s, least)
	}
	return d, nil
}

func parsePositiveDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration; write a number with a unit, such as 30s or 2m", s)
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q must be greater than zero", s)
	}
	return d, nil
}

// stringCheck adapts a func(string) error, such as the api package's shared syntax checks, to a
// framework validator. Null and unknown values are left to other checks.
type stringCheck struct {
	desc  string
	check func(string) error
}

func (v stringCheck) Description(context.Context) string { return v.desc }

func (v stringCheck) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v stringCheck) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := v.check(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid value", fmt.Sprintf("Attribute %s %s: %s.", req.Path, v.desc, err))
	}
}

// stringsOf converts a slice of a string-based enum (api.Plans, api.Roles...) for stringvalidator.OneOf.
func stringsOf[T ~string](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

// optionalHTTPURL is httpURL that also accepts "", the API's way of saying "none".
func optionalHTTPURL() validator.String {
	return stringCheck{desc: "must be an absolute http or https URL or empty", check: func(s string) error {
		if s == "" {
			return nil
		}
		return api.ValidateHTTPURL(s)
	}}
}
