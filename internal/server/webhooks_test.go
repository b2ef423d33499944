package server_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/seal"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/servertest"
)

// deliveryWait bounds how long a test waits for a delivery that must arrive: generous for a loaded
// machine, and only ever reached when the delivery does not come.
const deliveryWait = 15 * time.Second

// fastRetries: retries 100ms apart at first, doubling, 5 attempts, each timing out after 2s.
var fastRetries = servertest.WithWebhookRetry(100*time.Millisecond, time.Second, 5, 2*time.Second)

func webhookPath(route, orgID, webhookID string, kv ...string) string {
	return path(route, append([]string{"org_id", orgID, "webhook_id", webhookID}, kv...)...)
}

func (h *harness) deliveries(tb testing.TB, cred, orgID, webhookID string) []api.WebhookDelivery {
	tb.Helper()
	return listAll[api.WebhookDelivery](tb, h, cred, webhookPath(api.PathWebhookDeliveries, orgID, webhookID), 0)
}

// waitForDelivery reads the delivery until done says it is where the test wants it, failing after
// deliveryWait: the deliverer works in the background.
func (h *harness) waitForDelivery(tb testing.TB, cred, orgID, webhookID, id string, done func(api.WebhookDelivery) bool) api.WebhookDelivery {
	tb.Helper()
	deadline := time.Now().Add(deliveryWait)
	for {
		d := decode[api.WebhookDelivery](tb, h.expect(tb, http.StatusOK, cred, http.MethodGet, webhookPath(api.PathWebhookDelivery, orgID, webhookID, "delivery_id", id), nil))
		if done(d) {
			return d
		}
		if time.Now().After(deadline) {
			tb.Fatalf("delivery %s did not get where the test waits for within %s: %+v", id, deliveryWait, d)
		}
		time.Sleep(20 * time.Millisecond) // polling the API: the deliverer has no hook to wait on
	}
}

func statuses(d api.WebhookDelivery) []int {
	var out []int
	for _, a := range d.Attempts {
		out = append(out, a.StatusCode)
	}
	return out
}

func TestWebhookLifecycle(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	secret := h.unique("webhook-secret")
	created := decode[api.Webhook](t, h.expect(t, http.StatusCreated, owner.Token, http.MethodPost, path(api.PathWebhooks, "org_id", org.ID),
		api.WebhookCreate{URL: h.Receiver.URL, Events: []string{"member.*", "label.update", "label.create", "label.update"}, Secret: secret}))
	if !created.Active || !slices.Equal(created.Events, []string{"label.create", "label.update", "member.*"}) || created.URL != h.Receiver.URL {
		t.Errorf("created %+v: want active, events sorted without duplicates", created)
	}
	raw := h.expect(t, http.StatusOK, owner.Token, http.MethodGet, webhookPath(api.PathWebhook, org.ID, created.ID), nil)
	if strings.Contains(string(raw.Body), secret) || strings.Contains(string(raw.Body), `"secret"`) {
		t.Errorf("a webhook read returned its secret: %s", raw.Body)
	}
	if got := listAll[api.Webhook](t, h, owner.Token, path(api.PathWebhooks, "org_id", org.ID), 0); len(got) != 1 || got[0].ID != created.ID {
		t.Errorf("list: %+v", got)
	}

	inactive, events := false, []string{"*"}
	updated := decode[api.Webhook](t, h.expect(t, http.StatusOK, owner.Token, http.MethodPatch, webhookPath(api.PathWebhook, org.ID, created.ID),
		api.WebhookUpdate{Events: &events, Active: &inactive}))
	if updated.Active || !slices.Equal(updated.Events, []string{"*"}) {
		t.Errorf("updated %+v", updated)
	}
	h.expect(t, http.StatusNoContent, owner.Token, http.MethodDelete, webhookPath(api.PathWebhook, org.ID, created.ID), nil)
	h.expectProblem(t, http.StatusNotFound, api.ProblemNotFound, owner.Token, http.MethodGet, webhookPath(api.PathWebhook, org.ID, created.ID), nil)
	h.expectProblem(t, http.StatusNotFound, api.ProblemNotFound, owner.Token, http.MethodGet, webhookPath(api.PathWebhookDeliveries, org.ID, created.ID), nil)

	var actions []string
	for _, e := range listAll[api.ActivityEntry](t, h, owner.Token, path(api.PathActivity, "org_id", org.ID), 0) {
		if e.ObjectType == "webhook" && e.ObjectID == created.ID {
			actions = append(actions, e.Action)
		}
	}
	if want := []string{"webhook.delete", "webhook.update", "webhook.create"}; !slices.Equal(actions, want) {
		t.Errorf("activity of the webhook: %v, want %v", actions, want)
	}
}

