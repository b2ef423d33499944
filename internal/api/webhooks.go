package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Webhooks: an organization subscribes an HTTPS (or HTTP) endpoint to events, the entries of its
// activity log. Every matching entry is delivered as a signed POST (WebhookEvent, headers below),
// retried with backoff until the receiver answers 2xx or the schedule runs out, and logged per
// webhook (WebhookDelivery); any delivery can be sent again (redeliver).
const (
	PathWebhooks          = PathOrganization + "/webhooks"
	PathWebhook           = PathWebhooks + "/{webhook_id}"
	PathWebhookDeliveries = PathWebhook + "/deliveries" // GET: the delivery log, newest first
	PathWebhookDelivery   = PathWebhookDeliveries + "/{delivery_id}"
	PathWebhookRedeliver  = PathWebhookDelivery + "/redeliver" // POST: send the delivery's event again, as a new delivery
)

// MaxWebhooksPerOrganization is how many webhooks one organization may hold; a secret is 16 to 256
// characters.
const (
	MaxWebhooksPerOrganization = 20
	WebhookSecretMinLength     = 16
	WebhookSecretMaxLength     = 256
)

// The headers of a delivery. A receiver checks the signature and the timestamp's age (VerifyWebhook):
//
//	Orgs-Webhook-Signature: v1=<hex of HMAC-SHA256(secret, Orgs-Webhook-Timestamp + "." + body)>
//
// The timestamp is the attempt's, in Unix seconds: each attempt of a delivery is signed anew, so a
// receiver can refuse any request older than a few minutes (a replay) and deduplicate by
// Orgs-Webhook-Delivery (the same for every attempt of one delivery) or by the event's id.
const (
	HeaderWebhookDelivery  = "Orgs-Webhook-Delivery"  // the delivery id (whd_...), the same for every attempt
	HeaderWebhookEvent     = "Orgs-Webhook-Event"     // the event name, such as label.update
	HeaderWebhookTimestamp = "Orgs-Webhook-Timestamp" // when this attempt was signed, Unix seconds
	HeaderWebhookSignature = "Orgs-Webhook-Signature" // "v1=" and the hex HMAC-SHA256 of timestamp + "." + body
	HeaderWebhookID        = "Orgs-Webhook-Id"        // the webhook (wh_...) the delivery is for
	WebhookSignaturePrefix = "v1="
)

// DefaultWebhookTolerance is how old a delivery's timestamp VerifyWebhook accepts by default.
const DefaultWebhookTolerance = 5 * time.Minute

// WebhookEventAll subscribes to every event; "<object type>.*" to every event of one object type.
const WebhookEventAll = "*"

// WebhookEvents are the event names: the actions of the activity log. A webhook's events are names
// from this list, "*" for all, or "<object type>.*" for every event of an object type in it.
var WebhookEvents = ActivityActions

// ValidateWebhookEvent checks one entry of a webhook's events: a known event name, "*", or
// "<object type>.*" for an object type that has events.
func ValidateWebhookEvent(e string) error {
	if e == WebhookEventAll || slices.Contains(WebhookEvents, e) {
		return nil
	}
	if family, ok := strings.CutSuffix(e, ".*"); ok {
		for _, known := range WebhookEvents {
			if strings.HasPrefix(known, family+".") {
				return nil
			}
		}
		return fmt.Errorf("event %q: %q is not an object type with events; the types are %s", e, family, strings.Join(ActivityObjectTypes, ", "))
	}
	return fmt.Errorf("event %q is not an event name: give one of the activity actions (such as label.update), \"<object type>.*\" or \"*\"", e)
}

// WebhookEventMatches reports whether a webhook subscribed to events wants the event named action.
func WebhookEventMatches(events []string, action string) bool {
	for _, e := range events {
		if e == WebhookEventAll || e == action {
			return true
		}
		if family, ok := strings.CutSuffix(e, ".*"); ok && strings.HasPrefix(action, family+".") {
			return true
		}
	}
	return false
}

// ValidateWebhookURL checks a webhook's address: an absolute http or https URL with a host and no
// user name or password (a credential belongs in the secret, not in a URL every reader sees).
func ValidateWebhookURL(s string) error {
	if err := ValidateHTTPURL(s); err != nil {
		return err
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not an absolute http or https URL", s)
	}
	if u.User != nil {
		return fmt.Errorf("%q holds a user name or password: put no credential in the URL (the receiver checks the signature instead)", s)
	}
	if u.Fragment != "" || strings.HasSuffix(s, "#") {
		return fmt.Errorf("%q has a fragment (#...), which is never sent: remove it", s)
	}
	return nil
}

type Webhook struct {
	ID             string    `json:"id" readOnly:"true"`
	OrganizationID string    `json:"organization_id" readOnly:"true"`
	URL            string    `json:"url" doc:"Where deliveries are POSTed."`
	Events         []string  `json:"events" doc:"The events delivered: event names (activity actions such as label.update), \"<object type>.*\" or \"*\"; sorted, without duplicates."`
	Active         bool      `json:"active" doc:"Whether events are delivered. Deactivating cancels the deliveries still pending."`
	CreatedAt      time.Time `json:"created_at" readOnly:"true"`
	UpdatedAt      time.Time `json:"updated_at" readOnly:"true"`
}

