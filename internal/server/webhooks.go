package server

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/seal"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/store"
)

// Webhooks. An organization subscribes URLs to the events of its activity log. Events come from the
// log itself: recordAs, in the transaction of every change, writes a delivery row for each active
// webhook whose events match (enqueueWebhookDeliveries), a durable outbox: a committed change is
// delivered even across a restart, a rolled-back one never is, and the request only inserts rows. The
// deliverer (webhookdelivery.go), started with the server, sends them. Its own work (attempts, their
// results) is never an activity entry, so a delivery cannot cause another: no loop.

func (s *Server) registerWebhooks(a huma.API) {
	const tag = "Webhooks"
	// Reads too are for owners and admins: a webhook's URL may carry a token of the receiver's.
	read := policy{org: true, roles: ownerAdmin, action: "read webhooks"}
	write := func(action string) policy { return policy{org: true, roles: ownerAdmin, action: action} }
	register(a, s, operation(http.MethodGet, api.PathWebhooks, "list-webhooks", "List the organization's webhooks (never their secrets)", http.StatusOK,
		read, tag), s.listWebhooks)
	register(a, s, operation(http.MethodPost, api.PathWebhooks, "create-webhook", "Subscribe a URL to events; its host must resolve to public addresses only, unless the server allows private targets", http.StatusCreated,
		write("create webhooks"), tag), s.createWebhook)
	register(a, s, operation(http.MethodGet, api.PathWebhook, "get-webhook", "Get a webhook (never its secret)", http.StatusOK,
		read, tag), s.getWebhook)
	register(a, s, operation(http.MethodPatch, api.PathWebhook, "update-webhook", "Update a webhook: URL, events, active, secret", http.StatusOK,
		write("update webhooks"), tag), s.updateWebhook)
	register(a, s, operation(http.MethodDelete, api.PathWebhook, "delete-webhook", "Delete a webhook; its pending deliveries are dropped", http.StatusNoContent,
		write("delete webhooks"), tag), s.deleteWebhook)
	register(a, s, operation(http.MethodGet, api.PathWebhookDeliveries, "list-webhook-deliveries", "The webhook's delivery log, newest first, with every attempt", http.StatusOK,
		read, tag), s.listWebhookDeliveries)
	register(a, s, operation(http.MethodGet, api.PathWebhookDelivery, "get-webhook-delivery", "Get one delivery with its attempts", http.StatusOK,
		read, tag), s.getWebhookDelivery)
	register(a, s, operation(http.MethodPost, api.PathWebhookRedeliver, "redeliver-webhook-delivery", "Send a delivery's event again, as a new delivery with its own retries", http.StatusCreated,
		write("redeliver webhook deliveries"), tag), s.redeliverWebhookDelivery)
}

type WebhookPath struct {
	OrgPath
	WebhookID string `path:"webhook_id" maxLength:"64" doc:"The webhook id."`
}

type WebhookDeliveryPath struct {
	WebhookPath
	DeliveryID string `path:"delivery_id" maxLength:"64" doc:"The delivery id."`
}

var webhookObject = orgObject{table: "webhooks", keyColumn: "id", kind: "webhook", noun: "webhook"}

const webhookColumns = `seq, id, organization_id, url, events, active, created_at, updated_at`

func scanWebhook(row rowScanner) (api.Webhook, int64, error) {
	var w api.Webhook
	var seq int64
	var events, created, updated string
	if err := row.Scan(&seq, &w.ID, &w.OrganizationID, &w.URL, &events, &w.Active, &created, &updated); err != nil {
		return api.Webhook{}, 0, err
	}
	if err := json.Unmarshal([]byte(events), &w.Events); err != nil {
		return api.Webhook{}, 0, fmt.Errorf("webhook %s: stored events: %w", w.ID, err)
	}
	w.CreatedAt, w.UpdatedAt = parseTime(created), parseTime(updated)
	return w, seq, nil
}

