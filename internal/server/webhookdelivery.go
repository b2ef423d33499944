package server

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/store"
)

// The deliverer sends the deliveries the outbox holds (webhooks.go). It runs with the server: a loop
// takes the due deliveries (at most as many as it has free workers), leases each (its next_attempt_at
// moves past the attempt, so another server on the database, or this one after a crash, takes it
// again only once the lease ends), and a worker POSTs it. A 2xx answer ends the delivery; anything
// else (another status, a refused connection, a timeout, a target that is not allowed) is retried on
// the schedule of WebhookDelivery until its attempts run out. Attempts and outcomes are written to the
// delivery log, never to the activity log.
//
// Scheduling is on the wall clock (time.Now), not Config.Now: the signature's timestamp is checked
// against the receiver's clock, and a retry waits real time.

// WebhookDelivery configures how the server delivers webhooks; zero fields take the defaults below.
type WebhookDelivery struct {
	// AllowPrivateTargets lets webhooks deliver to loopback, private, link-local and other non-public
	// addresses (orgs-apiserver -allow-private-webhook-targets). For tests and local setups only:
	// otherwise anyone who may create a webhook can make the server send requests into its own network.
	AllowPrivateTargets bool
	// Timeout bounds one attempt, connection to last byte of the answer's head; 0: 10s.
	Timeout time.Duration
	// Concurrency bounds the attempts in flight, for all webhooks together; 0: 8.
	Concurrency int
	// FirstRetry is the wait before the second attempt; each later wait doubles, up to MaxRetryWait.
	// 0: 10s and 1h.
	FirstRetry, MaxRetryWait time.Duration
	// MaxAttempts is how many attempts a delivery gets before it fails; 0: 12.
	MaxAttempts int
	// Retention is how long a finished delivery (succeeded, failed or cancelled) stays in the delivery
	// log, counted from its creation; 0: 30 days. Pending deliveries are never pruned.
	Retention time.Duration
}

// The defaults of WebhookDelivery. With them a delivery is attempted at once, then after 10s, 20s,
// 40s, ... (doubling, at most an hour apart): 12 attempts over about 3 hours 25 minutes.
const (
	DefaultWebhookTimeout      = 10 * time.Second
	DefaultWebhookConcurrency  = 8
	DefaultWebhookFirstRetry   = 10 * time.Second
	DefaultWebhookMaxRetryWait = time.Hour
	DefaultWebhookMaxAttempts  = 12
	DefaultWebhookRetention    = 30 * 24 * time.Hour
)

// webhookPruneInterval is how often the deliverer prunes the delivery log (or more often, when the
// retention is shorter), and webhookPruneBatch how many deliveries one write of the pruning deletes:
// a large backlog goes in short writes, never one long hold of the writer.
const (
	webhookPruneInterval = time.Hour
	webhookPruneBatch    = 1000
)

// webhookIdleWait is the longest the deliverer sleeps without a wake-up: a delivery enqueued outside a
// request (whose commit wakes it) waits at most this long.
const webhookIdleWait = time.Second

// webhookResponseLimit is how much of a receiver's answer is read (and dropped).
const webhookResponseLimit = 64 << 10

func (c WebhookDelivery) withDefaults() WebhookDelivery {
	if c.Timeout <= 0 {
		c.Timeout = DefaultWebhookTimeout
	}
	if c.Concurrency <= 0 {
		c.Concurrency = DefaultWebhookConcurrency
	}
	if c.FirstRetry <= 0 {
		c.FirstRetry = DefaultWebhookFirstRetry
	}
	if c.MaxRetryWait <= 0 {
		c.MaxRetryWait = DefaultWebhookMaxRetryWait
	}
	if c.Retention <= 0 {
		c.Retention = DefaultWebhookRetention
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultWebhookMaxAttempts
	}
	return c
}

// retryWait is the wait after the attempt numbered attempt (1 for the first) failed.
func (c WebhookDelivery) retryWait(attempt int) time.Duration {
	wait := c.FirstRetry
	for i := 1; i < attempt && wait < c.MaxRetryWait; i++ {
		wait *= 2
	}
	return min(wait, c.MaxRetryWait)
}