func TestWebhookValidation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	route := path(api.PathWebhooks, "org_id", org.ID)
	good := api.WebhookCreate{URL: h.Receiver.URL, Events: []string{"label.create"}, Secret: "0123456789abcdef"}
	for name, c := range map[string]struct {
		change func(*api.WebhookCreate)
		field  string
		says   string
	}{
		"an unknown event":           {func(b *api.WebhookCreate) { b.Events = []string{"label.create", "label.rename"} }, "events[1]", "not an event name"},
		"an unknown family":          {func(b *api.WebhookCreate) { b.Events = []string{"robot.*"} }, "events[0]", "not an object type with events"},
		"no events":                  {func(b *api.WebhookCreate) { b.Events = []string{} }, "events", ""},
		"a short secret":             {func(b *api.WebhookCreate) { b.Secret = "short" }, "secret", ""},
		"no secret":                  {func(b *api.WebhookCreate) { b.Secret = "" }, "secret", ""},
		"not a URL":                  {func(b *api.WebhookCreate) { b.URL = "hooks.example.com/x" }, "url", "absolute http or https"},
		"another scheme":             {func(b *api.WebhookCreate) { b.URL = "ftp://hooks.example.com/x" }, "url", "absolute http or https"},
		"a credential in the URL":    {func(b *api.WebhookCreate) { b.URL = "https://user:pw@hooks.example.com/x" }, "url", "user name or password"},
		"a fragment in the URL":      {func(b *api.WebhookCreate) { b.URL = "https://hooks.example.com/x#y" }, "url", "fragment"},
		"a control character in URL": {func(b *api.WebhookCreate) { b.URL = "https://hooks.example.com/\x01" }, "url", ""},
	} {
		t.Run(name, func(t *testing.T) {
			b := good
			c.change(&b)
			p := h.expectProblem(t, http.StatusUnprocessableEntity, api.ProblemInvalid, owner.Token, http.MethodPost, route, b)
			if !strings.Contains(p.Error(), c.field) || !strings.Contains(p.Error(), c.says) {
				t.Errorf("problem %q: want it to name %q and say %q", p.Error(), c.field, c.says)
			}
		})
	}
	for range api.MaxWebhooksPerOrganization {
		h.createWebhook(t, owner.Token, org.ID, good)
	}
	h.expectProblem(t, http.StatusConflict, api.ProblemLimitReached, owner.Token, http.MethodPost, route, good)
}

