// Package ratelimit keeps the reference server's token buckets: one per budget (a user, or a client
// address for callers without a valid credential), bounded in memory, and the RateLimit-Policy and
// RateLimit header values that advertise them (draft-ietf-httpapi-ratelimit-headers), so that clients
// can pace themselves instead of meeting 429s.
package ratelimit

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// Config configures the token buckets. The zero value is the generous default.
type Config struct {
	Disabled  bool
	PerSecond float64 // sustained requests per second; 0: DefaultPerSecond
	Burst     int     // requests allowed at once; 0: DefaultBurst
}

// Defaults of Config: generous enough that no sane client meets them.
const (
	DefaultPerSecond = 50
	DefaultBurst     = 100
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

// Limiter keeps one token bucket per budget key. The caller passes the time, so that a test's frozen
// clock does not freeze the buckets: the server passes the wall clock.
type Limiter struct {
	disabled bool
	rate     float64
	burst    float64

	mu      sync.Mutex
	buckets map[string]*bucket
}

// New returns a limiter with cfg's rate and burst, or the defaults for those left at zero.
func New(cfg Config) *Limiter {
	l := &Limiter{disabled: cfg.Disabled, rate: cfg.PerSecond, burst: float64(cfg.Burst), buckets: map[string]*bucket{}}
	if l.rate <= 0 {
		l.rate = DefaultPerSecond
	}
	if l.burst <= 0 {
		l.burst = DefaultBurst
	}
	return l
}

// Disabled reports whether every request is let through without a bucket.
func (l *Limiter) Disabled() bool { return l.disabled }

// Rate is the sustained requests per second allowed per key.
func (l *Limiter) Rate() float64 { return l.rate }

// Burst is the requests allowed at once per key.
func (l *Limiter) Burst() float64 { return l.burst }

// State is a bucket after a request: whole requests left, and how long until it is full again.
type State struct {
	Remaining int
	UntilFull time.Duration
	Wait      time.Duration // until the next request is allowed; 0 when this one was
}

// Take takes a token from key's bucket, reporting whether there was one.
func (l *Limiter) Take(key string, now time.Time) (bool, State) {
	return l.TakeN(key, 1, now)
}

// TakeN takes n tokens from key's bucket at once, reporting whether there were n; a request that costs
// more than one (a bulk write) is allowed whole or not at all. An n above the burst is never allowed.
func (l *Limiter) TakeN(key string, n float64, now time.Time) (bool, State) {
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
	allowed := b.tokens >= n
	var wait time.Duration
	if allowed {
		b.tokens -= n
	} else {
		wait = time.Duration((n - b.tokens) / l.rate * float64(time.Second))
	}
	return allowed, State{
		Remaining: int(math.Floor(b.tokens)),
		UntilFull: time.Duration((l.burst - b.tokens) / l.rate * float64(time.Second)),
		Wait:      wait,
	}
}

// evict makes room: first every bucket that has refilled (forgetting it changes nothing), then, if
// that freed too little, a quarter of the rest, picked at random (map order). Forgetting a bucket
// gives its key a full one: lenient, and only reachable by someone holding tens of thousands of
// addresses or accounts.
func (l *Limiter) evict(now time.Time) {
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

// Size is the number of buckets held.
func (l *Limiter) Size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// PolicyHeader is the RateLimit-Policy value: a bucket of q requests that refills fully in w seconds.
// w is rounded up, so the advertised sustained rate q/w is never above the real one.
func (l *Limiter) PolicyHeader() string {
	w := math.Ceil(l.burst/l.rate - 1e-9)
	if w < 1 {
		w = 1
	}
	return fmt.Sprintf(`"default";q=%d;w=%d`, int(l.burst), int64(w))
}

// Header is the RateLimit value: whole requests left and whole seconds until the bucket is full.
func (st State) Header() string {
	return fmt.Sprintf(`"default";r=%d;t=%d`, max(st.Remaining, 0), int64(math.Ceil(st.UntilFull.Seconds()-1e-9)))
}

// ClientAddress is the budget of a caller without a valid credential: the peer address, an IPv6
// address by its /64 (one host usually holds the whole /64). It takes the TCP peer, not a forwarding
// header any client could set; behind a proxy, that proxy is one client.
func ClientAddress(r *http.Request) string {
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
