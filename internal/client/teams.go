package client

import (
	"context"
	"strings"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// Teams are addressed by slug, which never changes; a team's members by the team's slug and their
// email. Every team membership of an organization is also listed in one collection
// (api.PathTeamMemberships), so refreshing the memberships of every team costs the pages of that one
// listing, not a listing per team.

func (c *Client) CreateTeam(ctx context.Context, orgID string, req api.TeamCreate) (*api.Team, error) {
	return create[api.Team](ctx, c, req, api.PathTeams, orgID)
}

func (c *Client) GetTeam(ctx context.Context, orgID, slug string) (*api.Team, error) {
	return get[api.Team](ctx, c, api.PathTeam, orgID, slug)
}

func (c *Client) ListTeams(ctx context.Context, orgID string) ([]api.Team, error) {
	return list[api.Team](ctx, c, api.PathTeams, orgID)
}

func (c *Client) UpdateTeam(ctx context.Context, orgID, slug string, req api.TeamUpdate) (*api.Team, error) {
	return update[api.Team](ctx, c, req, api.PathTeam, orgID, slug)
}

// DeleteTeam deletes the team and its memberships; what its grants gave its members ends with it.
func (c *Client) DeleteTeam(ctx context.Context, orgID, slug string) error {
	return c.delete(ctx, api.PathTeam, orgID, slug)
}

// AddTeamMember adds an active member of the organization to the team.
func (c *Client) AddTeamMember(ctx context.Context, orgID, slug string, req api.TeamMemberCreate) (*api.TeamMember, error) {
	return create[api.TeamMember](ctx, c, req, api.PathTeamMembers, orgID, slug)
}

func (c *Client) GetTeamMember(ctx context.Context, orgID, slug, email string) (*api.TeamMember, error) {
	return get[api.TeamMember](ctx, c, api.PathTeamMember, orgID, slug, email)
}

// ListTeamMembers lists one team's members.
func (c *Client) ListTeamMembers(ctx context.Context, orgID, slug string) ([]api.TeamMember, error) {
	return list[api.TeamMember](ctx, c, api.PathTeamMembers, orgID, slug)
}

// ListTeamMemberships lists every team membership of the organization, of every team.
func (c *Client) ListTeamMemberships(ctx context.Context, orgID string) ([]api.TeamMember, error) {
	return list[api.TeamMember](ctx, c, api.PathTeamMemberships, orgID)
}

func (c *Client) UpdateTeamMember(ctx context.Context, orgID, slug, email string, req api.TeamMemberUpdate) (*api.TeamMember, error) {
	return update[api.TeamMember](ctx, c, req, api.PathTeamMember, orgID, slug, email)
}

func (c *Client) RemoveTeamMember(ctx context.Context, orgID, slug, email string) error {
	return c.delete(ctx, api.PathTeamMember, orgID, slug, email)
}

// TeamMemberKey is the key Listings.TeamMembers finds a team membership by: the team's slug and the
// member's email, joined by '/' (a slug holds none).
func TeamMemberKey(slug, email string) string { return slug + "/" + email }

// teamMemberKeyFold compares team membership keys as the server does: the slug as it is, the email
// regardless of case.
func teamMemberKeyFold(key string) string {
	slug, email, _ := strings.Cut(key, "/")
	return slug + "/" + api.EmailKey(email)
}

// getTeamMemberByKey is GetTeamMember for a TeamMemberKey.
func (c *Client) getTeamMemberByKey(ctx context.Context, orgID, key string) (*api.TeamMember, error) {
	slug, email, _ := strings.Cut(key, "/")
	return c.GetTeamMember(ctx, orgID, slug, email)
}
