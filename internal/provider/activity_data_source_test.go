package provider_test

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/servertest"
)

// activityEntry checks an entry's actor, action and target, and that it has an id and a time. actor
// is how the entry names its actor: a user's address, or an API token's name (an admin token here).
func activityEntry(actorType, actorID, actor, action, targetType, targetID string, at time.Time) knownvalue.Check {
	var email, name, role knownvalue.Check = knownvalue.Null(), knownvalue.Null(), knownvalue.Null()
	if actorType == "user" {
		email = knownvalue.StringExact(actor)
	} else {
		name, role = knownvalue.StringExact(actor), knownvalue.StringExact("admin")
	}
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"id":          knownvalue.NotNull(),
		"time":        rfc3339(at),
		"actor_type":  knownvalue.StringExact(actorType),
		"actor_id":    knownvalue.StringExact(actorID),
		"actor_email": email,
		"actor_name":  name,
		"actor_role":  role,
		"action":      knownvalue.StringExact(action),
		"target_type": knownvalue.StringExact(targetType),
		"target_id":   knownvalue.StringExact(targetID),
	})
}

// TestAccActivityDataSource makes changes as a user (through Terraform) and as an organization API
// token, on a server whose clock moves an hour between them, and reads them back newest first, whole
// and through each filter.
func TestAccActivityDataSource(t *testing.T) {
	t.Parallel()
	start := time.Date(2031, 3, 1, 9, 0, 0, 0, time.UTC)
	var hours atomic.Int64
	at := func(h int64) time.Time { return start.Add(time.Duration(h) * time.Hour) }
	env := acctest.New(t, servertest.WithClock(func() time.Time { return at(hours.Load()) }))
	ctx := t.Context()
	org := env.CreateOrganization(t, api.PlanStarter) // hour 0
	me, err := env.Client.CurrentUser(ctx)
	if err != nil {
		t.Fatal(err)
	}
	envs, err := env.Client.ListEnvironments(ctx, org.ID)
	if err != nil || len(envs) != 1 {
		t.Fatalf("the new organization's environments: %+v, %v", envs, err)
	}
	hours.Store(1)
	tok, err := env.Client.CreateAPIToken(ctx, org.ID, api.APITokenCreate{Name: "bot", Role: api.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	label := env.ProviderBlock() + fmt.Sprintf(`
resource "orgs_label" "team" {
  organization_id = %q
  key             = "team"
  value           = "platform"
}
`, org.ID)
	activity := func(name string, args ...string) string {
		return dataBlock("orgs_activity", name, append([]string{orgArg(org.ID)}, args...)...)
	}
	var (
		// A new organization is recorded, then its default environment.
		envCreated   = activityEntry("user", me.ID, me.Email, "environment.create", "environment", envs[0].ID, at(0))
		orgCreated   = activityEntry("user", me.ID, me.Email, "organization.create", "organization", org.ID, at(0))
		tokenCreated = activityEntry("user", me.ID, me.Email, "api_token.create", "api_token", tok.ID, at(1))
		labelByUser  = activityEntry("user", me.ID, me.Email, "label.create", "label", "team", at(2))
		labelByToken = activityEntry("token", tok.ID, "bot", "label.create", "label", "from-bot", at(3))
	)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// The user's change, through Terraform, at hour 2.
				PreConfig: func() { hours.Store(2) },
				Config:    label,
			},
			{
				// The token's change, at hour 3.
				PreConfig: func() {
					hours.Store(3)
					if _, err := env.NewClient(t, tok.Token).CreateLabel(ctx, org.ID, api.LabelCreate{Key: "from-bot"}); err != nil {
						t.Fatalf("create a label as the token: %v", err)
					}
				},
				Config: label +
					activity("all") +
					activity("by_token", fmt.Sprintf("actor_id = %q", tok.ID)) +
					activity("by_users", `actor_type = "user"`) +
					activity("label_creates", `action = "label.create"`) +
					activity("latest", "max_results = 1") +
					activity("since_hour_2", fmt.Sprintf("since = %q", at(2).Format(time.RFC3339))) +
					// The same instant with another offset.
					activity("since_hour_2_cet", fmt.Sprintf("since = %q", at(2).In(time.FixedZone("CET", 3600)).Format(time.RFC3339))) +
					activity("user_label_creates_since_hour_1", `action = "label.create"`, `actor_type = "user"`, fmt.Sprintf("since = %q", at(1).Format(time.RFC3339))) +
					activity("none_yet", fmt.Sprintf("since = %q", at(4).Format(time.RFC3339))) +
					activity("until_hour_1", fmt.Sprintf("until = %q", at(1).Format(time.RFC3339))) +
					activity("labels", `target_type = "label"`) +
					activity("of_two_targets", fmt.Sprintf("target_ids = [%q, %q]", "from-bot", org.ID)) +
					activity("of_a_target_by_users", fmt.Sprintf("target_ids = [%q]", "from-bot"), `actor_type = "user"`),
				ConfigStateChecks: []statecheck.StateCheck{
					expectEntries("all", labelByToken, labelByUser, tokenCreated, envCreated, orgCreated),
					expectEntries("by_token", labelByToken),
					expectEntries("by_users", labelByUser, tokenCreated, envCreated, orgCreated),
					expectEntries("label_creates", labelByToken, labelByUser),
					expectEntries("latest", labelByToken),
					expectEntries("since_hour_2", labelByToken, labelByUser),
					expectEntries("since_hour_2_cet", labelByToken, labelByUser),
					expectEntries("user_label_creates_since_hour_1", labelByUser),
					expectEntries("none_yet"),
					expectEntries("until_hour_1", envCreated, orgCreated),
					expectEntries("labels", labelByToken, labelByUser),
					expectEntries("of_two_targets", labelByToken, orgCreated),
					expectEntries("of_a_target_by_users"),
				},
			},
		},
	})
}

