package client

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// pacer is a token bucket shared by every request of one Client. The server's policy comes in the IETF
// RateLimit header fields: RateLimit-Policy, a bucket of q requests that refills fully in w seconds,
// and RateLimit, what is left of it now (r).
//
// The bucket is shared by every request of one Client, so that the provider process keeps to
// the server's advertised limit instead of running into it and retrying (a retry storm). It starts
// unlimited (or at the user's ceiling), learns the server's policy from the first response that carries
// one, and lowers its own level to what the server says remains, since other processes with the same
// credential draw from the same budget. Retries on 429 stay, for the rare collision.
//
// The bucket is a rate.Limiter, driven by its *At methods so that tests can run it on a fake clock.
type pacer struct {
	now   func() time.Time
	sleep func(context.Context, time.Duration) error

	// mu guards limiter, which observe replaces, and makes observe's several calls to it one change, as
	// wait sees it.
	mu      sync.Mutex
	limiter *rate.Limiter // rate.Inf while unlimited
	ceiling float64       // the user's max requests per second; 0 for none
	advised bool          // the server's policy is known
	policyQ float64
	policyW float64
}

func newPacer(ceiling float64) *pacer {
	p := &pacer{now: time.Now, sleep: sleepContext, ceiling: ceiling, limiter: rate.NewLimiter(rate.Inf, 0)}
	if ceiling > 0 {
		p.limiter = rate.NewLimiter(rate.Limit(ceiling), burstOf(ceiling))
	}
	return p
}

// burstOf is a bucket size of n requests as the limiter takes it: whole, at least one, and within an
// int whatever the server or the user wrote.
func burstOf(n float64) int {
	return int(min(max(1, n), math.MaxInt32))
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// wait takes a token, waiting for one when there is none. It gives the token back if ctx ends first
// (less what waits reserved after it already count on).
//
// It reserves and sleeps itself rather than calling the limiter's Wait, which refuses at once, with an
// error of its own, a wait that would outlast ctx's deadline: the attempt would then fail early and
// without the context's error and cause, which the client reports (a resource's timeout names itself).
func (p *pacer) wait(ctx context.Context) error {
	return p.waitN(ctx, 1)
}

// waitN is wait for a request that costs the server's budget n requests (a bulk write, see
// api.BulkRequestCost); a cost above the bucket's size waits for a full bucket.
func (p *pacer) waitN(ctx context.Context, n int) error {
	p.mu.Lock()
	if p.limiter.Limit() == rate.Inf {
		p.mu.Unlock()
		return nil
	}
	now := p.now()
	r := p.limiter.ReserveN(now, min(max(n, 1), p.limiter.Burst()))
	p.mu.Unlock()
	delay := r.DelayFrom(now)
	if delay <= 0 {
		return nil
	}
	if err := p.sleep(ctx, delay); err != nil {
		p.mu.Lock()
		r.CancelAt(p.now())
		p.mu.Unlock()
		return err
	}
	return nil
}

// observe reads the RateLimit fields of a response.
func (p *pacer) observe(h http.Header) {
	q, w, okPolicy := parseRateLimitPolicy(h.Get(api.HeaderRateLimitPolicy))
	remaining, okRemaining := parseRateLimitRemaining(h.Get(api.HeaderRateLimit))
	if !okPolicy && !okRemaining {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if okPolicy {
		if !p.advised || q != p.policyQ || w != p.policyW {
			limit, burst := q/w, q
			if p.ceiling > 0 && p.ceiling < limit {
				limit, burst = p.ceiling, min(burst, p.ceiling)
			}
			if p.limiter.Limit() == rate.Inf {
				// Limited from now on, with a full bucket.
				p.limiter = rate.NewLimiter(rate.Limit(limit), burstOf(burst))
			} else {
				p.limiter.SetLimitAt(now, rate.Limit(limit))
				p.limiter.SetBurstAt(now, burstOf(burst))
			}
			p.advised, p.policyQ, p.policyW = true, q, w
		}
	}
	if okRemaining && p.limiter.Limit() != rate.Inf {
		// Others may share the budget: never believe in more than the server has left. The limiter has no
		// setter for its level, but never holds more than its burst: a burst of remaining for an instant
		// (no time passes between the two calls) lowers the level to it.
		if burst := p.limiter.Burst(); remaining < float64(burst) {
			p.limiter.SetBurstAt(now, int(remaining))
			p.limiter.SetBurstAt(now, burst)
		}
	}
}

// parseRateLimitPolicy reads the first policy of a RateLimit-Policy field: `"default";q=100;w=2`.
func parseRateLimitPolicy(v string) (q, w float64, ok bool) {
	params := firstItemParams(v)
	q, okQ := positiveParam(params, "q")
	w, okW := positiveParam(params, "w")
	if !okW {
		w, okW = 1, okQ // w defaults to one second when absent
	}
	return q, w, okQ && okW
}

// parseRateLimitRemaining reads r of the first item of a RateLimit field: `"default";r=37;t=1`.
func parseRateLimitRemaining(v string) (float64, bool) {
	params := firstItemParams(v)
	s, ok := params["r"]
	if !ok {
		return 0, false
	}
	r, err := strconv.ParseInt(s, 10, 64)
	if err != nil || r < 0 {
		return 0, false
	}
	return float64(r), true
}

// firstItemParams returns the parameters of the first item of a structured-field list, enough of RFC
// 8941 for these two fields: `"name";key=1;other=2, "second";...`.
func firstItemParams(v string) map[string]string {
	item, _, _ := strings.Cut(v, ",")
	parts := strings.Split(item, ";")
	if len(parts) < 2 {
		return nil
	}
	params := make(map[string]string, len(parts)-1)
	for _, p := range parts[1:] {
		k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
		params[k] = val
	}
	return params
}

func positiveParam(params map[string]string, key string) (float64, bool) {
	s, ok := params[key]
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, false
	}
	return float64(n), true
}

// requestCostKey marks the context of a request that costs the server's rate budget more than one
// request (a bulk write): its value is the cost.
type requestCostKey struct{}

// pacedTransport makes every attempt, retries included, wait for the pacer, and lets the pacer read
// every response.
type pacedTransport struct {
	base  http.RoundTripper
	pacer *pacer
}

func (t pacedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	cost, _ := req.Context().Value(requestCostKey{}).(int)
	if err := t.pacer.waitN(req.Context(), cost); err != nil {
		return nil, err
	}
	resp, err := t.base.RoundTrip(req)
	if resp != nil {
		t.pacer.observe(resp.Header)
	}
	return resp, err
}
