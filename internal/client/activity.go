package client

import (
	"context"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// WalkActivity hands the organization's activity log to visit, newest first, a page at a time, until
// visit returns false or the log ends: a reader that wants only the latest entries stops paging once
// it has them.
func (c *Client) WalkActivity(ctx context.Context, orgID string, visit func(api.ActivityEntry) bool) error {
	return walk(ctx, c, func(page []api.ActivityEntry) bool {
		for _, e := range page {
			if !visit(e) {
				return false
			}
		}
		return true
	}, api.PathActivity, orgID)
}