func (s *Server) loadWebhook(ctx context.Context, q querier, orgID, id string) (api.Webhook, error) {
	w, _, err := scanWebhook(q.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE organization_id = ? AND id = ?`, orgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return api.Webhook{}, errNotFound("webhook %q not found", id)
	}
	return w, err
}

// webhookSecretContext is where a webhook's secret is stored, which its sealing is bound to.
func webhookSecretContext(webhookID string) string { return "webhooks/" + webhookID + "/secret" }

// webhookEvents checks a webhook's events and returns them sorted, without duplicates.
func webhookEvents(events []string) ([]string, error) {
	if len(events) == 0 {
		return nil, invalidField("events", errors.New("must name at least one event (or \"*\" for all)"))
	}
	for i, e := range events {
		if err := api.ValidateWebhookEvent(e); err != nil {
			return nil, invalidField(fmt.Sprintf("events[%d]", i), err)
		}
	}
	out := slices.Clone(events)
	slices.Sort(out)
	return slices.Compact(out), nil
}

func webhookSecret(secret string) error {
	if n := len([]rune(secret)); n < api.WebhookSecretMinLength || n > api.WebhookSecretMaxLength {
		return invalidField("secret", fmt.Errorf("must be %d to %d characters; it has %d", api.WebhookSecretMinLength, api.WebhookSecretMaxLength, n))
	}
	return nil
}

func encodeEvents(events []string) string {
	b, _ := json.Marshal(events) // a []string always marshals
	return string(b)
}

type listWebhooksInput struct {
	OrgPath
	PageParams
}

func (s *Server) listWebhooks(ctx context.Context, in *listWebhooksInput) (*pageOutput[api.Webhook], error) {
	after, err := in.cursor()
	if err != nil {
		return nil, err
	}
	items, seqs, err := queryPage(ctx, s.reader, scanWebhook, `SELECT `+webhookColumns+` FROM webhooks WHERE organization_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
		in.OrgID, after, in.PageSize+1)
	if err != nil {
		return nil, err
	}
	return &pageOutput[api.Webhook]{Body: page(items, seqs, in.PageSize)}, nil
}

type createWebhookInput struct {
	OrgPath
	IdempotencyHeader
	Body api.WebhookCreate
}

func (s *Server) createWebhook(ctx context.Context, in *createWebhookInput) (*objectOutput[api.Webhook], error) {
	b := in.Body
	if err := api.ValidateWebhookURL(b.URL); err != nil {
		return nil, invalidField("url", err)
	}
	events, err := webhookEvents(b.Events)
	if err != nil {
		return nil, err
	}
	if err := webhookSecret(b.Secret); err != nil {
		return nil, err
	}
	// The lookup runs before the write begins: the writer never waits for DNS.
	if err := s.checkWebhookTarget(ctx, b.URL); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	w := api.Webhook{ID: newID(prefixWebhook), OrganizationID: in.OrgID, URL: b.URL, Events: events, Active: b.Active == nil || *b.Active, CreatedAt: now, UpdatedAt: now}
	err = s.writeOrg(ctx, func(tx *sql.Tx, a access) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM webhooks WHERE organization_id = ?`, a.orgID).Scan(&n); err != nil {
			return err
		}
		if n >= api.MaxWebhooksPerOrganization {
			return errLimit("an organization may hold at most %d webhooks; it has %d", api.MaxWebhooksPerOrganization, n)
		}
		ts := store.FormatTime(now)
		if _, err := tx.ExecContext(ctx, `INSERT INTO webhooks (id, organization_id, url, events, active, secret, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			w.ID, a.orgID, w.URL, encodeEvents(w.Events), w.Active, s.sealer.Seal(b.Secret, webhookSecretContext(w.ID)), ts, ts); err != nil {
			return fmt.Errorf("insert webhook: %w", err)
		}
		return s.record(ctx, tx, a.orgID, "webhook.create", "webhook", w.ID)
	})
	if err != nil {
		return nil, err
	}
	return newObjectOutput(w), nil
}