// Without the flag, a webhook may not target loopback, private, link-local, unspecified and the other
// non-public ranges: given as an address, or as a name that resolves to one. With it, it may.
func TestWebhookPrivateTargetsRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t, servertest.WithConfig(func(c *server.Config) { c.Webhooks.AllowPrivateTargets = false }))
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	route := path(api.PathWebhooks, "org_id", org.ID)
	body := func(u string) api.WebhookCreate {
		return api.WebhookCreate{URL: u, Events: []string{"label.create"}, Secret: "0123456789abcdef"}
	}
	for _, c := range []struct{ host, says string }{
		{"127.0.0.1", "loopback"}, {"127.8.9.10", "loopback"}, {"[::1]", "loopback"}, {"localhost", "loopback"},
		{"10.1.2.3", "private"}, {"172.16.5.4", "private"}, {"192.168.1.1", "private"}, {"[fd00::1]", "private"},
		{"169.254.169.254", "link-local"}, {"[fe80::1]", "link-local"},
		{"0.0.0.0", "unspecified"}, {"[::]", "unspecified"},
		{"100.64.0.1", "reserved"}, {"192.0.2.10", "reserved"}, {"198.18.0.1", "reserved"}, {"240.0.0.1", "reserved"}, {"255.255.255.255", "reserved"},
		{"[::ffff:127.0.0.1]", "loopback"}, {"[64:ff9b::a00:1]", "reserved"}, {"[2002:a00:1::]", "reserved"}, {"[2001:db8::1]", "reserved"},
		{"239.1.2.3", "multicast"}, {"224.0.0.251", "link-local"},
	} {
		t.Run(c.host, func(t *testing.T) {
			p := h.expectProblem(t, http.StatusUnprocessableEntity, api.ProblemInvalid, owner.Token, http.MethodPost, route, body("https://"+c.host+":8443/hook"))
			if !strings.Contains(p.Error(), "url") || !strings.Contains(p.Error(), c.says) || !strings.Contains(p.Error(), "-allow-private-webhook-targets") {
				t.Errorf("problem %q: want it to name url, say %q, and name the flag", p.Error(), c.says)
			}
		})
	}
	t.Run("a name resolving to a private address", func(t *testing.T) {
		h.DNS.SetAddrs("inside.example.test", netip.MustParseAddr("93.184.215.14"), netip.MustParseAddr("10.0.0.7"))
		p := h.expectProblem(t, http.StatusUnprocessableEntity, api.ProblemInvalid, owner.Token, http.MethodPost, route, body("https://inside.example.test/hook"))
		if !strings.Contains(p.Error(), "10.0.0.7") || !strings.Contains(p.Error(), "private") {
			t.Errorf("problem %q: want it to name the private address", p.Error())
		}
	})
	t.Run("a name that does not resolve", func(t *testing.T) {
		p := h.expectProblem(t, http.StatusUnprocessableEntity, api.ProblemInvalid, owner.Token, http.MethodPost, route, body("https://nowhere.example.test/hook"))
		if !strings.Contains(p.Error(), "does not resolve") {
			t.Errorf("problem %q", p.Error())
		}
	})
	t.Run("public addresses are allowed, and an update to a private one is refused", func(t *testing.T) {
		h.DNS.SetAddrs("hooks.example.test", netip.MustParseAddr("93.184.215.14"), netip.MustParseAddr("2606:2800:21f:cb07:6820:80da:af6b:8b2c"))
		wh := h.createWebhook(t, owner.Token, org.ID, body("https://hooks.example.test/hook"))
		h.createWebhook(t, owner.Token, org.ID, body("https://93.184.215.14/hook"))
		private := "http://127.0.0.1:9/hook"
		h.expectProblem(t, http.StatusUnprocessableEntity, api.ProblemInvalid, owner.Token, http.MethodPatch, webhookPath(api.PathWebhook, org.ID, wh.ID),
			api.WebhookUpdate{URL: &private})
	})

	// DNS rebinding: the name resolved to a public address when the webhook was made; by delivery time
	// it resolves to loopback, where a receiver listens. The deliverer checks the address it connects
	// to, so the receiver gets nothing and the attempt says why.
	t.Run("a name that resolves to loopback at delivery time", func(t *testing.T) {
		receiver, err := url.Parse(h.Receiver.URL)
		if err != nil {
			t.Fatal(err)
		}
		port := receiver.Port()
		h.DNS.SetAddrs("rebind.example.test", netip.MustParseAddr("93.184.215.14"))
		wh := h.createWebhook(t, owner.Token, org.ID, body("http://rebind.example.test:"+port+"/hooks/orgs"))
		h.DNS.SetAddrs("rebind.example.test", netip.MustParseAddr("127.0.0.1"))
		h.createLabel(t, owner.Token, org.ID)
		ds := h.deliveries(t, owner.Token, org.ID, wh.ID)
		if len(ds) != 1 {
			t.Fatalf("deliveries: %+v", ds)
		}
		d := h.waitForDelivery(t, owner.Token, org.ID, wh.ID, ds[0].ID, func(d api.WebhookDelivery) bool { return len(d.Attempts) > 0 })
		if a := d.Attempts[0]; a.StatusCode != 0 || !strings.Contains(a.Error, "127.0.0.1 is a loopback address") {
			t.Errorf("the attempt to a rebound name: %+v", a)
		}
		if got := h.Receiver.Received(); len(got) != 0 {
			t.Errorf("the receiver on loopback got %d requests", len(got))
		}
	})
}

