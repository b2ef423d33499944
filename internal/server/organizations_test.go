package server_test

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// TestOrganizationReadsBackWhatWasWritten: every field of an organization, set at creation and changed
// by a PATCH, is what the create or update answers, what a read answers, and what the caller's listing
// of organizations holds; a PATCH of one field leaves the others as they were.
func TestOrganizationReadsBackWhatWasWritten(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	want := api.Organization{
		Name:               "Read Back",
		Description:        "every field, twice",
		Website:            "https://read-back.example.test",
		AdminContactEmails: []string{"ops@example.test", "Security@Example.test"},
		Plan:               api.PlanTeam,
		Settings:           api.OrganizationSettings{ArtifactsStorageLimitGB: 42, AIHintsEnabled: true, MaskWebhookURLs: true},
	}
	created := decode[api.Organization](t, h.expect(t, http.StatusCreated, owner.Token, http.MethodPost, api.PathOrganizations, api.OrganizationCreate{
		Name: want.Name, Description: want.Description, Website: want.Website, AdminContactEmails: want.AdminContactEmails,
		Plan: want.Plan, Settings: want.Settings.AsUpdate(),
	}))
	orgPath := path(api.PathOrganization, "org_id", created.ID)
	check := func(step string, answered api.Organization) {
		t.Helper()
		want.ID, want.CreatedAt, want.UpdatedAt = answered.ID, answered.CreatedAt, answered.UpdatedAt
		if !reflect.DeepEqual(answered, want) {
			t.Fatalf("%s answered\n%+v\nwant\n%+v", step, answered, want)
		}
		if read := decode[api.Organization](t, h.expect(t, http.StatusOK, owner.Token, http.MethodGet, orgPath, nil)); !reflect.DeepEqual(read, want) {
			t.Fatalf("read after %s:\n%+v\nwant\n%+v", step, read, want)
		}
		listed := listAll[api.Organization](t, h, owner.Token, api.PathOrganizations, 0)
		if len(listed) != 1 || !reflect.DeepEqual(listed[0], want) {
			t.Fatalf("listing after %s: %+v\nwant [%+v]", step, listed, want)
		}
	}
	check("the create", created)

	name, description, website, plan := "Read Back Again", "", "https://again.example.test", api.PlanEnterprise
	limit, hints, mask := int64(7), false, false
	want.Name, want.Description, want.Website, want.Plan = name, description, website, plan
	want.AdminContactEmails = []string{"only@example.test"}
	want.Settings = api.OrganizationSettings{ArtifactsStorageLimitGB: limit, AIHintsEnabled: hints, MaskWebhookURLs: mask}
	check("a PATCH of every field", decode[api.Organization](t, h.expect(t, http.StatusOK, owner.Token, http.MethodPatch, orgPath, api.OrganizationUpdate{
		Name: &name, Description: &description, Website: &website, AdminContactEmails: want.AdminContactEmails, Plan: &plan,
		Settings: &api.OrganizationSettingsUpdate{ArtifactsStorageLimitGB: &limit, AIHintsEnabled: &hints, MaskWebhookURLs: &mask},
	})))

	name = "Only The Name"
	want.Name = name
	check("a PATCH of the name alone", decode[api.Organization](t, h.expect(t, http.StatusOK, owner.Token, http.MethodPatch, orgPath,
		api.OrganizationUpdate{Name: &name})))
}

// TestOrganizationUpdateValidates: a PATCH is held to the rules of a create: an invalid contact address
// or website is refused with the field named, and changes nothing.
func TestOrganizationUpdateValidates(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	orgPath := path(api.PathOrganization, "org_id", org.ID)
	website := "ftp://files.example.test"
	for _, c := range []struct {
		body  api.OrganizationUpdate
		field string
	}{
		{api.OrganizationUpdate{AdminContactEmails: []string{"ops@example.test", "not an address"}}, "admin_contact_emails[1]"},
		{api.OrganizationUpdate{Website: &website}, "website"},
	} {
		p := h.expectProblem(t, http.StatusUnprocessableEntity, api.ProblemInvalid, owner.Token, http.MethodPatch, orgPath, c.body)
		if !strings.Contains(p.Detail, c.field) {
			t.Errorf("PATCH %+v: detail %q does not name %s", c.body, p.Detail, c.field)
		}
	}
	if got := decode[api.Organization](t, h.expect(t, http.StatusOK, owner.Token, http.MethodGet, orgPath, nil)); !reflect.DeepEqual(got, org) {
		t.Errorf("refused PATCHes changed the organization:\n%+v\nwas\n%+v", got, org)
	}
}

