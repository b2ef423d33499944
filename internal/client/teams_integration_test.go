package client_test

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/servertest"
)

// TestTeamsAgainstTheReferenceServer: a team made with a derived slug is read by slug, through a GET
// and the shared listing; its members are found by team slug and email in any letter case, through a
// GET, the team's listing and the organization's team-memberships listing; a removed membership and a
// deleted team (with its memberships) are not found.
func TestTeamsAgainstTheReferenceServer(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, servertest.WithAutoAcceptMemberships())
	c, err := client.New(client.Config{Endpoint: srv.URL, Token: srv.OwnerToken, MaxRetries: 2, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	org, err := c.CreateOrganization(ctx, api.OrganizationCreate{Name: "acme", AdminContactEmails: []string{"ops@example.com"}, Plan: api.PlanTeam})
	if err != nil {
		t.Fatal(err)
	}
	team, err := c.CreateTeam(ctx, org.ID, api.TeamCreate{Name: "Platform Admins", Role: api.RoleAdmin})
	if err != nil || team.Slug != "platform-admins" || team.Role != api.RoleAdmin {
		t.Fatalf("CreateTeam: %+v, %v", team, err)
	}
	if _, err := c.CreateTeam(ctx, org.ID, api.TeamCreate{Name: "Readers"}); err != nil {
		t.Fatal(err)
	}
	owner := strings.ToUpper(srv.OwnerEmail)
	m, err := c.AddTeamMember(ctx, org.ID, team.Slug, api.TeamMemberCreate{Email: owner, Role: api.TeamRoleMaintainer})
	if err != nil || m.TeamSlug != team.Slug || m.Role != api.TeamRoleMaintainer || !strings.EqualFold(m.Email, srv.OwnerEmail) {
		t.Fatalf("AddTeamMember: %+v, %v", m, err)
	}

	listings := client.NewListings(c, client.ListingsConfig{BatchThreshold: 1})
	if got, err := listings.Teams.Get(ctx, org.ID, team.Slug); err != nil || got.ID != team.ID {
		t.Errorf("Listings.Teams.Get: %+v, %v", got, err)
	}
	if got, err := listings.TeamMembers.Get(ctx, org.ID, client.TeamMemberKey(team.Slug, owner)); err != nil || got.Role != api.TeamRoleMaintainer {
		t.Errorf("Listings.TeamMembers.Get in another letter case: %+v, %v", got, err)
	}
	if _, err := listings.TeamMembers.Get(ctx, org.ID, client.TeamMemberKey("readers", owner)); !client.IsNotFound(err) {
		t.Errorf("Listings.TeamMembers.Get of a team the person is not in: %v, want not found", err)
	}
	if got, err := c.ListTeamMembers(ctx, org.ID, team.Slug); err != nil || len(got) != 1 {
		t.Errorf("ListTeamMembers: %+v, %v", got, err)
	}
	role := api.TeamRoleMember
	if got, err := c.UpdateTeamMember(ctx, org.ID, team.Slug, srv.OwnerEmail, api.TeamMemberUpdate{Role: &role}); err != nil || got.Role != role {
		t.Errorf("UpdateTeamMember: %+v, %v", got, err)
	}

	if err := c.RemoveTeamMember(ctx, org.ID, team.Slug, srv.OwnerEmail); err != nil {
		t.Fatalf("RemoveTeamMember: %v", err)
	}
	if _, err := c.GetTeamMember(ctx, org.ID, team.Slug, srv.OwnerEmail); !client.IsNotFound(err) {
		t.Errorf("GetTeamMember after the removal: %v, want not found", err)
	}
	if _, err := c.AddTeamMember(ctx, org.ID, team.Slug, api.TeamMemberCreate{Email: srv.OwnerEmail}); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteTeam(ctx, org.ID, team.Slug); err != nil {
		t.Fatalf("DeleteTeam: %v", err)
	}
	if _, err := c.GetTeam(ctx, org.ID, team.Slug); !client.IsNotFound(err) {
		t.Errorf("GetTeam after the delete: %v, want not found", err)
	}
	if all, err := c.ListTeamMemberships(ctx, org.ID); err != nil || len(all) != 0 {
		t.Errorf("the organization's team memberships after the team's delete: %+v, %v; want none", all, err)
	}
}

// TestCoalescedTeamMembers: team-member writes are coalesced per team: three adds to one team at once
// are one bulk request, in which an address that is not a member of the organization fails alone with
// the error its plain call would give; an add to another team in the same window is not in that batch
// (alone in its window, it is its plain request).
func TestCoalescedTeamMembers(t *testing.T) {
	t.Parallel()
	var rc requestCounter
	people := []string{"ann@example.com", "ben@example.com", "cat@example.com"}
	srv := servertest.Start(t, servertest.WithOwner("owner@example.com", "", people...), servertest.WithAutoAcceptMemberships(), servertest.WithHandler(rc.wrap))
	c, err := client.New(client.Config{Endpoint: srv.URL, Token: srv.OwnerToken, MaxRetries: 2, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	org := newOrganization(t, c, api.PlanTeam)
	for _, name := range []string{"Ops", "Dev"} {
		if _, err := c.CreateTeam(ctx, org.ID, api.TeamCreate{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	for _, email := range people {
		if _, err := c.AddMember(ctx, org.ID, api.MemberCreate{Email: email, Role: api.RoleMember}); err != nil {
			t.Fatal(err)
		}
	}
	w := client.NewWrites(c, client.WritesConfig{Window: coalescingWindow})
	ops, dev := client.Team{OrganizationID: org.ID, Slug: "ops"}, client.Team{OrganizationID: org.ID, Slug: "dev"}
	adds := []struct {
		team  client.Team
		email string
	}{{ops, people[0]}, {ops, people[1]}, {ops, "stranger@example.com"}, {dev, people[2]}}
	got, errs := make([]*api.TeamMember, len(adds)), make([]error, len(adds))
	var wg sync.WaitGroup
	for i, a := range adds {
		wg.Go(func() { got[i], errs[i] = w.TeamMembers.Create(ctx, a.team, api.TeamMemberCreate{Email: a.email}) })
	}
	wg.Wait()
	for _, i := range []int{0, 1, 3} {
		if errs[i] != nil || got[i] == nil || got[i].Email != adds[i].email || got[i].TeamSlug != adds[i].team.Slug {
			t.Errorf("add %s to %s: %+v, %v", adds[i].email, adds[i].team.Slug, got[i], errs[i])
		}
	}
	var apiErr *client.Error
	opsMembers := strings.NewReplacer("{org_id}", org.ID, "{team_slug}", "ops").Replace(api.PathTeamMembers)
	if !errors.As(errs[2], &apiErr) || apiErr.StatusCode != http.StatusUnprocessableEntity || apiErr.Path != opsMembers ||
		!strings.Contains(apiErr.Problem.Detail, "stranger@example.com is not a member") {
		t.Errorf("the stranger's add: %v, want the plain call's 422 for POST %s", errs[2], opsMembers)
	}
	bulk := func(slug string) string {
		return strings.NewReplacer("{org_id}", org.ID, "{team_slug}", slug).Replace(api.PathBulkTeamMembers)
	}
	devMembers := strings.NewReplacer("{org_id}", org.ID, "{team_slug}", "dev").Replace(api.PathTeamMembers)
	if n, plain := rc.count(http.MethodPost, bulk("ops")), rc.count(http.MethodPost, opsMembers); n != 1 || plain != 0 {
		t.Errorf("three adds to ops at once: %d bulk and %d plain requests, want 1 and 0", n, plain)
	}
	if n, plain := rc.count(http.MethodPost, bulk("dev")), rc.count(http.MethodPost, devMembers); n != 0 || plain != 1 {
		t.Errorf("one add to dev in the same window: %d bulk and %d plain requests, want 0 and 1", n, plain)
	}
	// A change and a removal of one team at once: one bulk request.
	role := api.TeamRoleMaintainer
	wg.Go(func() {
		if m, err := w.TeamMembers.Update(ctx, ops, people[0], api.TeamMemberUpdate{Role: &role}); err != nil || m.Role != role {
			t.Errorf("coalesced update: %+v, %v", m, err)
		}
	})
	wg.Go(func() {
		if err := w.TeamMembers.Delete(ctx, ops, people[1]); err != nil {
			t.Errorf("coalesced removal: %v", err)
		}
	})
	wg.Wait()
	if n := rc.count(http.MethodPost, bulk("ops")); n != 2 {
		t.Errorf("%d bulk requests to ops after an update and a removal at once, want 2", n)
	}
	if left, err := c.ListTeamMembers(ctx, org.ID, "ops"); err != nil || len(left) != 1 || left[0].Role != role {
		t.Errorf("team ops afterwards: %+v, %v", left, err)
	}
}
