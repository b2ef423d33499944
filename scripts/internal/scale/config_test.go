package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// Every configuration of a run has the same blocks: at most maxBlock instances each, members first.
func TestBlocks(t *testing.T) {
	all := orgsBlocks(2500, 1000, false)
	var names []string
	var sizes []int
	for _, b := range all {
		names, sizes = append(names, b.name), append(sizes, len(b.keys))
	}
	if got := strings.Join(names, ","); got != "m0,m1,m2,l" {
		t.Fatalf("blocks %s, want m0,m1,m2,l", got)
	}
	if sizes[0] != 1000 || sizes[1] != 1000 || sizes[2] != 500 || sizes[3] != 1000 {
		t.Fatalf("block sizes %v, want [1000 1000 500 1000]", sizes)
	}
	if all[0].keys[0] != ownerEmail || all[0].values[0] != "owner" || all[1].keys[0] != memberEmail(1000) {
		t.Fatalf("members out of order: %s=%s, then %s", all[0].keys[0], all[0].values[0], all[1].keys[0])
	}
	config := orgsConfig("org_x", 2500, 1000, false)
	for _, want := range []string{`to = orgs_member.m0["owner@example.com"]`, `resource "orgs_member" "m2"`, `for_each = local.m2`, `resource "orgs_label" "l"`, `"scale.example.com/label-00999" = "scale"`} {
		if !strings.Contains(config, want) {
			t.Errorf("the orgs configuration lacks %s", want)
		}
	}
	// The floors' state holds exactly the instances their configuration declares.
	var state struct {
		Resources []struct {
			Name      string
			Instances []struct {
				IndexKey string `json:"index_key"`
			}
		}
	}
	b, err := floorState("floor_item", 2500, 1000, "1.12.6", "tofu")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &state); err != nil {
		t.Fatal(err)
	}
	floor := floorConfig(2500, 1000, false)
	total := 0
	for _, r := range state.Resources {
		if !strings.Contains(floor, `resource "floor_item" "`+r.Name+`"`) {
			t.Errorf("state resource %s is not in the floor configuration", r.Name)
		}
		for _, in := range r.Instances {
			if !strings.Contains(floor, `"`+in.IndexKey+`" = "scale"`) {
				t.Errorf("state instance %s[%s] is not in the floor configuration", r.Name, in.IndexKey)
			}
		}
		total += len(r.Instances)
	}
	if total != 3500 {
		t.Errorf("the floor state holds %d instances, want 3500", total)
	}
}

// TestChangedConfigsChangeOneInTen: the 10% apply changes one member in ten (never the owner) and one
// label in ten, and the floor's configuration as many of its instances.
func TestChangedConfigsChangeOneInTen(t *testing.T) {
	all := orgsBlocks(1000, 1000, true)
	admins, changedLabels := 0, 0
	for _, b := range all {
		for i, v := range b.values {
			switch {
			case b.name != "l" && v == "admin":
				admins++
				if b.keys[i] == ownerEmail {
					t.Errorf("the owner is changed")
				}
			case b.name == "l" && v == "changed":
				changedLabels++
			}
		}
	}
	if admins != 100 || changedLabels != 100 {
		t.Errorf("%d members and %d labels changed, want 100 each", admins, changedLabels)
	}
	if got := strings.Count(floorConfig(1000, 1000, true), `"changed"`); got != 200 {
		t.Errorf("the floor's changed configuration changes %d instances, want 200", got)
	}
}
