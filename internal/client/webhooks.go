package client

import (
	"context"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// A webhook's secret is write-only: sent here, never returned.

func (c *Client) CreateWebhook(ctx context.Context, orgID string, req api.WebhookCreate) (*api.Webhook, error) {
	return create[api.Webhook](ctx, c, req, api.PathWebhooks, orgID)
}

func (c *Client) GetWebhook(ctx context.Context, orgID, id string) (*api.Webhook, error) {
	return get[api.Webhook](ctx, c, api.PathWebhook, orgID, id)
}

func (c *Client) ListWebhooks(ctx context.Context, orgID string) ([]api.Webhook, error) {
	return list[api.Webhook](ctx, c, api.PathWebhooks, orgID)
}

func (c *Client) UpdateWebhook(ctx context.Context, orgID, id string, req api.WebhookUpdate) (*api.Webhook, error) {
	return update[api.Webhook](ctx, c, req, api.PathWebhook, orgID, id)
}

func (c *Client) DeleteWebhook(ctx context.Context, orgID, id string) error {
	return c.delete(ctx, api.PathWebhook, orgID, id)
}

// ListWebhookDeliveries returns the webhook's delivery log, newest first, with every attempt.
func (c *Client) ListWebhookDeliveries(ctx context.Context, orgID, webhookID string) ([]api.WebhookDelivery, error) {
	return list[api.WebhookDelivery](ctx, c, api.PathWebhookDeliveries, orgID, webhookID)
}

func (c *Client) GetWebhookDelivery(ctx context.Context, orgID, webhookID, id string) (*api.WebhookDelivery, error) {
	return get[api.WebhookDelivery](ctx, c, api.PathWebhookDelivery, orgID, webhookID, id)
}

// RedeliverWebhookDelivery sends a delivery's event again, as a new delivery, which it returns. It
// carries an Idempotency-Key like a create, so a retried call makes one redelivery.
func (c *Client) RedeliverWebhookDelivery(ctx context.Context, orgID, webhookID, id string) (*api.WebhookDelivery, error) {
	return create[api.WebhookDelivery](ctx, c, nil, api.PathWebhookRedeliver, orgID, webhookID, id)
}
