package server

import (
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// RateLimit configures the per-credential token bucket. The zero value is the generous default.
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

// bucketIdleLimit is how long an untouched bucket is kept; a full bucket carries no information.
const bucketIdleLimit = 10 * time.Minute

type bucket struct {
	tokens float64
	last   time.Time
}

// rateLimiter keeps one token bucket per credential (per client address for requests without one).
// It uses the wall clock, not Config.Now: a test's frozen clock must not freeze the buckets.
type rateLimiter struct {
	disabled bool
	rate     float64
	burst    float64

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
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

// allow takes a token from key's bucket; when there is none it says how long until there is.
func (l *rateLimiter) allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) > bucketIdleLimit {
		for k, b := range l.buckets {
			if now.Sub(b.last) > bucketIdleLimit {
				delete(l.buckets, k)
			}
		}
		l.lastSweep = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

// rateLimit answers 429 with Retry-After (whole seconds, at least 1) once a credential's bucket is
// empty. The key is a hash of the presented credential, so a flood of bad tokens is limited as well.
func (s *Server) rateLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.limiter.disabled {
			next.ServeHTTP(w, r)
			return
		}
		var key string
		if token, present, _ := bearerToken(r); present {
			key = "credential:" + hashSecret(token)
		} else {
			host, _, err := net.SplitHostPort(r.RemoteAddr)
			if err != nil {
				host = r.RemoteAddr
			}
			key = "address:" + host
		}
		ok, wait := s.limiter.allow(key, time.Now())
		if !ok {
			seconds := int(math.Ceil(wait.Seconds()))
			if seconds < 1 {
				seconds = 1
			}
			w.Header().Set(api.HeaderRetryAfter, strconv.Itoa(seconds))
			writeProblem(w, newProblem(http.StatusTooManyRequests, api.ProblemRateLimited,
				"rate limit of %g requests per second (burst %g) exceeded; retry after %d s", s.limiter.rate, s.limiter.burst, seconds))
			return
		}
		next.ServeHTTP(w, r)
	})
}