// A delivery is a POST of the activity entry, signed as documented: a receiver verifies it with the
// secret, and the signature fails with another secret or another body.
func TestWebhookDeliveryIsSigned(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	secret := h.unique("webhook-secret")
	wh := h.createWebhook(t, owner.Token, org.ID, api.WebhookCreate{URL: h.Receiver.URL, Events: []string{"label.*"}, Secret: secret})
	label := h.createLabel(t, owner.Token, org.ID)

	got := h.Receiver.Next(t, deliveryWait)
	if err := got.Verify(secret); err != nil {
		t.Fatalf("the delivery does not verify: %v", err)
	}
	if err := got.Verify(secret + "x"); err == nil {
		t.Error("the delivery verifies with another secret")
	}
	if err := api.VerifyWebhook(secret, got.Header, append(got.Body, ' '), time.Minute, time.Now()); err == nil {
		t.Error("the delivery verifies with another body")
	}
	if err := api.VerifyWebhook(secret, got.Header, got.Body, time.Minute, time.Now().Add(2*time.Minute)); err == nil {
		t.Error("a delivery signed two minutes ago verifies with a tolerance of one: replays are not refused")
	}
	// The documented construction, spelled out: HMAC-SHA256 over timestamp "." body, hex, after "v1=".
	ts, _ := strconv.ParseInt(got.Header.Get(api.HeaderWebhookTimestamp), 10, 64)
	if want := api.SignWebhook(secret, ts, got.Body); got.Header.Get(api.HeaderWebhookSignature) != want || !strings.HasPrefix(want, "v1=") || len(want) != 3+64 {
		t.Errorf("signature %q, want %q", got.Header.Get(api.HeaderWebhookSignature), want)
	}
	if d := time.Since(time.Unix(ts, 0)); d < -time.Second || d > deliveryWait {
		t.Errorf("timestamp %d is not the time of sending", ts)
	}
	if got.Header.Get(api.HeaderWebhookEvent) != "label.create" || got.Header.Get(api.HeaderWebhookID) != wh.ID ||
		!strings.HasPrefix(got.Delivery(), "whd_") || got.Header.Get("Content-Type") != api.ContentTypeJSON {
		t.Errorf("headers: %v", got.Header)
	}
	var event api.WebhookEvent
	if err := json.Unmarshal(got.Body, &event); err != nil {
		t.Fatalf("body %s: %v", got.Body, err)
	}
	entries := listAll[api.ActivityEntry](t, h, owner.Token, path(api.PathActivity, "org_id", org.ID), 0)
	if event.Event != "label.create" || event.ObjectID != label.Key || event.ActorID != owner.ID || !event.At.Equal(entries[0].At) || event.ID != entries[0].ID || event.Action != entries[0].Action {
		t.Errorf("event %+v, want the activity entry %+v", event, entries[0])
	}
	d := h.waitForDelivery(t, owner.Token, org.ID, wh.ID, got.Delivery(), func(d api.WebhookDelivery) bool { return d.Status != api.DeliveryPending })
	if d.Status != api.DeliverySucceeded || !slices.Equal(statuses(d), []int{http.StatusNoContent}) || d.NextAttemptAt != nil || d.EventID != event.ID {
		t.Errorf("delivery log: %+v", d)
	}
}