// TestOrganizationChangesAreRecorded: creating an organization records it and its default environment
// in the activity log, by the creator; a PATCH that changes the plan and another field records both a
// plan change and an update, and one that leaves the plan records an update only.
func TestOrganizationChangesAreRecorded(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	orgPath := path(api.PathOrganization, "org_id", org.ID)
	actions := func() map[string]int {
		counts := map[string]int{}
		for _, e := range listAll[api.ActivityEntry](t, h, owner.Token, path(api.PathActivity, "org_id", org.ID), 0) {
			counts[e.Action]++
			if e.ActorType != "user" || e.ActorID != owner.ID || e.ObjectID == "" {
				t.Errorf("entry %+v: want the owner as the actor, and an object", e)
			}
			if e.Action == "organization.create" && (e.ObjectType != "organization" || e.ObjectID != org.ID) {
				t.Errorf("organization.create entry %+v", e)
			}
			if e.Action == "environment.create" && e.ObjectType != "environment" {
				t.Errorf("environment.create entry %+v", e)
			}
		}
		return counts
	}
	want := map[string]int{"organization.create": 1, "environment.create": 1}
	if got := actions(); !reflect.DeepEqual(got, want) {
		t.Fatalf("after the create: %v, want %v", got, want)
	}
	name, plan := "Renamed", api.PlanEnterprise
	h.expect(t, http.StatusOK, owner.Token, http.MethodPatch, orgPath, api.OrganizationUpdate{Name: &name, Plan: &plan})
	want["organization.plan_change"], want["organization.update"] = 1, 1
	if got := actions(); !reflect.DeepEqual(got, want) {
		t.Fatalf("after a PATCH of the plan and the name: %v, want %v", got, want)
	}
	name = "Renamed Again"
	h.expect(t, http.StatusOK, owner.Token, http.MethodPatch, orgPath, api.OrganizationUpdate{Name: &name})
	want["organization.update"] = 2
	if got := actions(); !reflect.DeepEqual(got, want) {
		t.Fatalf("after a PATCH of the name: %v, want %v", got, want)
	}
}

// TestOrganizationCreateTakesPartialSettings: a create may give any of the settings, as the provider
// does; each one left out takes its default. (Before, a create with fewer than all three was refused.)
func TestOrganizationCreateTakesPartialSettings(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	defaults := api.DefaultOrganizationSettings
	for _, c := range []struct {
		settings map[string]any
		want     api.OrganizationSettings
	}{
		{map[string]any{}, defaults},
		{map[string]any{"ai_hints_enabled": true}, api.OrganizationSettings{ArtifactsStorageLimitGB: defaults.ArtifactsStorageLimitGB, AIHintsEnabled: true}},
		{map[string]any{"mask_webhook_urls": true}, api.OrganizationSettings{ArtifactsStorageLimitGB: defaults.ArtifactsStorageLimitGB, MaskWebhookURLs: true}},
		{map[string]any{"artifacts_storage_limit_gb": 0, "mask_webhook_urls": true}, api.OrganizationSettings{MaskWebhookURLs: true}},
	} {
		body := map[string]any{"name": h.unique("partial"), "admin_contact_emails": []string{owner.Email}, "settings": c.settings}
		created := decode[api.Organization](t, h.expect(t, http.StatusCreated, owner.Token, http.MethodPost, api.PathOrganizations, body))
		if created.Settings != c.want {
			t.Errorf("settings %v: created with %+v, want %+v", c.settings, created.Settings, c.want)
		}
		h.expect(t, http.StatusNoContent, owner.Token, http.MethodDelete, path(api.PathOrganization, "org_id", created.ID), nil)
	}
	p := h.expectProblem(t, http.StatusUnprocessableEntity, api.ProblemInvalid, owner.Token, http.MethodPost, api.PathOrganizations,
		map[string]any{"name": "too big", "admin_contact_emails": []string{owner.Email}, "settings": map[string]any{"artifacts_storage_limit_gb": 100001}})
	if !strings.Contains(p.Detail+fmt.Sprint(p.Errors), "artifacts_storage_limit_gb") {
		t.Errorf("an out-of-range setting: %+v, want it named", p)
	}
}
