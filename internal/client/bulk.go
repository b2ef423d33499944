package client

import (
	"context"
	"fmt"
	"net/http"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// Bulk writes: many writes to one collection of one organization in one request per api.MaxBulkItems
// items. Each item succeeds or fails on its own (api.BulkResult); the call fails as a whole only when a
// request does (a refusal of the whole body, a lost connection after every retry).

// BulkMembers adds, changes and removes members (key: the member's email).
func (c *Client) BulkMembers(ctx context.Context, orgID string, items []api.BulkItem[api.MemberCreate, api.MemberUpdate]) ([]api.BulkResult[api.Member], error) {
	return bulk[api.Member](ctx, c, items, api.PathBulkMembers, orgID)
}

// BulkLabels creates, changes and deletes labels (key: the label's key).
func (c *Client) BulkLabels(ctx context.Context, orgID string, items []api.BulkItem[api.LabelCreate, api.LabelUpdate]) ([]api.BulkResult[api.Label], error) {
	return bulk[api.Label](ctx, c, items, api.PathBulkLabels, orgID)
}

// BulkInvitations creates and cancels invitations (key: the invitation's id). Invitations have no
// update: such an item fails on its own with a 422.
func (c *Client) BulkInvitations(ctx context.Context, orgID string, items []api.BulkItem[api.InvitationCreate, api.NoUpdate]) ([]api.BulkResult[api.Invitation], error) {
	return bulk[api.Invitation](ctx, c, items, api.PathBulkInvitations, orgID)
}

// BulkTeamMembers adds, changes and removes a team's members (key: the person's email).
func (c *Client) BulkTeamMembers(ctx context.Context, orgID, teamSlug string, items []api.BulkItem[api.TeamMemberCreate, api.TeamMemberUpdate]) ([]api.BulkResult[api.TeamMember], error) {
	return bulk[api.TeamMember](ctx, c, items, api.PathBulkTeamMembers, orgID, teamSlug)
}

// bulk POSTs items in chunks of api.MaxBulkItems, each with an Idempotency-Key of its own that its
// retries reuse (a retried chunk is answered from the first attempt's results, never carried out twice),
// and returns one result per item, in the items' order. When a chunk fails as a whole, the results of
// the chunks before it are returned with the error.
func bulk[T, C, U any](ctx context.Context, c *Client, items []api.BulkItem[C, U], route string, params ...string) ([]api.BulkResult[T], error) {
	out := make([]api.BulkResult[T], 0, len(items))
	for start := 0; start < len(items); start += api.MaxBulkItems {
		chunk := items[start:min(start+api.MaxBulkItems, len(items))]
		var resp api.BulkResponse[T]
		r := request{method: http.MethodPost, route: route, params: params,
			body: api.BulkRequest[C, U]{Items: chunk}, idempotencyKey: newIdempotencyKey()}
		if err := c.do(context.WithValue(ctx, requestCostKey{}, api.BulkRequestCost(len(chunk))), r, &resp); err != nil {
			return out, err
		}
		if len(resp.Items) != len(chunk) {
			return out, fmt.Errorf("POST %s: the server answered %d results for %d items", route, len(resp.Items), len(chunk))
		}
		out = append(out, resp.Items...)
	}
	return out, nil
}
