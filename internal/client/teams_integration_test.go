package client_test

import (
	"strings"
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
