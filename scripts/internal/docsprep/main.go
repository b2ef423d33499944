// Command docsprep prepares the inputs of tfplugindocs for scripts/generate-docs.sh:
//
//   - it renames the provider's entry in the schema that `terraform providers schema -json` wrote, from the
//     CLI's fully qualified source address to the provider's short name, the key tfplugindocs looks
//     up (the default registry host differs between OpenTofu and Terraform, so no host is spelled here);
//   - it replaces the plan-limits marker in a copy of the provider page template with a table built
//     from api.PlanLimits, so the documented limits are the enforced ones.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// limitsMarker is the template comment that stands for the generated table; as a template comment
// it renders to nothing, so docsprep refuses to run when it is missing rather than drop the table.
const limitsMarker = "{{/* plan-limits */}}"

func main() {
	schemaIn := flag.String("schema-in", "", "schema JSON written by `terraform providers schema -json`")
	schemaOut := flag.String("schema-out", "", "where to write the schema with the provider under its short name")
	provider := flag.String("provider", "orgs", "the provider's short name")
	template := flag.String("template", "", "provider page template whose plan-limits marker is replaced, in place")
	flag.Parse()

	if err := run(*schemaIn, *schemaOut, *provider, *template); err != nil {
		fmt.Fprintln(os.Stderr, "docsprep:", err)
		os.Exit(1)
	}
}

func run(schemaIn, schemaOut, provider, template string) error {
	if schemaIn == "" || schemaOut == "" || template == "" {
		return errors.New("-schema-in, -schema-out and -template are required")
	}
	raw, err := os.ReadFile(schemaIn)
	if err != nil {
		return err
	}
	renamed, err := renameProvider(raw, provider)
	if err != nil {
		return fmt.Errorf("%s: %w", schemaIn, err)
	}
	if err := os.WriteFile(schemaOut, renamed, 0o600); err != nil {
		return err
	}

	tmpl, err := os.ReadFile(template)
	if err != nil {
		return err
	}
	filled, err := fillLimits(tmpl)
	if err != nil {
		return fmt.Errorf("%s: %w", template, err)
	}
	return os.WriteFile(template, filled, 0o600)
}

// renameProvider moves the one provider_schemas entry whose source address ends in "/<provider>" to
// the key "<provider>".
func renameProvider(raw []byte, provider string) ([]byte, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("decode schema: %w", err)
	}
	var schemas map[string]json.RawMessage
	if err := json.Unmarshal(doc["provider_schemas"], &schemas); err != nil {
		return nil, fmt.Errorf("decode provider_schemas: %w", err)
	}
	var found []string
	for source := range schemas {
		if source == provider || strings.HasSuffix(source, "/"+provider) {
			found = append(found, source)
		}
	}
	if len(found) != 1 {
		return nil, fmt.Errorf("want exactly one schema for provider %q, found %d (%v)", provider, len(found), found)
	}
	entry := schemas[found[0]]
	delete(schemas, found[0])
	schemas[provider] = entry

	encoded, err := json.Marshal(schemas)
	if err != nil {
		return nil, err
	}
	doc["provider_schemas"] = encoded
	return json.Marshal(doc)
}

func fillLimits(tmpl []byte) ([]byte, error) {
	if bytes.Count(tmpl, []byte(limitsMarker)) != 1 {
		return nil, fmt.Errorf("want the marker %s exactly once", limitsMarker)
	}
	return bytes.Replace(tmpl, []byte(limitsMarker), []byte(limitsTable()), 1), nil
}

// limitsTable renders api.PlanLimits as Markdown, one row per plan in the API's order.
func limitsTable() string {
	var b strings.Builder
	b.WriteString("| Plan | Members | Environments | API tokens | Container registries | Labels | Teams |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|\n")
	for _, plan := range api.Plans {
		l := api.PlanLimits[plan]
		fmt.Fprintf(&b, "| `%s` | %d | %d | %d | %d | %d | %d |\n", plan, l.Members, l.Environments, l.APITokens, l.ContainerRegistries, l.Labels, l.Teams)
	}
	fmt.Fprintf(&b, "\nA user can be a member of at most %d organizations.", api.MaxOrganizationsPerUser)
	return b.String()
}
