package client

import (
	"context"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

func (c *Client) CreateEnvironment(ctx context.Context, orgID string, req api.EnvironmentCreate) (*api.Environment, error) {
	return create[api.Environment](ctx, c, req, api.PathEnvironments, orgID)
}

func (c *Client) GetEnvironment(ctx context.Context, orgID, id string) (*api.Environment, error) {
	return get[api.Environment](ctx, c, api.PathEnvironment, orgID, id)
}

func (c *Client) ListEnvironments(ctx context.Context, orgID string) ([]api.Environment, error) {
	return list[api.Environment](ctx, c, api.PathEnvironments, orgID)
}

// UpdateEnvironment renames an environment or, as its agent does, reports its connection status.
func (c *Client) UpdateEnvironment(ctx context.Context, orgID, id string, req api.EnvironmentUpdate) (*api.Environment, error) {
	return update[api.Environment](ctx, c, req, api.PathEnvironment, orgID, id)
}

func (c *Client) DeleteEnvironment(ctx context.Context, orgID, id string) error {
	return c.delete(ctx, api.PathEnvironment, orgID, id)
}
