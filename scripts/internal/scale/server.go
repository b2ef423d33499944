package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server"
)

// apiServer is the reference server, in this process on a loopback port, behind a counter.
type apiServer struct {
	url   string
	srv   *server.Server
	hs    *http.Server
	count *counter
}

type seeder interface {
	Bootstrap(ctx context.Context, email, token string, seedEmails []string) error
}

// startServer serves the database at dbPath with the default rate limit and the given latency. seed,
// when not nil, runs before the first request is served.
func startServer(dbPath string, latency time.Duration, seed func(seeder) error) (*apiServer, error) {
	srv, err := server.New(server.Config{DBPath: dbPath, Faults: server.Faults{Latency: latency}})
	if err != nil {
		return nil, err
	}
	if seed != nil {
		if err := seed(srv); err != nil {
			srv.Close()
			return nil, fmt.Errorf("seed users: %w", err)
		}
	}
	ln, err := new(net.ListenConfig).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		return nil, err
	}
	s := &apiServer{url: "http://" + ln.Addr().String(), srv: srv, count: &counter{next: srv}}
	s.hs = &http.Server{Handler: s.count, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := s.hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			say("reference server: %v", err)
		}
	}()
	return s, nil
}

// stop stops serving, then closes the database; calling it again does nothing.
func (s *apiServer) stop() {
	if s == nil || s.hs == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.hs.Shutdown(ctx); err != nil {
		say("reference server shutdown: %v", err)
	}
	if err := s.srv.Close(); err != nil {
		say("reference server close: %v", err)
	}
	s.hs = nil
}

// counter counts the requests that reach the server and those it refused with 429: outside the
// server's own handler, so the rate limiter's refusals are counted too. It also keeps the rate limit
// the server advertises (RateLimit-Policy), which sets the least time an apply can take.
type counter struct {
	next              http.Handler
	requests, tooMany atomic.Int64
	policy            atomic.Pointer[string]
}

// rateFloor is the least time, in seconds, that the advertised limit allows the given number of requests
// of one credential: the bucket's q at once, then q every w seconds. 0 when no policy was seen.
func (c *counter) rateFloor(requests int64) float64 {
	p := c.policy.Load()
	if p == nil {
		return 0
	}
	q, w, ok := parsePolicy(*p)
	if !ok {
		return 0
	}
	return math.Round(max(0, float64(requests)-q)/(q/w)*100) / 100
}

// parsePolicy reads q and w of the first policy of a RateLimit-Policy field: `"default";q=100;w=2`.
func parsePolicy(v string) (q, w float64, ok bool) {
	item, _, _ := strings.Cut(v, ",")
	for param := range strings.SplitSeq(item, ";") {
		key, val, _ := strings.Cut(strings.TrimSpace(param), "=")
		n, err := strconv.ParseFloat(val, 64)
		if err != nil || n <= 0 {
			continue
		}
		switch key {
		case "q":
			q = n
		case "w":
			w = n
		}
	}
	return q, w, q > 0 && w > 0
}

func (c *counter) reset() {
	c.requests.Store(0)
	c.tooMany.Store(0)
}

func (c *counter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.requests.Add(1)
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	c.next.ServeHTTP(rec, r)
	if rec.status == http.StatusTooManyRequests {
		c.tooMany.Add(1)
	}
	if p := w.Header().Get(api.HeaderRateLimitPolicy); p != "" {
		c.policy.Store(&p)
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}