// A failed attempt is retried after a wait that doubles, the log shows every attempt, and a delivery
// whose attempts run out fails.
func TestWebhookRetriesWithBackoff(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fastRetries)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	secret := h.unique("webhook-secret")
	wh := h.createWebhook(t, owner.Token, org.ID, api.WebhookCreate{URL: h.Receiver.URL, Events: []string{"label.create"}, Secret: secret})

	h.Receiver.Answer(http.StatusInternalServerError, http.StatusBadGateway, http.StatusOK)
	h.createLabel(t, owner.Token, org.ID)
	var got []servertest.WebhookRequest
	for range 3 {
		got = append(got, h.Receiver.Next(t, deliveryWait))
	}
	for i, r := range got {
		if err := r.Verify(secret); err != nil || r.Delivery() != got[0].Delivery() || string(r.Body) != string(got[0].Body) {
			t.Errorf("attempt %d: delivery %s (want %s), verify: %v", i+1, r.Delivery(), got[0].Delivery(), err)
		}
	}
	if first, second := got[1].At.Sub(got[0].At), got[2].At.Sub(got[1].At); first < 100*time.Millisecond || second < 200*time.Millisecond {
		t.Errorf("waits between attempts %s and %s: want at least 100ms, then at least 200ms", first, second)
	}
	d := h.waitForDelivery(t, owner.Token, org.ID, wh.ID, got[0].Delivery(), func(d api.WebhookDelivery) bool { return d.Status != api.DeliveryPending })
	if d.Status != api.DeliverySucceeded || !slices.Equal(statuses(d), []int{500, 502, 200}) || !strings.Contains(d.Attempts[0].Error, "500") {
		t.Errorf("delivery log: %+v", d)
	}

	h.Receiver.Answer(http.StatusServiceUnavailable)
	h.createLabel(t, owner.Token, org.ID)
	failing := h.Receiver.Next(t, deliveryWait)
	d = h.waitForDelivery(t, owner.Token, org.ID, wh.ID, failing.Delivery(), func(d api.WebhookDelivery) bool {
		if d.Status == api.DeliveryPending && len(d.Attempts) > 0 && d.NextAttemptAt == nil {
			t.Errorf("a pending delivery after a failed attempt has no next attempt: %+v", d)
		}
		return d.Status != api.DeliveryPending
	})
	if d.Status != api.DeliveryFailed || !slices.Equal(statuses(d), []int{503, 503, 503, 503, 503}) || d.NextAttemptAt != nil {
		t.Errorf("a delivery whose 5 attempts all failed: %+v", d)
	}
}

