package client

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

func TestParseRateLimitFields(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][3]float64{ // q, w, ok
		`"default";q=100;w=2`:          {100, 2, 1},
		`"default";w=2;q=100, "b";q=1`: {100, 2, 1},
		`"default";q=50`:               {50, 1, 1},
		`"default";q=0;w=2`:            {0, 0, 0},
		`"default";q=-4;w=2`:           {0, 0, 0},
		`"default";q=x;w=2`:            {0, 0, 0},
		`"default"`:                    {0, 0, 0},
		``:                             {0, 0, 0},
	} {
		q, w, ok := parseRateLimitPolicy(in)
		if ok != (want[2] == 1) || (ok && (q != want[0] || w != want[1])) {
			t.Errorf("parseRateLimitPolicy(%q) = %v, %v, %v; want %v", in, q, w, ok, want)
		}
	}
	for in, want := range map[string]float64{`"default";r=37;t=1`: 37, `"default";t=1;r=0`: 0} {
		if r, ok := parseRateLimitRemaining(in); !ok || r != want {
			t.Errorf("parseRateLimitRemaining(%q) = %v, %v; want %v", in, r, ok, want)
		}
	}
	for _, in := range []string{`"default";r=-1`, `"default";t=1`, ``, `"default";r=1.5`} {
		if r, ok := parseRateLimitRemaining(in); ok {
			t.Errorf("parseRateLimitRemaining(%q) = %v, want not ok", in, r)
		}
	}
}

// fakeClock drives a pacer without real waiting: sleeping advances the clock.
type fakeClock struct {
	mu    sync.Mutex
	t     time.Time
	slept []time.Duration
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) sleep(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.slept = append(c.slept, d)
	return nil
}

func newTestPacer(ceiling float64) (*pacer, *fakeClock) {
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	p := newPacer(ceiling)
	p.now, p.sleep = clock.now, clock.sleep
	return p, clock
}

func policyHeader(policy, remaining string) http.Header {
	h := http.Header{}
	if policy != "" {
		h.Set(api.HeaderRateLimitPolicy, policy)
	}
	if remaining != "" {
		h.Set(api.HeaderRateLimit, remaining)
	}
	return h
}

