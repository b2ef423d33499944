package server

import (
	"errors"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// Faults injects the failures a client must survive. The zero value injects nothing. Fractions are
// probabilities in [0, 1]; with the same Seed the same sequence of requests meets the same faults.
type Faults struct {
	Fraction429, Fraction503 float64 // answered before doing anything (429 carries Retry-After)
	FractionCommitThen503    float64 // a write is committed, then answered 503 (response lost)
	Latency                  time.Duration
	Seed                     int64
}

func (f Faults) validate() error {
	for _, v := range []float64{f.Fraction429, f.Fraction503, f.FractionCommitThen503} {
		if v < 0 || v > 1 {
			return errors.New("server: fault fractions must be between 0 and 1")
		}
	}
	if f.Latency < 0 {
		return errors.New("server: fault latency must not be negative")
	}
	return nil
}

type faultInjector struct {
	cfg Faults
	mu  sync.Mutex
	rng *rand.Rand
}

func newFaultInjector(cfg Faults) *faultInjector {
	seed := uint64(cfg.Seed)
	return &faultInjector{cfg: cfg, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// draw reports whether an event of probability fraction happens. It draws only for a non-zero fraction,
// so turning one fault on does not reshuffle the others.
func (f *faultInjector) draw(fraction float64) bool {
	if fraction <= 0 {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rng.Float64() < fraction
}

func (f *faultInjector) commitThen503() bool { return f.draw(f.cfg.FractionCommitThen503) }

// injectFaults adds latency and answers a fraction of requests 429 or 503 before anything is done.
func (s *Server) injectFaults(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d := s.faults.cfg.Latency; d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		if s.faults.draw(s.faults.cfg.Fraction429) {
			w.Header().Set(api.HeaderRetryAfter, "1")
			writeProblem(w, newProblem(http.StatusTooManyRequests, api.ProblemRateLimited, "injected fault: too many requests; retry after 1 s"))
			return
		}
		if s.faults.draw(s.faults.cfg.Fraction503) {
			writeProblem(w, newProblem(http.StatusServiceUnavailable, api.ProblemUnavailable, "injected fault: service unavailable; retry"))
			return
		}
		next.ServeHTTP(w, r)
	})
}
