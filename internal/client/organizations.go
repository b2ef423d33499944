package client

import (
	"context"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

func (c *Client) CreateOrganization(ctx context.Context, req api.OrganizationCreate) (*api.Organization, error) {
	return create[api.Organization](ctx, c, req, api.PathOrganizations)
}

func (c *Client) GetOrganization(ctx context.Context, id string) (*api.Organization, error) {
	return get[api.Organization](ctx, c, api.PathOrganization, id)
}

// ListOrganizations returns every organization the caller belongs to.
func (c *Client) ListOrganizations(ctx context.Context) ([]api.Organization, error) {
	return list[api.Organization](ctx, c, api.PathOrganizations)
}

func (c *Client) UpdateOrganization(ctx context.Context, id string, req api.OrganizationUpdate) (*api.Organization, error) {
	return update[api.Organization](ctx, c, req, api.PathOrganization, id)
}

// DeleteOrganization deletes the organization and everything it holds.
func (c *Client) DeleteOrganization(ctx context.Context, id string) error {
	return c.delete(ctx, api.PathOrganization, id)
}
