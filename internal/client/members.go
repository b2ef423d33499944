package client

import (
	"context"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// Members are addressed by email; the server compares emails case-insensitively.

// AddMember adds an existing user to the organization.
func (c *Client) AddMember(ctx context.Context, orgID string, req api.MemberCreate) (*api.Member, error) {
	return create[api.Member](ctx, c, req, api.PathMembers, orgID)
}

func (c *Client) GetMember(ctx context.Context, orgID, email string) (*api.Member, error) {
	return get[api.Member](ctx, c, api.PathMember, orgID, email)
}

func (c *Client) ListMembers(ctx context.Context, orgID string) ([]api.Member, error) {
	return list[api.Member](ctx, c, api.PathMembers, orgID)
}

func (c *Client) UpdateMember(ctx context.Context, orgID, email string, req api.MemberUpdate) (*api.Member, error) {
	return update[api.Member](ctx, c, req, api.PathMember, orgID, email)
}

func (c *Client) RemoveMember(ctx context.Context, orgID, email string) error {
	return c.delete(ctx, api.PathMember, orgID, email)
}
