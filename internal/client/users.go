package client

import (
	"context"
	"net/http"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// Signup creates a user and returns it with its first personal token; it needs no credential.
func (c *Client) Signup(ctx context.Context, req api.SignupRequest) (*api.SignupResponse, error) {
	return create[api.SignupResponse](ctx, c, req, api.PathUsers)
}

// CurrentUser returns the user the token acts as.
func (c *Client) CurrentUser(ctx context.Context) (*api.User, error) {
	return get[api.User](ctx, c, api.PathCurrentUser)
}

// VerifyEmail proves the current user's address with the code emailed at sign-up.
func (c *Client) VerifyEmail(ctx context.Context, code string) (*api.User, error) {
	return create[api.User](ctx, c, api.EmailVerification{Code: code}, api.PathVerifyEmail)
}

// DeclineMembership declines, as the current user, a membership of orgID that someone else added.
func (c *Client) DeclineMembership(ctx context.Context, orgID string) error {
	return c.do(ctx, request{method: http.MethodPost, route: api.PathMembershipDecline, params: []string{orgID}, idempotencyKey: newIdempotencyKey()}, nil)
}

// AcceptMembership accepts, as the current user, a membership of orgID that someone else added.
func (c *Client) AcceptMembership(ctx context.Context, orgID string) (*api.Member, error) {
	return create[api.Member](ctx, c, nil, api.PathMembershipAccept, orgID)
}