func TestPacerLearnsThePolicyAndWaitsItsShare(t *testing.T) {
	t.Parallel()
	p, clock := newTestPacer(0)
	ctx := t.Context()
	// Unlimited until the server says otherwise.
	for range 500 {
		if err := p.wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if len(clock.slept) != 0 {
		t.Fatalf("an unadvised pacer waited: %v", clock.slept)
	}
	p.observe(policyHeader(`"default";q=100;w=2`, `"default";r=3;t=2`))
	// 3 tokens left: three go at once, then one every 1/50 s, each reserving the next slot.
	for range 5 {
		if err := p.wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	want := []time.Duration{20 * time.Millisecond, 40 * time.Millisecond}
	if fmt.Sprint(clock.slept) != fmt.Sprint(want) {
		t.Errorf("waits = %v, want %v (50 requests per second after the 3 left)", clock.slept, want)
	}
}

// TestPacerRefillsAtItsRate: an empty bucket of 10 requests per second holds 5 again after half a
// second, and the sixth request then waits its tenth of a second.
func TestPacerRefillsAtItsRate(t *testing.T) {
	t.Parallel()
	p, clock := newTestPacer(0)
	p.observe(policyHeader(`"default";q=10;w=1`, `"default";r=0;t=1`))
	clock.mu.Lock()
	clock.t = clock.t.Add(500 * time.Millisecond)
	clock.mu.Unlock()
	for range 6 {
		if err := p.wait(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if want := []time.Duration{100 * time.Millisecond}; !slices.Equal(clock.slept, want) {
		t.Errorf("waits = %v, want %v (5 tokens refilled in 0.5 s at 10/s)", clock.slept, want)
	}
}

// TestPacerWaitsForABulkRequestsCost: a bulk request waits for as many tokens as the server charges it
// (api.BulkRequestCost), and one that costs more than the whole bucket waits for a full bucket, never
// forever.
func TestPacerWaitsForABulkRequestsCost(t *testing.T) {
	t.Parallel()
	p, clock := newTestPacer(0)
	p.observe(policyHeader(`"default";q=10;w=1`, `"default";r=2;t=1`))
	// 2 left: a bulk of 101 items (cost 3) waits for the 1 it lacks, at 10 per second.
	if err := p.waitN(t.Context(), api.BulkRequestCost(101)); err != nil {
		t.Fatal(err)
	}
	// A bulk of 1,000 items (cost 20) is more than the bucket of 10 holds: it waits for a full one, after
	// the 1 the first one reserved (the fake clock does not move while they sleep).
	if err := p.waitN(t.Context(), api.BulkRequestCost(api.MaxBulkItems)); err != nil {
		t.Fatal(err)
	}
	if want := []time.Duration{100 * time.Millisecond, 1100 * time.Millisecond}; !slices.Equal(clock.slept, want) {
		t.Errorf("waits = %v, want %v", clock.slept, want)
	}
}

// TestPacerFollowsAChangedPolicy: a server that changes its policy (here its quota, in the same window)
// is followed, not only the first policy seen.
func TestPacerFollowsAChangedPolicy(t *testing.T) {
	t.Parallel()
	p, _ := newTestPacer(0)
	p.observe(policyHeader(`"default";q=100;w=1`, ""))
	p.observe(policyHeader(`"default";q=10;w=1`, ""))
	if p.limiter.Limit() != 10 || p.limiter.Burst() != 10 {
		t.Errorf("after the policy changed to 10/s: rate %v burst %v, want 10, 10", p.limiter.Limit(), p.limiter.Burst())
	}
	p.observe(policyHeader(`"default";q=10;w=2`, ""))
	if p.limiter.Limit() != 5 || p.limiter.Burst() != 10 {
		t.Errorf("after the window changed to 2 s: rate %v burst %v, want 5, 10", p.limiter.Limit(), p.limiter.Burst())
	}
}

func TestPacerCeiling(t *testing.T) {
	t.Parallel()
	p, clock := newTestPacer(5)
	for range 7 {
		if err := p.wait(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	want := []time.Duration{200 * time.Millisecond, 400 * time.Millisecond}
	if fmt.Sprint(clock.slept) != fmt.Sprint(want) {
		t.Errorf("waits under a ceiling of 5/s = %v, want %v", clock.slept, want)
	}
	// A server allowing more does not lift the user's ceiling.
	p.observe(policyHeader(`"default";q=1000;w=1`, ""))
	if p.limiter.Limit() != 5 || p.limiter.Burst() != 5 {
		t.Errorf("after a generous policy: rate %v burst %v, want the ceiling 5, 5", p.limiter.Limit(), p.limiter.Burst())
	}
	// A server allowing less wins.
	p.observe(policyHeader(`"default";q=2;w=1`, ""))
	if p.limiter.Limit() != 2 || p.limiter.Burst() != 2 {
		t.Errorf("after a strict policy: rate %v burst %v, want 2, 2", p.limiter.Limit(), p.limiter.Burst())
	}
}

// TestPacerCeilingEqualToTheServersRateKeepsItsBurst: a ceiling that equals the server's rate does not
// restrict anything, so the server's burst stays.
func TestPacerCeilingEqualToTheServersRateKeepsItsBurst(t *testing.T) {
	t.Parallel()
	p, _ := newTestPacer(10)
	p.observe(policyHeader(`"default";q=20;w=2`, ""))
	if p.limiter.Limit() != 10 || p.limiter.Burst() != 20 {
		t.Errorf("rate %v burst %v, want the server's 10/s with its burst of 20", p.limiter.Limit(), p.limiter.Burst())
	}
}

func TestPacerGivesBackTheTokenOfACanceledWait(t *testing.T) {
	t.Parallel()
	p := newPacer(1)
	ctx, cancel := context.WithCancel(t.Context())
	if err := p.wait(ctx); err != nil { // the one token of the burst
		t.Fatal(err)
	}
	cancel()
	if err := p.wait(ctx); err == nil {
		t.Fatal("a wait with an ended context returned no error")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.limiter.Tokens() < -0.5 {
		t.Errorf("tokens = %v after a canceled wait, want the reservation returned", p.limiter.Tokens())
	}
}

// TestPacingKeepsUnderTheServersLimit: 10 callers at once (the CLI's parallelism) send 300 requests to a
// server that allows 100 per second with a burst of 100 and says so in its RateLimit fields. Paced,
// fewer than 5% of the answers are 429 and every call succeeds.
func TestPacingKeepsUnderTheServersLimit(t *testing.T) {
	t.Parallel()
	const q, total = 100, 300
	var (
		mu       sync.Mutex
		tokens   = float64(q)
		last     = time.Now()
		limited  atomic.Int64
		accepted atomic.Int64
	)
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		now := time.Now()
		tokens = math.Min(q, tokens+now.Sub(last).Seconds()*q)
		last = now
		ok := tokens >= 1
		if ok {
			tokens--
		}
		remaining := int(tokens)
		mu.Unlock()
		w.Header().Set(api.HeaderRateLimitPolicy, fmt.Sprintf(`"default";q=%d;w=1`, q))
		w.Header().Set(api.HeaderRateLimit, fmt.Sprintf(`"default";r=%d;t=1`, remaining))
		if !ok {
			limited.Add(1)
			w.Header().Set("Retry-After", "1")
			writeProblem(w, http.StatusTooManyRequests, "", "slow down")
			return
		}
		accepted.Add(1)
		writeJSON(w, http.StatusOK, map[string]string{"id": "org_1"})
	}, func(cfg *Config) { cfg.MaxRetries = 5 })

	start := time.Now()
	sem := make(chan struct{}, 10)
	var wg sync.WaitGroup
	for range total {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if _, err := c.GetOrganization(t.Context(), "org_1"); err != nil {
				t.Errorf("GetOrganization: %v", err)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if n := limited.Load(); float64(n) >= 0.05*total {
		t.Errorf("%d of %d responses were 429, want fewer than 5%%", n, accepted.Load()+n)
	}
	// The server's bucket allows no faster: finishing sooner would mean the counts above are wrong.
	if minimum := time.Duration(float64(total-q) / q * float64(time.Second)); elapsed < minimum*9/10 {
		t.Errorf("%d requests took %s, less than the server's limit allows (%s)", total, elapsed, minimum)
	}
}
