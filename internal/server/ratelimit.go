package server

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// RateLimit configures the token buckets. The zero value is the generous default.
type RateLimit struct {
	Disabled  bool
	PerSecond float64 // sustained requests per second; 0: DefaultRatePerSecond
	Burst     int     // requests allowed at once; 0: DefaultRateBurst
}

// Defaults of RateLimit: generous enough that no sane client meets them.
const (
	DefaultRatePerSecond = 50
	DefaultRateBurst     = 100
)

// maxBuckets bounds the limiter's memory. Buckets are keyed by user and by client address, never by
// what a client presents, so a flood of made-up tokens adds nothing; addresses are many only for
// someone holding many of them, and past the bound the limiter forgets the buckets that carry no
// information (full ones) and then the least recently used.
const maxBuckets = 1 << 16

type bucket struct {
	tokens float64
	last   time.Time
}

// rateLimiter keeps one token bucket per budget: a user (every credential of the user, personal
// tokens and the organization tokens they created, draws from it) or a client address (requests
// without a credential, and requests whose credential failed). It uses the wall clock, not
// Config.Now: a test's frozen clock must not freeze the buckets.
type rateLimiter struct {
	disabled bool
	rate     float64
	burst    float64

	mu      sync.Mutex
	buckets map[string]*bucket
}

func newRateLimiter(cfg RateLimit) *rateLimiter {
	l := &rateLimiter{disabled: cfg.Disabled, rate: cfg.PerSecond, burst: float64(cfg.Burst), buckets: map[string]*bucket{}}
	if l.rate <= 0 {
		l.rate = DefaultRatePerSecond
	}
	if l.burst <= 0 {
		l.burst = DefaultRateBurst
	}
	return l
}

// limitState is a bucket after a request: whole requests left, and how long until it is full again.
type limitState struct {
	remaining int
	untilFull time.Duration
	wait      time.Duration // until the next request is allowed; 0 when this one was
}

// take takes a token from key's bucket, reporting whether there was one.
func (l *rateLimiter) take(key string, now time.Time) (bool, limitState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= maxBuckets {
			l.evict(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	allowed := b.tokens >= 1
	var wait time.Duration
	if allowed {
		b.tokens--
	} else {
		wait = time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	}
	return allowed, limitState{
		remaining: int(math.Floor(b.tokens)),
		untilFull: time.Duration((l.burst - b.tokens) / l.rate * float64(time.Second)),
		wait:      wait,
	}
}

// evict makes room: first every bucket that has refilled (forgetting it changes nothing), then, if
// that freed too little, a quarter of the rest, picked at random (map order). Forgetting a bucket
// gives its key a full one: lenient, and only reachable by someone holding tens of thousands of
// addresses or accounts.
func (l *rateLimiter) evict(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
	for k := range l.buckets {
		if len(l.buckets) <= maxBuckets*3/4 {
			return
		}
		delete(l.buckets, k)
	}
}

func (l *rateLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// policyHeader is the RateLimit-Policy value: a bucket of q requests that refills fully in w seconds.
// w is rounded up, so the advertised sustained rate q/w is never above the real one.
func (l *rateLimiter) policyHeader() string {
	w := math.Ceil(l.burst/l.rate - 1e-9)
	if w < 1 {
		w = 1
	}
	return fmt.Sprintf(`"default";q=%d;w=%d`, int(l.burst), int64(w))
}

// stateHeader is the RateLimit value: whole requests left and whole seconds until the bucket is full.
func stateHeader(st limitState) string {
	return fmt.Sprintf(`"default";r=%d;t=%d`, max(st.remaining, 0), int64(math.Ceil(st.untilFull.Seconds()-1e-9)))
}

// clientAddress is the budget of a caller without a valid credential: the peer address, an IPv6
// address by its /64 (one host usually holds the whole /64). The server takes the TCP peer, not a
// forwarding header any client could set; behind a proxy, that proxy is one client.
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return "address:" + host
	}
	addr = addr.Unmap()
	if addr.Is6() {
		if p, err := addr.Prefix(64); err == nil {
			return "address:" + p.String()
		}
	}
	return "address:" + addr.String()
}

// limit takes a request from the budget of key, setting the RateLimit fields; it answers 429 (with
// Retry-After) and returns false when the budget is spent.
func (s *Server) limit(w http.ResponseWriter, key string) bool {
	if s.limiter.disabled {
		return true
	}
	ok, st := s.limiter.take(key, time.Now())
	h := w.Header()
	h.Set(api.HeaderRateLimitPolicy, s.limiter.policyHeader())
	h.Set(api.HeaderRateLimit, stateHeader(st))
	if ok {
		return true
	}
	seconds := max(int(math.Ceil(st.wait.Seconds())), 1)
	h.Set(api.HeaderRetryAfter, strconv.Itoa(seconds))
	writeProblem(w, newProblem(http.StatusTooManyRequests, api.ProblemRateLimited,
		"rate limit of %g requests per second (burst %g) exceeded; retry after %d s", s.limiter.rate, s.limiter.burst, seconds))
	return false
}