type webhookDeliverer struct {
	cfg    WebhookDelivery
	client *http.Client
	wake   chan struct{}
	slots  chan struct{} // a token per attempt in flight
	// ctx ends when the server closes: attempts in flight are abandoned, and due again at once after
	// a restart.
	ctx     context.Context
	cancel  context.CancelFunc
	loop    sync.WaitGroup
	workers sync.WaitGroup
	started bool
	pruned  time.Time // when the loop last pruned the delivery log
}

func newWebhookDeliverer(cfg WebhookDelivery, resolver *net.Resolver) *webhookDeliverer {
	cfg = cfg.withDefaults()
	d := &webhookDeliverer{cfg: cfg, wake: make(chan struct{}, 1), slots: make(chan struct{}, cfg.Concurrency)}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	dialer := &net.Dialer{Timeout: cfg.Timeout, Resolver: resolver}
	if !cfg.AllowPrivateTargets {
		// Checked on the address actually connected to, after resolution: a name that resolved to a
		// public address at creation and to a private one now (DNS rebinding) is refused here.
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("webhook target %s: %w", address, err)
			}
			if why := nonPublicAddress(ap.Addr()); why != "" {
				return fmt.Errorf("webhook target %s is %s: the server delivers to public addresses only", ap.Addr(), why)
			}
			return nil
		}
	}
	d.client = &http.Client{
		Timeout: cfg.Timeout,
		Transport: &http.Transport{
			Proxy:                 nil, // a proxy would make the address check meaningless
			DialContext:           dialer.DialContext,
			TLSHandshakeTimeout:   cfg.Timeout,
			ResponseHeaderTimeout: cfg.Timeout,
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       30 * time.Second,
		},
		// A redirect is an answer, not a new target: it fails the attempt (a 3xx is not a 2xx).
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return d
}

// notify wakes the deliverer: something may be due.
func (d *webhookDeliverer) notify() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *webhookDeliverer) start(s *Server) {
	d.started = true
	d.loop.Go(func() {
		for {
			wait := d.round(s)
			t := time.NewTimer(wait)
			select {
			case <-d.ctx.Done():
				t.Stop()
				return
			case <-d.wake:
			case <-t.C:
			}
			t.Stop()
		}
	})
}

// close stops the loop and abandons the attempts in flight; each is due again at once.
func (d *webhookDeliverer) close() {
	if !d.started {
		return
	}
	d.cancel()
	d.loop.Wait()
	d.workers.Wait()
	d.client.CloseIdleConnections()
}

// dueDelivery is a delivery taken for an attempt.
type dueDelivery struct {
	id, webhookID, orgID, event, body string
	attempts                          int
}

// round starts an attempt for each due delivery it has a free worker for, and returns how long to
// sleep before looking again.
func (d *webhookDeliverer) round(s *Server) time.Duration {
	ctx := d.ctx
	if time.Since(d.pruned) >= min(webhookPruneInterval, d.cfg.Retention) {
		d.pruned = time.Now()
		// A delivery's creation is on the server's clock (its log shows it), so the cut-off is too.
		if err := d.prune(ctx, s, s.now().Add(-d.cfg.Retention)); err != nil && ctx.Err() == nil {
			s.log.Warn("prune the webhook delivery log", "error", err)
		}
	}
	free := cap(d.slots) - len(d.slots)
	if free > 0 {
		due, err := d.take(ctx, s, free)
		if err != nil && ctx.Err() == nil {
			s.log.Warn("take due webhook deliveries", "error", err)
		}
		for _, del := range due {
			d.slots <- struct{}{}
			d.workers.Go(func() {
				defer func() { <-d.slots; d.notify() }()
				d.attempt(s, del)
			})
		}
	}
	var next sql.NullString
	if err := s.reader.QueryRowContext(ctx, `SELECT min(next_attempt_at) FROM webhook_deliveries WHERE status = 'pending'`).Scan(&next); err != nil || !next.Valid {
		return webhookIdleWait
	}
	at, err := store.ParseTime(next.String)
	if err != nil {
		return webhookIdleWait
	}
	return min(max(time.Until(at), time.Millisecond), webhookIdleWait)
}

