package server

import (
	"strings"
	"testing"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

func TestSlugFrom(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"Production":            "production",
		"Zone 0 to 9":           "zone-0-to-9", // the ends of both ranges
		"  EU west -- 2 ":       "eu-west-2",
		"Ünïcode only ☃":        "n-code-only",
		"☃☃☃":                   "environment",
		strings.Repeat("a", 80): strings.Repeat("a", 55),
	}
	for name, want := range tests {
		got := slugFrom(name, "environment")
		if got != want {
			t.Errorf("slugFrom(%q) = %q, want %q", name, got, want)
		}
		if err := api.ValidateSlug(got); err != nil {
			t.Errorf("slugFrom(%q) = %q, which is not a valid slug: %v", name, got, err)
		}
	}
}