// expectEntries expects exactly these entries, in this order, in data.orgs_activity.<name>.
func expectEntries(name string, entries ...knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue("data.orgs_activity."+name, tfjsonpath.New("entries"), knownvalue.ListExact(append([]knownvalue.Check{}, entries...)))
}

// TestAccActivityDataSource_manyPages reads a log longer than one page of the API: every page is
// walked, and max_results stops at the newest entries.
func TestAccActivityDataSource_manyPages(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	ctx := t.Context()
	org := env.CreateOrganization(t, api.PlanStarter)
	if _, err := env.Client.CreateLabel(ctx, org.ID, api.LabelCreate{Key: "toggled"}); err != nil {
		t.Fatal(err)
	}
	updates := api.MaxPageSize + 5
	for i := range updates {
		value := fmt.Sprintf("v%d", i)
		if _, err := env.Client.UpdateLabel(ctx, org.ID, "toggled", api.LabelUpdate{Value: &value}); err != nil {
			t.Fatalf("update %d: %v", i, err)
		}
	}
	// organization.create, environment.create (the default environment), label.create, then the updates.
	total := updates + 3

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.ProviderBlock() +
				dataBlock("orgs_activity", "creates", orgArg(org.ID), `action = "label.create"`, "max_results = 5000") +
				dataBlock("orgs_activity", "everything", orgArg(org.ID), "max_results = 5000") +
				dataBlock("orgs_activity", "default_max", orgArg(org.ID)),
			ConfigStateChecks: []statecheck.StateCheck{
				// The oldest entries are on the last page.
				statecheck.ExpectKnownValue("data.orgs_activity.creates", tfjsonpath.New("entries"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectPartial(map[string]knownvalue.Check{"action": knownvalue.StringExact("label.create"), "target_id": knownvalue.StringExact("toggled")}),
				})),
				statecheck.ExpectKnownValue("data.orgs_activity.everything", tfjsonpath.New("entries"), knownvalue.ListSizeExact(total)),
				statecheck.ExpectKnownValue("data.orgs_activity.everything", tfjsonpath.New("entries").AtSliceIndex(total-1).AtMapKey("action"),
					knownvalue.StringExact("organization.create")),
				statecheck.ExpectKnownValue("data.orgs_activity.default_max", tfjsonpath.New("entries"), knownvalue.ListSizeExact(100)),
				statecheck.ExpectKnownValue("data.orgs_activity.default_max", tfjsonpath.New("entries").AtSliceIndex(0).AtMapKey("action"),
					knownvalue.StringExact("label.update")),
			},
		}},
	})
}

func TestAccActivityDataSource_validation(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanHobby)
	config := func(args ...string) string {
		return env.ProviderBlock() + dataBlock("orgs_activity", "test", append([]string{orgArg(org.ID)}, args...)...)
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      config(`since = "2031-03-01 09:00"`),
				PlanOnly:    true,
				ExpectError: wrappedText(`Attribute since must be an RFC 3339 timestamp such as 2030-01-02T15:04:05Z: "2031-03-01 09:00" is not an RFC 3339 timestamp.`),
			},
			{
				Config:      config("max_results = 0"),
				PlanOnly:    true,
				ExpectError: wrappedText(`Attribute max_results value must be at least 1, got: 0`),
			},
			{
				Config:      config(`actor_type = "robot"`),
				PlanOnly:    true,
				ExpectError: wrappedText(`Attribute actor_type value must be one of: ["user" "token"], got: "robot"`),
			},
			{
				Config:      config(`target_type = "labels"`),
				PlanOnly:    true,
				ExpectError: wrappedText(`Attribute target_type value must be one of:`),
			},
			{
				Config:      config(`until = "tomorrow"`),
				PlanOnly:    true,
				ExpectError: wrappedText(`Attribute until must be an RFC 3339 timestamp such as 2030-01-02T15:04:05Z: "tomorrow" is not an RFC 3339 timestamp.`),
			},
			{
				Config:      config(fmt.Sprintf("target_ids = [%s]", manyTargets(101))),
				PlanOnly:    true,
				ExpectError: wrappedText(`Attribute target_ids set must contain at least 1 elements and at most 100 elements, got: 101`),
			},
			{
				Config:      config(`action = "member_create"`),
				PlanOnly:    true,
				ExpectError: wrappedText(`Attribute action must be <target_type>.<verb> in lowercase, such as member.create, got: member_create`),
			},
		},
	})
}

// manyTargets is n distinct quoted ids, comma-separated, for a target_ids list.
func manyTargets(n int) string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%q", fmt.Sprintf("obj_%d", i))
	}
	return strings.Join(ids, ", ")
}
