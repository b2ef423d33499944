package main

import (
	"encoding/json"
	"fmt"
	"strings"
)

// maxBlock is the most instances one resource block of the harness's configurations holds. OpenTofu's
// and Terraform's plan cost grows with the square of the instances of one for_each (measured with
// terraform_data on OpenTofu 1.12.6: 1,000 instances 3.5 s of CPU, 4,000 instances 40 s; over a local
// list passed through toset, 1,000 instances already cost minutes), so 10,000 members in one block
// would measure the CLI for hours and the provider not at all. Every configuration, the floors
// included, has the same blocks.
const maxBlock = 1000

// block is one resource block: a for_each over a local map of its own name, key to value.
type block struct {
	name   string
	keys   []string
	values []string
}

// blocks is the shape every configuration of a run has: the n members in blocks m0, m1, ... of at most
// maxBlock, then the labels in block l. member(i) and label(i) give the i-th key and value.
func blocks(n, labels int, member, label func(i int) (key, value string)) []block {
	var all []block
	for start := 0; start < n; start += maxBlock {
		b := block{name: fmt.Sprintf("m%d", start/maxBlock)}
		for i := start; i < min(n, start+maxBlock); i++ {
			k, v := member(i)
			b.keys, b.values = append(b.keys, k), append(b.values, v)
		}
		all = append(all, b)
	}
	l := block{name: "l"}
	for i := range labels {
		k, v := label(i)
		l.keys, l.values = append(l.keys, k), append(l.values, v)
	}
	return append(all, l)
}

// writeResources writes one resource of type typ with the given body for each block, iterating over
// the block's local.
func writeResources(b *strings.Builder, typ, body string, all []block) {
	for _, bl := range all {
		fmt.Fprintf(b, "\nresource %q %q {\n  for_each = local.%s\n%s}\n", typ, bl.name, bl.name, body)
	}
}

// writeLocals writes the blocks' locals.
func writeLocals(b *strings.Builder, all []block) {
	b.WriteString("\nlocals {\n")
	for _, bl := range all {
		fmt.Fprintf(b, "  %s = {\n", bl.name)
		for i, k := range bl.keys {
			fmt.Fprintf(b, "    %q = %q\n", k, bl.values[i])
		}
		b.WriteString("  }\n")
	}
	b.WriteString("}\n")
}

// requiredProvider is the terraform block of a configuration using one of the dev_overrides providers.
func requiredProvider(name string) string {
	return fmt.Sprintf("terraform {\n  required_providers {\n    %s = { source = \"orgs-dev/%s\" }\n  }\n}\n", name, name)
}

// orgsBlocks are the members (email to role; the owner first) and labels (key to value) of a run; with
// changed, one member in ten is an admin and one label in ten has another value (the 10% apply).
func orgsBlocks(n, labels int, changed bool) []block {
	return blocks(n, labels,
		func(i int) (string, string) {
			switch {
			case i == 0:
				return ownerEmail, "owner"
			case changed && tenth(i):
				return memberEmail(i), "admin"
			}
			return memberEmail(i), "member"
		},
		func(i int) (string, string) {
			return fmt.Sprintf("scale.example.com/label-%05d", i), changedValue(i, changed)
		})
}

// tenth picks one object in ten for the 10% apply (never the owner, the 0th member).
func tenth(i int) bool { return i%10 == 1 }

func changedValue(i int, changed bool) string {
	if changed && tenth(i) {
		return "changed"
	}
	return "scale"
}

