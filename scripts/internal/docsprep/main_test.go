package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

func TestRenameProvider(t *testing.T) {
	in := `{"format_version":"1.0","provider_schemas":{"example.test/hashicorp/orgs":{"provider":{"version":0}},"example.test/hashicorp/other":{}}}`
	out, err := renameProvider([]byte(in), "orgs")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		FormatVersion   string                     `json:"format_version"`
		ProviderSchemas map[string]json.RawMessage `json:"provider_schemas"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.FormatVersion != "1.0" {
		t.Errorf("format_version = %q, want it kept", doc.FormatVersion)
	}
	if got := string(doc.ProviderSchemas["orgs"]); got != `{"provider":{"version":0}}` {
		t.Errorf("schema under short name = %s", got)
	}
	if _, ok := doc.ProviderSchemas["example.test/hashicorp/orgs"]; ok {
		t.Error("the long key is still there")
	}
	if _, ok := doc.ProviderSchemas["example.test/hashicorp/other"]; !ok {
		t.Error("another provider's schema was dropped")
	}
}

func TestRenameProviderRefusesMissingOrAmbiguous(t *testing.T) {
	for name, in := range map[string]string{
		"missing":   `{"provider_schemas":{"example.test/hashicorp/other":{}}}`,
		"ambiguous": `{"provider_schemas":{"a.test/x/orgs":{},"b.test/y/orgs":{}}}`,
		"suffix":    `{"provider_schemas":{"a.test/x/notorgs":{}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := renameProvider([]byte(in), "orgs"); err == nil {
				t.Fatal("want an error")
			}
		})
	}
}

func TestFillLimits(t *testing.T) {
	out, err := fillLimits([]byte("before\n" + limitsMarker + "\nafter\n"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	if strings.Contains(text, limitsMarker) {
		t.Error("marker left in place")
	}
	for _, plan := range api.Plans {
		l := api.PlanLimits[plan]
		row := fmt.Sprintf("| `%s` | %d | %d | %d | %d | %d | %d |", plan, l.Members, l.Environments, l.APITokens, l.ContainerRegistries, l.Labels, l.Teams)
		if !strings.Contains(text, row) {
			t.Errorf("missing row %q in\n%s", row, text)
		}
	}
	if !strings.HasPrefix(text, "before\n") || !strings.HasSuffix(text, "\nafter\n") {
		t.Errorf("text around the marker changed:\n%s", text)
	}
}

func TestFillLimitsNeedsExactlyOneMarker(t *testing.T) {
	for _, in := range []string{"no marker", limitsMarker + limitsMarker} {
		if _, err := fillLimits([]byte(in)); err == nil {
			t.Errorf("fillLimits(%q): want an error", in)
		}
	}
}