func (s *Server) getWebhook(ctx context.Context, in *WebhookPath) (*objectOutput[api.Webhook], error) {
	w, err := s.loadWebhook(ctx, s.reader, in.OrgID, in.WebhookID)
	if err != nil {
		return nil, err
	}
	return newObjectOutput(w), nil
}

type updateWebhookInput struct {
	WebhookPath
	IfMatchHeader
	Body api.WebhookUpdate
}

func (s *Server) updateWebhook(ctx context.Context, in *updateWebhookInput) (*objectOutput[api.Webhook], error) {
	b := in.Body
	var events []string
	if b.URL != nil {
		if err := api.ValidateWebhookURL(*b.URL); err != nil {
			return nil, invalidField("url", err)
		}
	}
	if b.Events != nil {
		var err error
		if events, err = webhookEvents(*b.Events); err != nil {
			return nil, err
		}
	}
	if b.Secret != nil {
		if err := webhookSecret(*b.Secret); err != nil {
			return nil, err
		}
	}
	if b.URL != nil {
		if err := s.checkWebhookTarget(ctx, *b.URL); err != nil {
			return nil, err
		}
	}
	var out api.Webhook
	err := s.writeOrg(ctx, func(tx *sql.Tx, a access) error {
		cur, err := s.loadWebhook(ctx, tx, a.orgID, in.WebhookID)
		if err != nil {
			return err
		}
		if err := checkIfMatch(in.IfMatch, cur); err != nil {
			return err
		}
		next := cur
		if b.URL != nil {
			next.URL = *b.URL
		}
		if events != nil {
			next.Events = events
		}
		if b.Active != nil {
			next.Active = *b.Active
		}
		if next.URL == cur.URL && slices.Equal(next.Events, cur.Events) && next.Active == cur.Active && b.Secret == nil {
			out = cur
			return nil
		}
		next.UpdatedAt = s.now().UTC()
		if _, err := tx.ExecContext(ctx, `UPDATE webhooks SET url = ?, events = ?, active = ?, updated_at = ? WHERE id = ?`,
			next.URL, encodeEvents(next.Events), next.Active, store.FormatTime(next.UpdatedAt), cur.ID); err != nil {
			return fmt.Errorf("update webhook: %w", err)
		}
		if b.Secret != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE webhooks SET secret = ? WHERE id = ?`, s.sealer.Seal(*b.Secret, webhookSecretContext(cur.ID)), cur.ID); err != nil {
				return fmt.Errorf("update webhook secret: %w", err)
			}
		}
		if cur.Active && !next.Active {
			// Deliveries stop with the webhook: those still waiting are cancelled, not held for later.
			if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET status = 'cancelled', next_attempt_at = NULL WHERE webhook_id = ? AND status = 'pending'`, cur.ID); err != nil {
				return fmt.Errorf("cancel pending deliveries: %w", err)
			}
		}
		out = next
		return s.record(ctx, tx, a.orgID, "webhook.update", "webhook", cur.ID)
	})
	if err != nil {
		return nil, err
	}
	return newObjectOutput(out), nil
}

func (s *Server) deleteWebhook(ctx context.Context, in *WebhookPath) (*struct{}, error) {
	return nil, s.deleteOrgObject(ctx, webhookObject, in.WebhookID)
}

// ---- The delivery log ----

const deliveryColumns = `seq, id, webhook_id, event, event_id, status, redelivery_of, next_attempt_at, created_at`

func scanDelivery(row rowScanner) (api.WebhookDelivery, int64, error) {
	var d api.WebhookDelivery
	var seq int64
	var redelivery, next sql.NullString
	var created string
	if err := row.Scan(&seq, &d.ID, &d.WebhookID, &d.Event, &d.EventID, &d.Status, &redelivery, &next, &created); err != nil {
		return api.WebhookDelivery{}, 0, err
	}
	d.RedeliveryOf = redelivery.String
	d.NextAttemptAt = parseNullTime(next)
	d.CreatedAt = parseTime(created)
	d.Attempts = []api.WebhookAttempt{}
	return d, seq, nil
}