// prune deletes the finished deliveries created before before, with their attempts, a batch a write.
func (d *webhookDeliverer) prune(ctx context.Context, s *Server, before time.Time) error {
	for {
		var deleted int64
		err := s.write(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries
				WHERE status != 'pending' AND created_at < ? LIMIT ?)`, store.FormatTime(before), webhookPruneBatch)
			if err != nil {
				return err
			}
			deleted, err = res.RowsAffected()
			return err
		})
		if err != nil || deleted < webhookPruneBatch {
			return err
		}
	}
}

// take leases up to n due deliveries: each one's next attempt moves past the lease, in the write that
// takes it, so no other round (of this server or another on the database) takes it too.
func (d *webhookDeliverer) take(ctx context.Context, s *Server, n int) ([]dueDelivery, error) {
	now := time.Now()
	ids, err := dueDeliveryIDs(ctx, s.reader, now, n)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	lease := store.FormatTime(now.Add(d.cfg.Timeout + 30*time.Second))
	var due []dueDelivery
	err = s.write(ctx, func(tx *sql.Tx) error {
		due = due[:0]
		for _, id := range ids {
			var del dueDelivery
			err := tx.QueryRowContext(ctx, `SELECT d.id, d.webhook_id, w.organization_id, d.event, d.body, d.attempts FROM webhook_deliveries d
				JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = ? AND d.status = 'pending' AND d.next_attempt_at <= ?`, id, store.FormatTime(now)).
				Scan(&del.id, &del.webhookID, &del.orgID, &del.event, &del.body, &del.attempts)
			if errors.Is(err, sql.ErrNoRows) {
				continue // taken, cancelled or deleted meanwhile
			}
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET next_attempt_at = ? WHERE id = ?`, lease, id); err != nil {
				return err
			}
			due = append(due, del)
		}
		return nil
	})
	return due, err
}

// dueDeliveryIDs are the ids of up to n pending deliveries due at now, the longest due first.
func dueDeliveryIDs(ctx context.Context, q querier, now time.Time, n int) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?`,
		store.FormatTime(now), n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// attempt POSTs one delivery and writes the outcome.
func (d *webhookDeliverer) attempt(s *Server, del dueDelivery) {
	ctx := d.ctx
	var target, sealed string
	var active bool
	err := s.reader.QueryRowContext(ctx, `SELECT url, secret, active FROM webhooks WHERE id = ?`, del.webhookID).Scan(&target, &sealed, &active)
	if errors.Is(err, sql.ErrNoRows) {
		return // deleted: its deliveries went with it
	}
	if err == nil && !active {
		d.finish(s, del, api.DeliveryCancelled, nil, nil)
		return
	}
	var secret string
	if err == nil {
		secret, err = s.sealer.Open(sealed, webhookSecretContext(del.webhookID))
	}
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("webhook delivery", "delivery", del.id, "error", err)
		}
		d.release(s, del)
		return
	}

	start := time.Now()
	status, sendErr := d.send(ctx, del, target, secret, start)
	if sendErr != nil && status == 0 && ctx.Err() != nil {
		// The server is closing: not the receiver's failure. The delivery is due again at once.
		d.release(s, del)
		return
	}
	result := api.WebhookAttempt{At: start, StatusCode: status, DurationMS: time.Since(start).Milliseconds()}
	if sendErr != nil {
		result.Error = sendErr.Error()
	}
	next := api.DeliverySucceeded
	var retryAt *time.Time
	if sendErr != nil || status < 200 || status > 299 {
		next = api.DeliveryFailed
		if n := del.attempts + 1; n < d.cfg.MaxAttempts {
			next = api.DeliveryPending
			at := time.Now().Add(d.cfg.retryWait(n))
			retryAt = &at
		}
	}
	d.finish(s, del, next, &result, retryAt)
}

// send makes one attempt: the status the receiver answered (0 for none), or why there was none.
func (d *webhookDeliverer) send(ctx context.Context, del dueDelivery, target, secret string, at time.Time) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader([]byte(del.body)))
	if err != nil {
		return 0, err
	}
	ts := at.Unix()
	req.Header.Set("Content-Type", api.ContentTypeJSON)
	req.Header.Set("User-Agent", "orgs-webhooks/1")
	req.Header.Set(api.HeaderWebhookID, del.webhookID)
	req.Header.Set(api.HeaderWebhookDelivery, del.id)
	req.Header.Set(api.HeaderWebhookEvent, del.event)
	req.Header.Set(api.HeaderWebhookTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(api.HeaderWebhookSignature, api.SignWebhook(secret, ts, []byte(del.body)))
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, attemptError(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, webhookResponseLimit)) // the answer's body is not kept
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("the receiver answered %s", resp.Status)
	}
	return resp.StatusCode, nil
}

// attemptError is what the log says of a failed request: the cause, without Go's "Post <url>:" prefix.
func attemptError(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		if uerr.Timeout() {
			return errors.New("no answer within the attempt's timeout")
		}
		return uerr.Err
	}
	return err
}

// finish writes an attempt's outcome: the attempt in the log (result nil: none was made), the
// delivery's status and its next attempt. A delivery cancelled or deleted meanwhile is left alone.
func (d *webhookDeliverer) finish(s *Server, del dueDelivery, status api.WebhookDeliveryStatus, result *api.WebhookAttempt, retryAt *time.Time) {
	ctx := context.WithoutCancel(d.ctx)
	err := s.write(ctx, func(tx *sql.Tx) error {
		attempts := del.attempts
		if result != nil {
			attempts++
		}
		var next sql.NullString
		if retryAt != nil {
			next = sql.NullString{String: store.FormatTime(*retryAt), Valid: true}
		}
		res, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ? WHERE id = ? AND status = 'pending'`,
			status, attempts, next, del.id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 || result == nil {
			return nil
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?)`,
			del.id, attempts, store.FormatTime(result.At), result.StatusCode, result.Error, result.DurationMS)
		return err
	})
	if err != nil {
		s.log.Error("record webhook delivery attempt", "delivery", del.id, "error", err)
	}
}

// release ends a lease without an attempt: the delivery is due again at once.
func (d *webhookDeliverer) release(s *Server, del dueDelivery) {
	ctx := context.WithoutCancel(d.ctx)
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET next_attempt_at = ? WHERE id = ? AND status = 'pending'`, store.FormatTime(time.Now()), del.id)
		return err
	})
	if err != nil {
		s.log.Warn("release webhook delivery", "delivery", del.id, "error", err)
	}
}