// WebhookCreate subscribes a URL. The secret signs every delivery; it is write-only, never returned.
type WebhookCreate struct {
	URL    string   `json:"url" minLength:"1" maxLength:"2048" doc:"An absolute http or https URL on a public address (unless the server allows private targets)."`
	Events []string `json:"events" minItems:"1" maxItems:"100" doc:"Event names, \"<object type>.*\" or \"*\"."`
	Active *bool    `json:"active,omitempty" doc:"Defaults to true."`
	Secret string   `json:"secret" minLength:"16" maxLength:"256" writeOnly:"true" doc:"The key of the deliveries' HMAC-SHA256 signature. Write-only: never returned."`
}

// WebhookUpdate is a PATCH: absent fields are left as they are.
type WebhookUpdate struct {
	URL    *string   `json:"url,omitempty" minLength:"1" maxLength:"2048"`
	Events *[]string `json:"events,omitempty" minItems:"1" maxItems:"100"`
	Active *bool     `json:"active,omitempty"`
	Secret *string   `json:"secret,omitempty" minLength:"16" maxLength:"256" writeOnly:"true" doc:"A new signing secret; deliveries still pending are signed with it from their next attempt."`
}

// WebhookEvent is the body of a delivery: the activity entry that caused it, with the event name.
type WebhookEvent struct {
	Event string `json:"event" doc:"The event name: the entry's action."`
	ActivityEntry
}

// WebhookDeliveryStatus is where a delivery stands.
type WebhookDeliveryStatus string

const (
	DeliveryPending   WebhookDeliveryStatus = "pending"   // waiting for its first attempt or a retry
	DeliverySucceeded WebhookDeliveryStatus = "succeeded" // the receiver answered 2xx
	DeliveryFailed    WebhookDeliveryStatus = "failed"    // every attempt of the schedule failed
	DeliveryCancelled WebhookDeliveryStatus = "cancelled" // the webhook was deactivated while it was pending
)

// WebhookDelivery is one event sent (or to send) to one webhook, with its attempts.
type WebhookDelivery struct {
	ID            string                `json:"id" readOnly:"true"`
	WebhookID     string                `json:"webhook_id" readOnly:"true"`
	Event         string                `json:"event" readOnly:"true"`
	EventID       string                `json:"event_id" readOnly:"true" doc:"The activity entry delivered (act_...)."`
	Status        WebhookDeliveryStatus `json:"status" readOnly:"true" enum:"pending,succeeded,failed,cancelled"`
	RedeliveryOf  string                `json:"redelivery_of,omitempty" readOnly:"true" doc:"The delivery this one sends again, for a redelivery."`
	NextAttemptAt *time.Time            `json:"next_attempt_at,omitempty" readOnly:"true" doc:"When the next attempt is due, while pending."`
	Attempts      []WebhookAttempt      `json:"attempts" readOnly:"true" doc:"Every attempt so far, oldest first."`
	CreatedAt     time.Time             `json:"created_at" readOnly:"true"`
}

// WebhookAttempt is one POST of a delivery.
type WebhookAttempt struct {
	At         time.Time `json:"at"`
	StatusCode int       `json:"status_code" doc:"The receiver's HTTP status; 0 when it gave none (refused, timed out, not allowed)."`
	Error      string    `json:"error,omitempty" doc:"Why the attempt failed, when it did."`
	DurationMS int64     `json:"duration_ms"`
}

// SignWebhook is the value of HeaderWebhookSignature for a body sent at timestamp (Unix seconds).
func SignWebhook(secret string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestamp, 10)))
	mac.Write([]byte("."))
	mac.Write(body)
	return WebhookSignaturePrefix + hex.EncodeToString(mac.Sum(nil))
}

// VerifyWebhook checks a delivery as a receiver gets it: the signature over the timestamp and the
// body, and a timestamp no further than tolerance from now (either way), which refuses replays.
func VerifyWebhook(secret string, header http.Header, body []byte, tolerance time.Duration, now time.Time) error {
	ts, err := strconv.ParseInt(header.Get(HeaderWebhookTimestamp), 10, 64)
	if err != nil {
		return fmt.Errorf("the %s header is not a Unix time: %q", HeaderWebhookTimestamp, header.Get(HeaderWebhookTimestamp))
	}
	if age := now.Sub(time.Unix(ts, 0)); age > tolerance || age < -tolerance {
		return fmt.Errorf("the delivery was signed %s ago, more than the %s allowed: a replay, or a clock far off", age.Round(time.Second), tolerance)
	}
	want := SignWebhook(secret, ts, body)
	if !hmac.Equal([]byte(header.Get(HeaderWebhookSignature)), []byte(want)) {
		return errors.New("the signature does not match the body and timestamp: not sent with this secret, or altered")
	}
	return nil
}