// orgsConfig is n orgs_member and labels orgs_label in organization orgID. The owner's membership
// exists with the organization, so it is imported rather than created: N members is then exactly what
// the organization holds, and N can reach the plan's member limit.
func orgsConfig(orgID string, n, labels int, changed bool) string {
	var b strings.Builder
	b.WriteString(requiredProvider("orgs"))
	fmt.Fprintf(&b, "\nprovider \"orgs\" {}\n\nimport {\n  to = orgs_member.m0[%[2]q]\n  id = \"%[1]s/%[2]s\"\n}\n", orgID, ownerEmail)
	all := orgsBlocks(n, labels, changed)
	members, labelBlock := all[:len(all)-1], all[len(all)-1:]
	writeResources(&b, "orgs_member", fmt.Sprintf("  organization_id = %q\n  email           = each.key\n  role            = each.value\n", orgID), members)
	writeResources(&b, "orgs_label", fmt.Sprintf("  organization_id = %q\n  key             = each.key\n  value           = each.value\n", orgID), labelBlock)
	writeLocals(&b, all)
	return b.String()
}

// floorBlocks are the floors' instances, as many and in the same blocks as the orgs configuration's,
// with the same 10% changed when changed is set.
func floorBlocks(n, labels int, changed bool) []block {
	return blocks(n, labels,
		func(i int) (string, string) { return fmt.Sprintf("m-%05d", i), changedValue(i, changed) },
		func(i int) (string, string) { return fmt.Sprintf("l-%05d", i), changedValue(i, changed) })
}

// dataConfig is terraform_data: the CLI's own cost.
func dataConfig(n, labels int) string {
	var b strings.Builder
	all := floorBlocks(n, labels, false)
	writeResources(&b, "terraform_data", "  input    = each.key\n", all)
	writeLocals(&b, all)
	return b.String()
}

// floorConfig is floor_item: the plugin protocol's and the framework's cost.
func floorConfig(n, labels int, changed bool) string {
	var b strings.Builder
	b.WriteString(requiredProvider("floor") + "\nprovider \"floor\" {}\n")
	all := floorBlocks(n, labels, changed)
	writeResources(&b, "floor_item", "  organization_id = \"org_scale\"\n  key             = each.key\n  value           = each.value\n", all)
	writeLocals(&b, all)
	return b.String()
}

// floorState is the state an apply of dataConfig or floorConfig leaves (typ terraform_data or
// floor_item), written directly: the floors measure a plan, and applying thousands of them first costs
// the CLI many minutes (over a quarter of an hour for 2,000 terraform_data on a loaded machine). cli is
// the CLI's binary, whose version and default provider host the state names.
func floorState(typ string, n, labels int, cliVersion, cliName string) ([]byte, error) {
	provider := `provider["terraform.io/builtin/terraform"]`
	if typ == "floor_item" {
		host := "registry.opentofu.org"
		if cliName == "terraform" {
			host = "registry.terraform.io"
		}
		provider = fmt.Sprintf(`provider[%q]`, host+"/orgs-dev/floor")
	}
	type instance struct {
		IndexKey            string         `json:"index_key"`
		SchemaVersion       int            `json:"schema_version"`
		Attributes          map[string]any `json:"attributes"`
		SensitiveAttributes []any          `json:"sensitive_attributes"`
	}
	var resources []any
	id := 0
	for _, bl := range floorBlocks(n, labels, false) {
		var instances []instance
		for i, key := range bl.keys {
			attrs := map[string]any{"id": "org_scale/" + key, "organization_id": "org_scale", "key": key, "value": bl.values[i]}
			if typ == "terraform_data" {
				str := map[string]string{"value": key, "type": "string"}
				attrs = map[string]any{"id": fmt.Sprintf("00000000-0000-0000-0000-%012d", id), "input": str, "output": str, "triggers_replace": nil}
			}
			id++
			instances = append(instances, instance{IndexKey: key, Attributes: attrs, SensitiveAttributes: []any{}})
		}
		resources = append(resources, map[string]any{"mode": "managed", "type": typ, "name": bl.name, "provider": provider, "instances": instances})
	}
	return json.MarshalIndent(map[string]any{
		"version":           4,
		"terraform_version": cliVersion,
		"serial":            1,
		"lineage":           "00000000-0000-0000-0000-00000000f100",
		"outputs":           map[string]any{},
		"resources":         resources,
		"check_results":     nil,
	}, "", "  ")
}
