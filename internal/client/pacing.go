package client

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

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
type pacer struct {
	now   func() time.Time
	sleep func(context.Context, time.Duration) error

	mu      sync.Mutex
	ceiling float64 // the user's max requests per second; 0 for none
	rate    float64 // requests per second; 0 while unlimited
	burst   float64
	tokens  float64 // may go below zero: each waiter reserves its token, then waits for it
	last    time.Time
	advised bool // the server's policy is known
	policyQ float64
	policyW float64
}

func newPacer(ceiling float64) *pacer {
	p := &pacer{now: time.Now, sleep: sleepContext, ceiling: ceiling}
	if ceiling > 0 {
		p.rate, p.burst = ceiling, math.Max(1, ceiling)
		p.tokens = p.burst
	}
	return p
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

// wait takes a token, waiting for one when there is none. It gives the token back if ctx ends first.
func (p *pacer) wait(ctx context.Context) error {
	p.mu.Lock()
	if p.rate == 0 {
		p.mu.Unlock()
		return nil
	}
	p.refillLocked()
	p.tokens--
	deficit := -p.tokens
	rate := p.rate
	p.mu.Unlock()
	if deficit <= 0 {
		return nil
	}
	if err := p.sleep(ctx, time.Duration(deficit/rate*float64(time.Second))); err != nil {
		p.mu.Lock()
		p.tokens++
		p.mu.Unlock()
		return err
	}
	return nil
}

func (p *pacer) refillLocked() {
	now := p.now()
	if !p.last.IsZero() && now.After(p.last) {
		p.tokens = math.Min(p.burst, p.tokens+now.Sub(p.last).Seconds()*p.rate)
	}
	p.last = now
}

func (p *pacer) setLimitLocked(rate, burst float64) {
	p.refillLocked()
	p.rate, p.burst = rate, burst
	p.tokens = math.Min(p.tokens, burst)
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
	if okPolicy {
		if !p.advised || q != p.policyQ || w != p.policyW {
			rate, burst := q/w, q
			if p.ceiling > 0 && p.ceiling < rate {
				rate, burst = p.ceiling, math.Max(1, math.Min(burst, p.ceiling))
			}
			if p.rate == 0 {
				p.tokens, p.last = burst, time.Time{}
			}
			p.setLimitLocked(rate, burst)
			p.advised, p.policyQ, p.policyW = true, q, w
		}
	}
	if okRemaining && p.rate > 0 {
		p.refillLocked()
		// Others may share the budget: never believe in more than the server has left.
		p.tokens = math.Min(p.tokens, remaining)
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

// pacedTransport makes every attempt, retries included, wait for the pacer, and lets the pacer read
// every response.
type pacedTransport struct {
	base  http.RoundTripper
	pacer *pacer
}

func (t pacedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.pacer.wait(req.Context()); err != nil {
		return nil, err
	}
	resp, err := t.base.RoundTrip(req)
	if resp != nil {
		t.pacer.observe(resp.Header)
	}
	return resp, err
}
