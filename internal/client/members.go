package client

import (
	"context"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// Members are addressed by email; the server compares emails case-insensitively.

// AddMember adds an address to the organization: active at once in one of its verified domains,
// pending for another account, invited when the address has none.
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

// ResendMember offers an invited, pending, expired or declined membership again. It carries an
// Idempotency-Key like a create, so a retried offer is made once.
func (c *Client) ResendMember(ctx context.Context, orgID, email string) (*api.Member, error) {
	return create[api.Member](ctx, c, struct{}{}, api.PathMemberResend, orgID, email)
}