// withAttempts fills in the attempts of the deliveries, in one query.
func withAttempts(ctx context.Context, q querier, deliveries []api.WebhookDelivery) error {
	if len(deliveries) == 0 {
		return nil
	}
	index := make(map[string]int, len(deliveries))
	args := make([]any, len(deliveries))
	for i, d := range deliveries {
		index[d.ID], args[i] = i, d.ID
	}
	rows, err := q.QueryContext(ctx, `SELECT delivery_id, at, status_code, error, duration_ms FROM webhook_attempts
		WHERE delivery_id IN (?`+strings.Repeat(", ?", len(args)-1)+`) ORDER BY delivery_id, attempt`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, at string
		var a api.WebhookAttempt
		if err := rows.Scan(&id, &at, &a.StatusCode, &a.Error, &a.DurationMS); err != nil {
			return err
		}
		a.At = parseTime(at)
		d := &deliveries[index[id]]
		d.Attempts = append(d.Attempts, a)
	}
	return rows.Err()
}

type listWebhookDeliveriesInput struct {
	WebhookPath
	PageParams
}

func (s *Server) listWebhookDeliveries(ctx context.Context, in *listWebhookDeliveriesInput) (*pageOutput[api.WebhookDelivery], error) {
	before, err := in.cursor()
	if err != nil {
		return nil, err
	}
	if _, err := s.loadWebhook(ctx, s.reader, in.OrgID, in.WebhookID); err != nil {
		return nil, err
	}
	query := `SELECT ` + deliveryColumns + ` FROM webhook_deliveries WHERE webhook_id = ?`
	args := []any{in.WebhookID}
	if before > 0 {
		query += ` AND seq < ?`
		args = append(args, before)
	}
	items, seqs, err := queryPage(ctx, s.reader, scanDelivery, query+` ORDER BY seq DESC LIMIT ?`, append(args, in.PageSize+1)...)
	if err != nil {
		return nil, err
	}
	out := page(items, seqs, in.PageSize)
	if err := withAttempts(ctx, s.reader, out.Items); err != nil {
		return nil, err
	}
	return &pageOutput[api.WebhookDelivery]{Body: out}, nil
}

