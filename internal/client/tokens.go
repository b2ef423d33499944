package client

import (
	"context"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// CreateAPIToken creates an organization API token; the secret (Token) is in this response only.
func (c *Client) CreateAPIToken(ctx context.Context, orgID string, req api.APITokenCreate) (*api.APIToken, error) {
	return create[api.APIToken](ctx, c, req, api.PathAPITokens, orgID)
}

func (c *Client) GetAPIToken(ctx context.Context, orgID, id string) (*api.APIToken, error) {
	return get[api.APIToken](ctx, c, api.PathAPIToken, orgID, id)
}

func (c *Client) ListAPITokens(ctx context.Context, orgID string) ([]api.APIToken, error) {
	return list[api.APIToken](ctx, c, api.PathAPITokens, orgID)
}

// ShortenAPIToken moves the token's expiry earlier (never later, never into the past): the token keeps
// working until then.
func (c *Client) ShortenAPIToken(ctx context.Context, orgID, id string, req api.APITokenUpdate) (*api.APIToken, error) {
	return update[api.APIToken](ctx, c, req, api.PathAPIToken, orgID, id)
}

// DeleteAPIToken revokes the token.
func (c *Client) DeleteAPIToken(ctx context.Context, orgID, id string) error {
	return c.delete(ctx, api.PathAPIToken, orgID, id)
}