// ---- Targets ----

// nonPublicRanges are the special-purpose ranges (IANA registries) that netip's predicates do not
// cover and that are not the public internet: shared address space (carrier-grade NAT), IETF protocol
// assignments, documentation, benchmarking, reserved and broadcast, "this network", and the IPv6
// prefixes that embed an IPv4 address (NAT64, 6to4, Teredo) or are deprecated site-local.
var nonPublicRanges = func() []netip.Prefix {
	var out []netip.Prefix
	for _, p := range []string{
		"0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4",
		"64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32", "2002::/16", "fec0::/10",
	} {
		out = append(out, netip.MustParsePrefix(p))
	}
	return out
}()

// nonPublicAddress says what kind of non-public address a is ("a loopback address"), or "" for a
// public one.
func nonPublicAddress(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case !a.IsValid():
		return "not an address"
	case a.IsUnspecified():
		return "the unspecified address"
	case a.IsLoopback():
		return "a loopback address"
	case a.IsPrivate():
		return "a private address"
	case a.IsLinkLocalUnicast(), a.IsLinkLocalMulticast():
		return "a link-local address"
	case a.IsMulticast(), a.IsInterfaceLocalMulticast():
		return "a multicast address"
	}
	for _, p := range nonPublicRanges {
		if p.Contains(a) {
			return "in the reserved range " + p.String()
		}
	}
	return ""
}

// checkWebhookTarget refuses (422, naming url) a webhook URL whose host is, or resolves to, a
// non-public address, unless the server allows private targets. Every address the name resolves to
// must be public, and the deliverer checks again the one it connects to.
func (s *Server) checkWebhookTarget(ctx context.Context, rawURL string) error {
	if s.cfg.Webhooks.AllowPrivateTargets {
		return nil
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return invalidField("url", err)
	}
	host := u.Hostname()
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else {
		lookup, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		addrs, err = s.resolver.LookupNetIP(lookup, "ip", host)
		if err != nil || len(addrs) == 0 {
			if err == nil {
				err = errors.New("no address")
			}
			return invalidField("url", fmt.Errorf("the host %s does not resolve: a webhook's host must resolve to a public address: %w", host, err))
		}
	}
	for _, a := range addrs {
		if why := nonPublicAddress(a); why != "" {
			return invalidField("url", fmt.Errorf("the host %s is %s (%s): the server delivers webhooks to public addresses only, "+
				"unless it is started with -allow-private-webhook-targets (for tests and local setups)", host, why, a.Unmap()))
		}
	}
	return nil
}
