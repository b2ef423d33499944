package servertest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// WebhookReceiver is a webhook endpoint on loopback for tests (the server must allow private targets:
// WithPrivateWebhookTargets). It keeps every delivery it gets and answers each with the status Answer
// set; it verifies nothing itself, so that tests see what was sent.
type WebhookReceiver struct {
	// URL is where the receiver listens.
	URL string

	arrived chan WebhookRequest
	mu      sync.Mutex
	answers []int
	all     []WebhookRequest
}

// WebhookRequest is one delivery attempt as the receiver got it.
type WebhookRequest struct {
	Header   http.Header
	Body     []byte
	At       time.Time
	Answered int // the status the receiver answered
}

// Delivery is the request's delivery id (the same for every attempt of one delivery).
func (r WebhookRequest) Delivery() string { return r.Header.Get(api.HeaderWebhookDelivery) }

// Verify checks the request's signature and timestamp as a receiver would.
func (r WebhookRequest) Verify(secret string) error {
	return api.VerifyWebhook(secret, r.Header, r.Body, api.DefaultWebhookTolerance, time.Now())
}

// StartWebhookReceiver starts a receiver answering 204 until told otherwise, stopped when tb ends.
func StartWebhookReceiver(tb testing.TB) *WebhookReceiver {
	tb.Helper()
	r := &WebhookReceiver{arrived: make(chan WebhookRequest, 1000), answers: []int{http.StatusNoContent}}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return
		}
		r.mu.Lock()
		status := r.answers[0]
		if len(r.answers) > 1 {
			r.answers = r.answers[1:]
		}
		got := WebhookRequest{Header: req.Header.Clone(), Body: body, At: time.Now(), Answered: status}
		r.all = append(r.all, got)
		r.mu.Unlock()
		w.WriteHeader(status)
		select {
		case r.arrived <- got:
		default: // a test that does not wait for them still sees them in Received
		}
	}))
	tb.Cleanup(hs.Close)
	r.URL = hs.URL + "/hooks/orgs"
	return r
}

// Answer sets the statuses of the next requests, in order; the last one is kept for every request
// after them. Answer(500, 500, 204): two failures, then success.
func (r *WebhookReceiver) Answer(statuses ...int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.answers = append([]int(nil), statuses...)
}

// Next waits for the next request the receiver gets, failing the test when none arrives within the
// time given.
func (r *WebhookReceiver) Next(tb testing.TB, within time.Duration) WebhookRequest {
	tb.Helper()
	got, err := r.Wait(within, func(WebhookRequest) bool { return true })
	if err != nil {
		tb.Fatal(err)
	}
	return got
}

// Wait waits for the next request that want keeps, skipping the others; an error when none comes
// within the time given (for a test step's check, which returns errors).
func (r *WebhookReceiver) Wait(within time.Duration, want func(WebhookRequest) bool) (WebhookRequest, error) {
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	for {
		select {
		case got := <-r.arrived:
			if want(got) {
				return got, nil
			}
		case <-deadline.C:
			return WebhookRequest{}, fmt.Errorf("the webhook receiver got no awaited request within %s (it got %d in all)", within, len(r.Received()))
		}
	}
}

// Event is the request's event name.
func (r WebhookRequest) Event() string { return r.Header.Get(api.HeaderWebhookEvent) }

// Received is every request so far.
func (r *WebhookReceiver) Received() []WebhookRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]WebhookRequest(nil), r.all...)
}
