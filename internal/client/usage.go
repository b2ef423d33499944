package client

import (
	"context"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// GetUsage returns the organization's plan and, per limited quantity, what is used and what remains.
func (c *Client) GetUsage(ctx context.Context, orgID string) (*api.Usage, error) {
	return get[api.Usage](ctx, c, api.PathUsage, orgID)
}

// ListActivity returns the organization's whole activity log.
func (c *Client) ListActivity(ctx context.Context, orgID string) ([]api.ActivityEntry, error) {
	return list[api.ActivityEntry](ctx, c, api.PathActivity, orgID)
}