// Redelivery sends the same event again as a new delivery; an inactive webhook delivers nothing, its
// pending deliveries are cancelled, and a deleted one's deliveries go with it.
func TestWebhookRedeliverAndStop(t *testing.T) {
	t.Parallel()
	h := newHarness(t, servertest.WithWebhookRetry(time.Hour, time.Hour, 5, 2*time.Second))
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	secret := h.unique("webhook-secret")
	wh := h.createWebhook(t, owner.Token, org.ID, api.WebhookCreate{URL: h.Receiver.URL, Events: []string{"label.*"}, Secret: secret})
	h.createLabel(t, owner.Token, org.ID)
	first := h.Receiver.Next(t, deliveryWait)
	h.waitForDelivery(t, owner.Token, org.ID, wh.ID, first.Delivery(), func(d api.WebhookDelivery) bool { return d.Status == api.DeliverySucceeded })

	again := decode[api.WebhookDelivery](t, h.expect(t, http.StatusCreated, owner.Token, http.MethodPost,
		webhookPath(api.PathWebhookRedeliver, org.ID, wh.ID, "delivery_id", first.Delivery()), nil))
	if again.RedeliveryOf != first.Delivery() || again.ID == first.Delivery() || again.Event != "label.create" {
		t.Errorf("redelivery %+v", again)
	}
	second := h.Receiver.Next(t, deliveryWait)
	if second.Delivery() != again.ID || string(second.Body) != string(first.Body) || second.Verify(secret) != nil {
		t.Errorf("the redelivery: delivery %s, body %s; want %s with the first body", second.Delivery(), second.Body, again.ID)
	}

	// A receiver that fails: the delivery waits an hour for its retry, then the webhook is deactivated.
	h.Receiver.Answer(http.StatusInternalServerError)
	h.createLabel(t, owner.Token, org.ID)
	failed := h.Receiver.Next(t, deliveryWait)
	h.waitForDelivery(t, owner.Token, org.ID, wh.ID, failed.Delivery(), func(d api.WebhookDelivery) bool { return len(d.Attempts) == 1 })
	off := false
	h.expect(t, http.StatusOK, owner.Token, http.MethodPatch, webhookPath(api.PathWebhook, org.ID, wh.ID), api.WebhookUpdate{Active: &off})
	d := decode[api.WebhookDelivery](t, h.expect(t, http.StatusOK, owner.Token, http.MethodGet, webhookPath(api.PathWebhookDelivery, org.ID, wh.ID, "delivery_id", failed.Delivery()), nil))
	if d.Status != api.DeliveryCancelled || d.NextAttemptAt != nil {
		t.Errorf("a pending delivery of a deactivated webhook: %+v", d)
	}
	before := len(h.deliveries(t, owner.Token, org.ID, wh.ID))
	h.createLabel(t, owner.Token, org.ID)
	if after := len(h.deliveries(t, owner.Token, org.ID, wh.ID)); after != before {
		t.Errorf("an inactive webhook got a delivery: %d deliveries, then %d", before, after)
	}
	h.expectProblem(t, http.StatusConflict, api.ProblemConflict, owner.Token, http.MethodPost,
		webhookPath(api.PathWebhookRedeliver, org.ID, wh.ID, "delivery_id", first.Delivery()), nil)

	h.expect(t, http.StatusNoContent, owner.Token, http.MethodDelete, webhookPath(api.PathWebhook, org.ID, wh.ID), nil)
	h.expectProblem(t, http.StatusNotFound, api.ProblemNotFound, owner.Token, http.MethodGet,
		webhookPath(api.PathWebhookDelivery, org.ID, wh.ID, "delivery_id", first.Delivery()), nil)
}

