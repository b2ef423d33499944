package client

import (
	"context"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// Registry secrets (password, secret access key) are write-only: sent here, never returned.

func (c *Client) CreateContainerRegistry(ctx context.Context, orgID string, req api.ContainerRegistryCreate) (*api.ContainerRegistry, error) {
	return create[api.ContainerRegistry](ctx, c, req, api.PathContainerRegistries, orgID)
}

func (c *Client) GetContainerRegistry(ctx context.Context, orgID, id string) (*api.ContainerRegistry, error) {
	return get[api.ContainerRegistry](ctx, c, api.PathContainerRegistry, orgID, id)
}

func (c *Client) ListContainerRegistries(ctx context.Context, orgID string) ([]api.ContainerRegistry, error) {
	return list[api.ContainerRegistry](ctx, c, api.PathContainerRegistries, orgID)
}

func (c *Client) UpdateContainerRegistry(ctx context.Context, orgID, id string, req api.ContainerRegistryUpdate) (*api.ContainerRegistry, error) {
	return update[api.ContainerRegistry](ctx, c, req, api.PathContainerRegistry, orgID, id)
}

func (c *Client) DeleteContainerRegistry(ctx context.Context, orgID, id string) error {
	return c.delete(ctx, api.PathContainerRegistry, orgID, id)
}