func (s *Server) loadDelivery(ctx context.Context, q querier, orgID, webhookID, id string) (api.WebhookDelivery, error) {
	if _, err := s.loadWebhook(ctx, q, orgID, webhookID); err != nil {
		return api.WebhookDelivery{}, err
	}
	d, _, err := scanDelivery(q.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE webhook_id = ? AND id = ?`, webhookID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return api.WebhookDelivery{}, errNotFound("delivery %q of webhook %q not found", id, webhookID)
	}
	if err != nil {
		return api.WebhookDelivery{}, err
	}
	ds := []api.WebhookDelivery{d}
	err = withAttempts(ctx, q, ds)
	return ds[0], err
}

func (s *Server) getWebhookDelivery(ctx context.Context, in *WebhookDeliveryPath) (*objectOutput[api.WebhookDelivery], error) {
	d, err := s.loadDelivery(ctx, s.reader, in.OrgID, in.WebhookID, in.DeliveryID)
	if err != nil {
		return nil, err
	}
	return newObjectOutput(d), nil
}

type redeliverInput struct {
	WebhookDeliveryPath
	IdempotencyHeader
}

// redeliverWebhookDelivery sends a delivery's event again: a new delivery with the same body (so the
// same event id, for the receiver to deduplicate by) and a schedule of its own.
func (s *Server) redeliverWebhookDelivery(ctx context.Context, in *redeliverInput) (*objectOutput[api.WebhookDelivery], error) {
	var out api.WebhookDelivery
	err := s.writeOrg(ctx, func(tx *sql.Tx, a access) error {
		w, err := s.loadWebhook(ctx, tx, a.orgID, in.WebhookID)
		if err != nil {
			return err
		}
		if !w.Active {
			return errConflict("webhook %q is inactive: activate it (active: true) before redelivering", w.ID)
		}
		orig, err := s.loadDelivery(ctx, tx, a.orgID, in.WebhookID, in.DeliveryID)
		if err != nil {
			return err
		}
		var body string
		if err := tx.QueryRowContext(ctx, `SELECT body FROM webhook_deliveries WHERE id = ?`, orig.ID).Scan(&body); err != nil {
			return err
		}
		id, err := s.insertDelivery(ctx, tx, w.ID, orig.Event, orig.EventID, body, orig.ID)
		if err != nil {
			return err
		}
		if err := s.record(ctx, tx, a.orgID, "webhook.redeliver", "webhook", w.ID); err != nil {
			return err
		}
		out, err = s.loadDelivery(ctx, tx, a.orgID, w.ID, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return newObjectOutput(out), nil
}

// ---- The outbox ----

// enqueueWebhookDeliveries writes, in the transaction of the activity entry e, a delivery of it for
// each active webhook of its organization that subscribes to its action.
func (s *Server) enqueueWebhookDeliveries(ctx context.Context, tx *sql.Tx, e api.ActivityEntry) error {
	matching, err := subscribedWebhooks(ctx, tx, e.OrganizationID, e.Action)
	if err != nil || len(matching) == 0 {
		return err
	}
	body, err := json.Marshal(api.WebhookEvent{Event: e.Action, ActivityEntry: e})
	if err != nil {
		return err
	}
	for _, id := range matching {
		if _, err := s.insertDelivery(ctx, tx, id, e.Action, e.ID, string(body), ""); err != nil {
			return err
		}
	}
	return nil
}

// subscribedWebhooks are the ids of the organization's active webhooks whose events name action.
func subscribedWebhooks(ctx context.Context, q querier, orgID, action string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, events FROM webhooks WHERE organization_id = ? AND active = 1`, orgID)
	if err != nil {
		return nil, fmt.Errorf("find webhooks: %w", err)
	}
	defer rows.Close()
	var matching []string
	for rows.Next() {
		var id, stored string
		var events []string
		if err := rows.Scan(&id, &stored); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(stored), &events); err != nil {
			return nil, fmt.Errorf("webhook %s: stored events: %w", id, err)
		}
		if api.WebhookEventMatches(events, action) {
			matching = append(matching, id)
		}
	}
	return matching, rows.Err()
}

// insertDelivery writes a pending delivery, due now, and wakes the deliverer once it is committed.
func (s *Server) insertDelivery(ctx context.Context, tx *sql.Tx, webhookID, event, eventID, body, redeliveryOf string) (string, error) {
	id := newID(prefixWebhookDelivery)
	if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (id, webhook_id, event, event_id, body, status, next_attempt_at, redelivery_of, created_at)
			VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?)`,
		id, webhookID, event, eventID, body, store.FormatTime(time.Now()), sql.NullString{String: redeliveryOf, Valid: redeliveryOf != ""}, s.nowText()); err != nil {
		return "", fmt.Errorf("enqueue webhook delivery: %w", err)
	}
	afterCommit(ctx, s.webhooks.notify)
	return id, nil
}

// ---- Sealing ----

// webhookSecrets reads every webhook's sealed secret.
func webhookSecrets(ctx context.Context, q querier) (map[string]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, secret FROM webhooks`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, secret string
		if err := rows.Scan(&id, &secret); err != nil {
			return nil, err
		}
		out[id] = secret
	}
	return out, rows.Err()
}

// resealWebhookSecrets seals every webhook secret, sealed with from, with to (a key rotation).
func resealWebhookSecrets(ctx context.Context, tx *sql.Tx, from, to *seal.Sealer) (int, error) {
	all, err := webhookSecrets(ctx, tx)
	if err != nil {
		return 0, err
	}
	for id, stored := range all {
		plain, err := from.Open(stored, webhookSecretContext(id))
		if err != nil {
			return 0, fmt.Errorf("webhook %s: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE webhooks SET secret = ? WHERE id = ?`, to.Seal(plain, webhookSecretContext(id)), id); err != nil {
			return 0, fmt.Errorf("seal the secret of webhook %s: %w", id, err)
		}
	}
	return len(all), nil
}
