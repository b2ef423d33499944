package client

import (
	"context"

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