// The delivery log keeps a finished delivery for the retention, then drops it with its attempts; a
// delivery still waiting for its retry stays, however old.
func TestWebhookDeliveryLogRetention(t *testing.T) {
	t.Parallel()
	h := newHarness(t, servertest.WithWebhookRetry(time.Hour, time.Hour, 5, 2*time.Second),
		servertest.WithConfig(func(c *server.Config) { c.Webhooks.Retention = 300 * time.Millisecond }))
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	wh := h.createWebhook(t, owner.Token, org.ID, api.WebhookCreate{URL: h.Receiver.URL, Events: []string{"label.create"}, Secret: h.unique("webhook-secret")})
	h.createLabel(t, owner.Token, org.ID)
	done := h.Receiver.Next(t, deliveryWait)
	h.Receiver.Answer(http.StatusInternalServerError)
	h.createLabel(t, owner.Token, org.ID)
	waiting := h.Receiver.Next(t, deliveryWait)
	h.waitForDelivery(t, owner.Token, org.ID, wh.ID, waiting.Delivery(), func(d api.WebhookDelivery) bool { return len(d.Attempts) == 1 })

	// Prunings run (every 300 ms, the retention) while the server's clock stands still: the finished
	// delivery is younger than the retention and stays.
	time.Sleep(time.Second)
	h.expect(t, http.StatusOK, owner.Token, http.MethodGet, webhookPath(api.PathWebhookDelivery, org.ID, wh.ID, "delivery_id", done.Delivery()), nil)

	// The clock moves past the retention: the next pruning drops the finished delivery only.
	h.Clock.Advance(time.Second)
	deadline := time.Now().Add(deliveryWait)
	for {
		r := h.do(t, owner.Token, http.MethodGet, webhookPath(api.PathWebhookDelivery, org.ID, wh.ID, "delivery_id", done.Delivery()), nil)
		if r.Status == http.StatusNotFound {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a delivery finished long past the retention is still in the log (%d)", r.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
	d := decode[api.WebhookDelivery](t, h.expect(t, http.StatusOK, owner.Token, http.MethodGet, webhookPath(api.PathWebhookDelivery, org.ID, wh.ID, "delivery_id", waiting.Delivery()), nil))
	if d.Status != api.DeliveryPending {
		t.Errorf("the delivery waiting for its retry: %+v", d)
	}
}

// A delivery waiting for its retry when the server stops is retried by the server that starts on the
// database after it.
func TestWebhookDeliverySurvivesRestart(t *testing.T) {
	t.Parallel()
	retries := servertest.WithWebhookRetry(500*time.Millisecond, time.Second, 5, 2*time.Second)
	h := newHarness(t, retries)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	secret := h.unique("webhook-secret")
	wh := h.createWebhook(t, owner.Token, org.ID, api.WebhookCreate{URL: h.Receiver.URL, Events: []string{"label.create"}, Secret: secret})
	h.Receiver.Answer(http.StatusInternalServerError, http.StatusOK)
	h.createLabel(t, owner.Token, org.ID)
	failed := h.Receiver.Next(t, deliveryWait)
	if failed.Answered != http.StatusInternalServerError {
		t.Fatalf("the first attempt was answered %d", failed.Answered)
	}
	// Mid-retry: the failure is logged, the retry is due in 500ms.
	h.waitForDelivery(t, owner.Token, org.ID, wh.ID, failed.Delivery(), func(d api.WebhookDelivery) bool { return len(d.Attempts) == 1 })
	if err := h.Server.Close(); err != nil {
		t.Fatal(err)
	}

	restarted := servertest.Start(t, servertest.WithDatabase(h.DBPath), servertest.WithPrivateWebhookTargets(), retries)
	after := &harness{URL: restarted.URL, DBPath: h.DBPath, Server: restarted.Server, Clock: h.Clock, client: &http.Client{}}
	retried := h.Receiver.Next(t, deliveryWait)
	if retried.Delivery() != failed.Delivery() || retried.Verify(secret) != nil || retried.Answered != http.StatusOK {
		t.Errorf("after the restart: delivery %s answered %d, want %s answered 200", retried.Delivery(), retried.Answered, failed.Delivery())
	}
	d := after.waitForDelivery(t, owner.Token, org.ID, wh.ID, failed.Delivery(), func(d api.WebhookDelivery) bool { return d.Status != api.DeliveryPending })
	if d.Status != api.DeliverySucceeded || !slices.Equal(statuses(d), []int{500, 200}) {
		t.Errorf("delivery log after the restart: %+v", d)
	}
}

// A delivery in flight when the server stops is not the receiver's failure: no attempt is logged for
// it and no retry wait begins, so the server that starts on the database after it sends it at once, and
// its log shows the one attempt that was answered.
func TestWebhookDeliveryInFlightAtCloseIsNoAttempt(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	arrived := make(chan string, 1)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			// The first attempt hangs until its sender goes away (which the server notices once the
			// body is read).
			_, _ = io.Copy(io.Discard, r.Body)
			arrived <- r.Header.Get(api.HeaderWebhookDelivery)
			<-r.Context().Done()
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(target.Close) // after the servers' own cleanups, which end the hanging request
	// A failed attempt would wait an hour for its retry.
	retries := servertest.WithWebhookRetry(time.Hour, time.Hour, 5, time.Minute)
	h := newHarness(t, retries)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	wh := h.createWebhook(t, owner.Token, org.ID, api.WebhookCreate{URL: target.URL, Events: []string{"label.create"}, Secret: h.unique("webhook-secret")})
	h.createLabel(t, owner.Token, org.ID)
	var delivery string
	select {
	case delivery = <-arrived:
	case <-time.After(deliveryWait):
		t.Fatal("the delivery never reached its target")
	}
	if err := h.Server.Close(); err != nil {
		t.Fatal(err)
	}

	restarted := servertest.Start(t, servertest.WithDatabase(h.DBPath), servertest.WithPrivateWebhookTargets(), retries)
	after := &harness{URL: restarted.URL, DBPath: h.DBPath, Server: restarted.Server, Clock: h.Clock, client: &http.Client{}}
	d := after.waitForDelivery(t, owner.Token, org.ID, wh.ID, delivery, func(d api.WebhookDelivery) bool { return d.Status != api.DeliveryPending })
	if d.Status != api.DeliverySucceeded || !slices.Equal(statuses(d), []int{http.StatusOK}) {
		t.Errorf("the delivery cut short by the server's close: %+v, want one attempt, answered 200", d)
	}
}

// Every action the server records is an event a webhook can subscribe to: api.WebhookEvents, which
// the provider validates against at plan time, lists them all.
func TestWebhookEventsNameEveryRecordedAction(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, _ := strconv.Unquote(lit.Value)
			family, verb, ok := strings.Cut(s, ".")
			if !ok || !isIdent(family) || !isIdent(verb) || !actionVerb(verb) {
				return true
			}
			found++
			if !slices.Contains(api.WebhookEvents, s) {
				t.Errorf("%s records the action %q, which api.ActivityActions does not list", fset.Position(lit.Pos()), s)
			}
			return true
		})
	}
	// The deletes are recorded as kind + ".delete" (deleteOrgObject): each kind deleted that way.
	for _, kind := range []string{"label", "api_token", "container_registry", "webhook"} {
		if !slices.Contains(api.WebhookEvents, kind+".delete") {
			t.Errorf("api.ActivityActions lacks %s.delete", kind)
		}
	}
	if found < 20 {
		t.Errorf("found only %d recorded actions in the server's source: the scan is broken", found)
	}
}

