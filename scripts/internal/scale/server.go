package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"time"

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
// server's own handler, so the rate limiter's refusals are counted too.
type counter struct {
	next              http.Handler
	requests, tooMany atomic.Int64
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
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}
