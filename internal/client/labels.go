package client

import (
	"context"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// Labels are addressed by key; a key's '/' travels escaped (%2F) as one path segment.

func (c *Client) CreateLabel(ctx context.Context, orgID string, req api.LabelCreate) (*api.Label, error) {
	return create[api.Label](ctx, c, req, api.PathLabels, orgID)
}

func (c *Client) GetLabel(ctx context.Context, orgID, key string) (*api.Label, error) {
	return get[api.Label](ctx, c, api.PathLabel, orgID, key)
}

func (c *Client) ListLabels(ctx context.Context, orgID string) ([]api.Label, error) {
	return list[api.Label](ctx, c, api.PathLabels, orgID)
}

func (c *Client) UpdateLabel(ctx context.Context, orgID, key string, req api.LabelUpdate) (*api.Label, error) {
	return update[api.Label](ctx, c, req, api.PathLabel, orgID, key)
}

func (c *Client) DeleteLabel(ctx context.Context, orgID, key string) error {
	return c.delete(ctx, api.PathLabel, orgID, key)
}
