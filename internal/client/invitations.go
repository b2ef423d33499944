package client

import (
	"context"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

func (c *Client) CreateInvitation(ctx context.Context, orgID string, req api.InvitationCreate) (*api.Invitation, error) {
	return create[api.Invitation](ctx, c, req, api.PathInvitations, orgID)
}

func (c *Client) GetInvitation(ctx context.Context, orgID, id string) (*api.Invitation, error) {
	return get[api.Invitation](ctx, c, api.PathInvitation, orgID, id)
}

func (c *Client) ListInvitations(ctx context.Context, orgID string) ([]api.Invitation, error) {
	return list[api.Invitation](ctx, c, api.PathInvitations, orgID)
}

// ResendInvitation sends the invitation email again. It carries an Idempotency-Key like a create, so a
// retry after a lost answer does not send a second email.
func (c *Client) ResendInvitation(ctx context.Context, orgID, id string) (*api.Invitation, error) {
	return create[api.Invitation](ctx, c, struct{}{}, api.PathInvitationResend, orgID, id)
}

// DeleteInvitation cancels a pending invitation.
func (c *Client) DeleteInvitation(ctx context.Context, orgID, id string) error {
	return c.delete(ctx, api.PathInvitation, orgID, id)
}

// AcceptInvitation accepts with the emailed code; it needs no credential and creates the user if new.
// With an Idempotency-Key, a retry after a lost answer gets the first acceptance (and its token) back.
func (c *Client) AcceptInvitation(ctx context.Context, req api.InvitationAccept) (*api.InvitationAcceptance, error) {
	return create[api.InvitationAcceptance](ctx, c, req, api.PathInvitationAccept)
}