func isIdent(s string) bool {
	return s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyz_") == ""
}

// actionVerb tells an action's verb from other dotted words in the source (file names, columns).
func actionVerb(v string) bool {
	return slices.Contains([]string{"create", "update", "delete", "leave", "accept", "decline", "resend", "verify", "unverify", "plan_change", "redeliver"}, v)
}

// A webhook's secret is sealed with the server key and re-sealed by a key rotation: after it, the
// server still signs with the same secret.
func TestWebhookSecretSurvivesKeyRotation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	secret := h.unique("webhook-secret")
	h.createWebhook(t, owner.Token, org.ID, api.WebhookCreate{URL: h.Receiver.URL, Events: []string{"label.create"}, Secret: secret})
	if err := h.Server.Close(); err != nil {
		t.Fatal(err)
	}
	oldKey, err := seal.ReadKeyFile(h.DBPath + ".key")
	if err != nil {
		t.Fatal(err)
	}
	newKey := seal.NewKey()
	admin, err := server.OpenAdmin(t.Context(), server.AdminConfig{DBPath: h.DBPath})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := admin.RotateKey(t.Context(), oldKey, newKey); err != nil || n != 1 {
		t.Fatalf("rotate: %d re-sealed, %v; want the webhook's secret", n, err)
	}
	if err := admin.Close(); err != nil {
		t.Fatal(err)
	}
	s := servertest.Start(t, servertest.WithDatabase(h.DBPath), servertest.WithPrivateWebhookTargets(),
		servertest.WithConfig(func(c *server.Config) { c.SecretKey = newKey }))
	after := &harness{URL: s.URL, DBPath: h.DBPath, Server: s.Server, client: &http.Client{}}
	after.createLabel(t, owner.Token, org.ID)
	if err := h.Receiver.Next(t, deliveryWait).Verify(secret); err != nil {
		t.Errorf("after the rotation the delivery does not verify with the webhook's secret: %v", err)
	}
}
