package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// statusDrop stands for "the server closed the connection without answering".
const statusDrop = -1

// TestRetryContract pins down, for each kind of request and each answer, how many attempts the client
// makes and what it returns.
func TestRetryContract(t *testing.T) {
	t.Parallel()
	const maxRetries = 3

	methods := []struct {
		name       string
		req        request
		idempotent bool
	}{
		{"GET", request{method: http.MethodGet, route: api.PathOrganization, params: []string{"o1"}}, true},
		{"DELETE", request{method: http.MethodDelete, route: api.PathOrganization, params: []string{"o1"}}, true},
		{"POST with key", request{method: http.MethodPost, route: api.PathOrganizations, body: map[string]string{"name": "a"}, idempotencyKey: "key-1"}, true},
		{"POST without key", request{method: http.MethodPost, route: api.PathOrganizations, body: map[string]string{"name": "a"}}, false},
		{"PATCH with key", request{method: http.MethodPatch, route: api.PathOrganization, params: []string{"o1"}, body: map[string]string{"name": "b"}, idempotencyKey: "key-2"}, true},
		{"PATCH without key", request{method: http.MethodPatch, route: api.PathOrganization, params: []string{"o1"}, body: map[string]string{"name": "b"}}, false},
	}
	// Written out rather than derived from the code under test.
	transient := map[int]bool{429: true, 500: true, 502: true, 503: true, 504: true, statusDrop: true}
	statuses := []int{200, 400, 401, 403, 404, 409, 412, 422, 429, 500, 501, 502, 503, 504, statusDrop}

	for _, m := range methods {
		for _, status := range statuses {
			name := fmt.Sprintf("%s/%d", m.name, status)
			if status == statusDrop {
				name = m.name + "/dropped connection"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				var n atomic.Int32
				c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
					n.Add(1)
					switch status {
					case statusDrop:
						dropConnection(t, w)
					case 200:
						writeJSON(w, 200, map[string]string{"id": "o1"})
					default:
						if status == 429 {
							w.Header().Set(api.HeaderRetryAfter, "0")
						}
						writeProblem(w, status, "urn:orgs:problem:test", fmt.Sprintf("server says %d", status))
					}
				}, func(cfg *Config) { cfg.MaxRetries = maxRetries })

				var out map[string]string
				err := c.do(context.Background(), m.req, &out)

				wantAttempts := int32(1)
				if transient[status] && m.idempotent {
					wantAttempts = maxRetries + 1
				}
				if got := n.Load(); got != wantAttempts {
					t.Errorf("attempts = %d, want %d", got, wantAttempts)
				}

				switch status {
				case 200:
					if err != nil || out["id"] != "o1" {
						t.Fatalf("err = %v, out = %v; want success", err, out)
					}
				case statusDrop:
					var apiErr *Error
					if err == nil || errors.As(err, &apiErr) {
						t.Fatalf("err = %#v, want a transport error", err)
					}
					if !strings.Contains(err.Error(), m.req.method) {
						t.Errorf("error %q does not say what was attempted", err)
					}
				default:
					var apiErr *Error
					if !errors.As(err, &apiErr) {
						t.Fatalf("err = %v (%T), want *Error", err, err)
					}
					if apiErr.StatusCode != status || apiErr.Attempts != int(wantAttempts) {
						t.Errorf("status %d after %d attempts, want %d after %d", apiErr.StatusCode, apiErr.Attempts, status, wantAttempts)
					}
					if want := fmt.Sprintf("server says %d", status); !strings.HasPrefix(err.Error(), want) {
						t.Errorf("error %q does not start with the server's detail %q", err, want)
					}
				}
			})
		}
	}
}

// TestRetryableStatus: rate limiting and the whole 5xx class are worth another attempt, except 501 (the
// server will never do it); nothing else is.
func TestRetryableStatus(t *testing.T) {
	t.Parallel()
	for status, want := range map[int]bool{
		200: false, 299: false, 400: false, 409: false, 428: false, 429: true, 430: false, 499: false,
		500: true, 501: false, 502: true, 503: true, 504: true, 599: true, 600: false,
	} {
		if got := retryableStatus(status); got != want {
			t.Errorf("retryableStatus(%d) = %v, want %v", status, got, want)
		}
	}
}

func TestBackoffHonorsRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	p := backoffPolicy{min: 10 * time.Millisecond, max: time.Minute, now: func() time.Time { return now }}
	httpDate := func(t time.Time) string { return t.UTC().Format(http.TimeFormat) }

	tests := []struct {
		name          string
		header        http.Header
		wantMin, want time.Duration // want is the wait with no jitter; jitter adds at most 10%
	}{
		{"seconds", http.Header{"Retry-After": {"2"}}, 2 * time.Second, 2 * time.Second},
		{"seconds clamped", http.Header{"Retry-After": {"3600"}}, time.Minute, time.Minute},
		{"huge seconds clamped", http.Header{"Retry-After": {"99999999999999999"}}, time.Minute, time.Minute},
		{"zero seconds waits the minimum", http.Header{"Retry-After": {"0"}}, 10 * time.Millisecond, 10 * time.Millisecond},
		{"date", http.Header{"Retry-After": {httpDate(now.Add(5 * time.Second))}}, 5 * time.Second, 5 * time.Second},
		{"date clamped", http.Header{"Retry-After": {httpDate(now.Add(time.Hour))}}, time.Minute, time.Minute},
		{"date in the past", http.Header{"Retry-After": {httpDate(now.Add(-time.Hour))}}, 10 * time.Millisecond, 10 * time.Millisecond},
		{
			// The server's clock says 7s from its Date; the local clock is 100s ahead of the server.
			"date measured from the Date header",
			http.Header{"Retry-After": {httpDate(now.Add(-93 * time.Second))}, "Date": {httpDate(now.Add(-100 * time.Second))}},
			7 * time.Second, 7 * time.Second,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, r := range []float64{0, 0.5, 0.999} {
				p := p
				p.random = func() float64 { return r }
				got := p.wait(0, &http.Response{StatusCode: 429, Header: tt.header})
				upper := min(tt.want+tt.want/10, p.max)
				if got < tt.wantMin || got > upper {
					t.Errorf("random %v: wait = %v, want in [%v, %v]", r, got, tt.wantMin, upper)
				}
			}
		})
	}
}

func TestBackoffExponentialWithJitter(t *testing.T) {
	t.Parallel()
	const minWait, maxWait = 100 * time.Millisecond, 5 * time.Second
	p := backoffPolicy{min: minWait, max: maxWait, now: time.Now}
	at := func(attempt int, r float64) time.Duration {
		p := p
		p.random = func() float64 { return r }
		return p.wait(attempt, nil)
	}
	for _, bad := range []string{"soon", "-5", ""} {
		if got := (&backoffPolicy{min: minWait, max: maxWait, now: time.Now, random: func() float64 { return 0 }}).
			wait(0, &http.Response{Header: http.Header{"Retry-After": {bad}}}); got != minWait {
			t.Errorf("Retry-After %q: wait = %v, want the exponential backoff's %v", bad, got, minWait)
		}
	}
	if got, want := at(0, 0), minWait; got != want {
		t.Errorf("first wait with no jitter = %v, want %v", got, want)
	}
	if got := at(0, 0.999); got <= minWait || got > 2*minWait {
		t.Errorf("first wait with jitter = %v, want in (%v, %v]", got, minWait, 2*minWait)
	}
	if low, high := at(3, 0), at(3, 0.999); low != 800*time.Millisecond || high <= low || high > 1600*time.Millisecond {
		t.Errorf("fourth wait spans [%v, %v], want [800ms, 1.6s]", low, high)
	}
	prev := time.Duration(0)
	for attempt := 0; attempt < 100; attempt++ {
		low, high := at(attempt, 0), at(attempt, 0.999)
		if low < minWait || high > maxWait {
			t.Fatalf("attempt %d: wait in [%v, %v], outside [%v, %v]", attempt, low, high, minWait, maxWait)
		}
		if low < prev {
			t.Fatalf("attempt %d: wait %v shorter than the previous attempt's %v", attempt, low, prev)
		}
		prev = low
	}
	if got := at(100, 0); got != maxWait/2 {
		t.Errorf("capped wait with no jitter = %v, want %v (jitter keeps working at the cap)", got, maxWait/2)
	}
}

// TestRetryAfterJitterIsUpToATenth: the jitter added to a server's Retry-After is the random fraction of
// a tenth of the wait, so parallel callers told the same moment spread over that tenth.
func TestRetryAfterJitterIsUpToATenth(t *testing.T) {
	t.Parallel()
	for r, want := range map[float64]time.Duration{0: 2 * time.Second, 0.5: 2100 * time.Millisecond, 0.9: 2180 * time.Millisecond} {
		p := backoffPolicy{min: time.Millisecond, max: time.Minute, now: time.Now, random: func() float64 { return r }}
		if got := p.wait(0, &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"2"}}}); got != want {
			t.Errorf("random %v: wait %v, want %v", r, got, want)
		}
	}
}

// TestRetryAfterEndToEnd checks that the transport really waits what the server asked for, up to
// RetryWaitMax, in both forms of Retry-After.
func TestRetryAfterEndToEnd(t *testing.T) {
	t.Parallel()
	const waitMax = 60 * time.Millisecond
	for name, value := range map[string]func() string{
		"seconds": func() string { return "3600" },
		"date":    func() string { return time.Now().Add(time.Hour).UTC().Format(http.TimeFormat) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var n atomic.Int32
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) == 1 {
					w.Header().Set(api.HeaderRetryAfter, value())
					writeProblem(w, 429, api.ProblemRateLimited, "slow down")
					return
				}
				writeJSON(w, 200, api.Organization{ID: "o1"})
			}, func(cfg *Config) { cfg.RetryWaitMax = waitMax })

			logs := newLogCapture()
			start := time.Now()
			if _, err := c.GetOrganization(logs.ctx, "o1"); err != nil {
				t.Fatalf("GetOrganization: %v", err)
			}
			if elapsed := time.Since(start); elapsed < waitMax {
				t.Errorf("returned after %v, before the %v the server asked for (clamped)", elapsed, waitMax)
			}
			var waits []float64
			for _, e := range logs.entries(t) {
				if e["@message"] == "retrying orgs API request" {
					wait, _ := e["wait_ms"].(float64)
					waits = append(waits, wait)
				}
			}
			if len(waits) != 1 || waits[0] != float64(waitMax.Milliseconds()) {
				t.Errorf("logged waits %v ms, want one of %d ms", waits, waitMax.Milliseconds())
			}
		})
	}
}

func TestContextEndsDuringWait(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		want error
	}{{"canceled", context.Canceled}, {"deadline", context.DeadlineExceeded}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var n atomic.Int32
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				n.Add(1)
				w.Header().Set(api.HeaderRetryAfter, "3600")
				writeProblem(w, 503, api.ProblemUnavailable, "maintenance")
			}, func(cfg *Config) { cfg.RetryWaitMax = time.Hour })

			var ctx context.Context
			var cancel context.CancelFunc
			// Cancel once the client logs that it is about to wait, so the cancellation hits the wait.
			waiting := &signalWriter{match: "retrying orgs API request", seen: make(chan struct{})}
			base := tflogtest.RootLogger(context.Background(), waiting)
			if errors.Is(tt.want, context.Canceled) {
				ctx, cancel = context.WithCancel(base)
				go func() {
					<-waiting.seen
					cancel()
				}()
			} else {
				// Long enough for the first answer even on a loaded machine; the hour-long wait after it
				// is what the deadline must cut short.
				ctx, cancel = context.WithTimeout(base, 2*time.Second)
			}
			defer cancel()

			start := time.Now()
			_, err := c.GetOrganization(ctx, "o1")
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if elapsed := time.Since(start); elapsed > 10*time.Second {
				t.Errorf("returned after %v; the hour-long wait was not cut short", elapsed)
			}
			if got := n.Load(); got != 1 {
				t.Errorf("attempts = %d, want 1", got)
			}
			if !strings.Contains(err.Error(), "maintenance") {
				t.Errorf("error %q drops the server's last word", err)
			}
		})
	}
}

// TestContextEndingDuringAnAttemptIsReportedWithItsCause: a call whose context ends while an attempt
// hangs on the server fails with the context's error, and with its cause when it was given one (the
// provider's resource timeouts are), so the caller can tell which deadline ended it.
func TestContextEndingDuringAnAttemptIsReportedWithItsCause(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		select { // hang until the client gives up
		case <-r.Context().Done():
		case <-time.After(30 * time.Second):
		}
	})
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if _, err := c.GetOrganization(ctx, "o1"); !errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "%!") {
		t.Errorf("err = %v, want the context's deadline", err)
	}

	timeout := errors.New("the create timeout of orgs_member.x (20m) ended")
	ctx, cancel = context.WithTimeoutCause(t.Context(), 100*time.Millisecond, timeout)
	defer cancel()
	if _, err := c.GetOrganization(ctx, "o1"); !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, timeout) {
		t.Errorf("err = %v, want the context's deadline and its cause", err)
	}
}

func TestDroppedConnectionRetried(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= 2 {
			dropConnection(t, w)
			return
		}
		writeJSON(w, 200, api.Organization{ID: "o1", Name: "acme"})
	})
	org, err := c.GetOrganization(context.Background(), "o1")
	if err != nil {
		t.Fatalf("GetOrganization: %v", err)
	}
	if org.Name != "acme" || n.Load() != 3 {
		t.Errorf("got %+v after %d attempts, want acme after 3", org, n.Load())
	}
}

// TestCreateAfterLostResponseMakesOneObject plays a server that commits a create and then loses the
// answer (dropped connection, or 503 after commit), keyed by Idempotency-Key as the API promises.
func TestCreateAfterLostResponseMakesOneObject(t *testing.T) {
	t.Parallel()
	for _, lose := range []string{"dropped connection", "503 after commit"} {
		t.Run(lose, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{}
			objects := map[string]api.Organization{} // by idempotency key; guarded by the recorder's sequence
			var created atomic.Int32
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				attempt := rec.add(r)
				key := r.Header.Get(api.HeaderIdempotencyKey)
				rec.mu.Lock()
				org, ok := objects[key]
				if !ok {
					org = api.Organization{ID: fmt.Sprintf("org-%d", created.Add(1)), Name: "acme"}
					objects[key] = org
				}
				rec.mu.Unlock()
				if attempt <= 2 {
					if lose == "dropped connection" {
						dropConnection(t, w)
					} else {
						writeProblem(w, 503, api.ProblemUnavailable, "committed, then lost")
					}
					return
				}
				writeJSON(w, 201, org)
			})

			org, err := c.CreateOrganization(context.Background(), api.OrganizationCreate{Name: "acme", AdminContactEmails: []string{"a@example.com"}})
			if err != nil {
				t.Fatalf("CreateOrganization: %v", err)
			}
			reqs := rec.all()
			keys := map[string]bool{}
			for _, r := range reqs {
				keys[r.header.Get(api.HeaderIdempotencyKey)] = true
			}
			if len(reqs) != 3 || len(keys) != 1 || keys[""] {
				t.Fatalf("%d attempts with keys %v, want 3 attempts sharing one key", len(reqs), keys)
			}
			if org.ID != "org-1" || created.Load() != 1 {
				t.Errorf("got %s with %d objects on the server, want org-1 and exactly one", org.ID, created.Load())
			}

			// A second logical create is a new object: it must not reuse the first key.
			if _, err := c.CreateOrganization(context.Background(), api.OrganizationCreate{Name: "acme2"}); err != nil {
				t.Fatalf("second CreateOrganization: %v", err)
			}
			reqs = rec.all()
			if last := reqs[len(reqs)-1].header.Get(api.HeaderIdempotencyKey); keys[last] || last == "" {
				t.Errorf("second create reused key %q", last)
			}
		})
	}
}

func TestGivingUpReturnsServerProblem(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		writeProblem(w, 503, api.ProblemUnavailable, "maintenance")
	}, func(cfg *Config) { cfg.MaxRetries = 2 })

	_, err := c.CreateLabel(context.Background(), "o1", api.LabelCreate{Key: "team", Value: "core"})
	if err == nil {
		t.Fatal("CreateLabel succeeded against a server in maintenance")
	}
	if !strings.Contains(err.Error(), "maintenance") || strings.Contains(err.Error(), "giving up") {
		t.Errorf("error %q: want the server's detail, not go-retryablehttp's", err)
	}
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || apiErr.Attempts != 3 || n.Load() != 3 {
		t.Fatalf("err = %#v after %d requests, want *Error 503 after 3 attempts", err, n.Load())
	}
	if ProblemType(err) != api.ProblemUnavailable || apiErr.Method != http.MethodPost || apiErr.Path != "/api/v1/orgs/o1/labels" {
		t.Errorf("type %q, %s %s", ProblemType(err), apiErr.Method, apiErr.Path)
	}
	if IsNotFound(err) || IsConflict(err) || IsInvalid(err) {
		t.Error("a 503 matched a client-error predicate")
	}
}

func TestTransportErrorAfterRetriesSaysWhatWasAttempted(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { dropConnection(t, w) },
		func(cfg *Config) { cfg.MaxRetries = 1 })
	err := c.DeleteLabel(context.Background(), "o1", "team")
	if err == nil {
		t.Fatal("DeleteLabel succeeded")
	}
	for _, want := range []string{"DELETE", "/api/v1/orgs/o1/labels/team", "2 attempts"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestRequestTimeoutIsPerAttempt(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			select { // hang until the client gives up on this attempt
			case <-r.Context().Done():
			case <-time.After(30 * time.Second):
			}
			return
		}
		writeJSON(w, 200, api.Usage{OrganizationID: "o1"})
	}, func(cfg *Config) { cfg.RequestTimeout = 200 * time.Millisecond })

	usage, err := c.GetUsage(context.Background(), "o1")
	if err != nil {
		t.Fatalf("GetUsage: %v", err)
	}
	if usage.OrganizationID != "o1" || n.Load() != 2 {
		t.Errorf("got %+v after %d attempts, want o1 after 2", usage, n.Load())
	}
}

func TestConnectionRefusedRetriedEvenWithoutKey(t *testing.T) {
	t.Parallel()
	// A refused connection means nothing was sent, so even a POST without a key may be retried.
	l, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	// Refused connections get a short chance (a restarting server), not the whole retry budget (an
	// endpoint with the wrong port never answers).
	c, err := New(Config{Endpoint: "http://" + addr, MaxRetries: 10, RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	err = c.do(context.Background(), request{method: http.MethodPost, route: api.PathOrganizations, body: map[string]string{}}, nil)
	want := 1 + maxRefusedRetries
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%d attempts", want)) {
		t.Fatalf("err = %v, want a failure after %d attempts", err, want)
	}
	var connErr *ConnectionError
	if !errors.As(err, &connErr) || !strings.Contains(connErr.URL, addr) {
		t.Errorf("err = %#v, want a *ConnectionError naming %s", err, addr)
	}
}

// A TLS endpoint that speaks plain HTTP can never succeed: one attempt, an error that says so.
func TestTLSToPlainHTTPFailsFast(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { n.Add(1) }))
	t.Cleanup(srv.Close)
	c, err := New(Config{Endpoint: strings.Replace(srv.URL, "http://", "https://", 1), MaxRetries: 5, RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetOrganization(t.Context(), "o1")
	var connErr *ConnectionError
	if !errors.As(err, &connErr) || connErr.Attempts != 1 {
		t.Fatalf("err = %v, want a *ConnectionError after one attempt", err)
	}
}

// A 409 saying that the first attempt of this same request is still running is the one conflict that
// clears by itself: the create is retried (and then replayed by the server), not reported as failed
// while the object it made goes unrecorded. Any other 409 stays final.
func TestIdempotencyInProgressIsRetried(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		problemType  string
		wantAttempts int32
		wantErr      bool
	}{
		{api.ProblemIdempotencyBusy, 2, false},
		{api.ProblemConflict, 1, true},
	} {
		t.Run(tc.problemType, func(t *testing.T) {
			t.Parallel()
			var n atomic.Int32
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) == 1 {
					w.Header().Set(api.HeaderRetryAfter, "0")
					writeProblem(w, http.StatusConflict, tc.problemType, "still running")
					return
				}
				writeJSON(w, http.StatusCreated, map[string]string{"id": "org_1"})
			}, func(cfg *Config) { cfg.MaxRetries = 3 })
			_, err := c.CreateOrganization(context.Background(), api.OrganizationCreate{Name: "a", AdminContactEmails: []string{"a@example.com"}})
			if got := n.Load(); got != tc.wantAttempts {
				t.Errorf("attempts = %d, want %d", got, tc.wantAttempts)
			}
			if (err != nil) != tc.wantErr {
				t.Errorf("err = %v, want error: %v", err, tc.wantErr)
			}
		})
	}
}

// A call that gets no answer from a server that answered this client before is Lost: the server
// stopped, the endpoint is right. Only the first of the client's Lost errors is the one to explain it
// (FirstReportOfLoss); a request whose connection was refused never reached the server (not Reached),
// one whose connection dropped after it was sent may have been acted on (Reached).
func TestLostServer(t *testing.T) {
	t.Parallel()
	var drop atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if drop.Load() {
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close()
			}
			return
		}
		w.Header().Set("Content-Type", api.ContentTypeJSON)
		fmt.Fprint(w, `{"id": "o1"}`)
	}))
	t.Cleanup(srv.Close)
	c, err := New(Config{Endpoint: srv.URL, MaxRetries: 1, RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := New(Config{Endpoint: srv.URL, MaxRetries: 1, RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	connErr := func(err error) *ConnectionError {
		t.Helper()
		var ce *ConnectionError
		if !errors.As(err, &ce) {
			t.Fatalf("err = %v, want a *ConnectionError", err)
		}
		return ce
	}
	if _, err := c.GetOrganization(t.Context(), "o1"); err != nil {
		t.Fatal(err)
	}

	drop.Store(true)
	_, err = c.CreateLabel(t.Context(), "o1", api.LabelCreate{Key: "k"})
	if ce := connErr(err); !ce.Lost || !ce.Reached {
		t.Errorf("a create whose connection dropped after an answer: Lost %t, Reached %t; want both", ce.Lost, ce.Reached)
	}
	_, err = fresh.GetOrganization(t.Context(), "o1")
	if ce := connErr(err); ce.Lost || ce.FirstReportOfLoss() {
		t.Errorf("a client that never got an answer: Lost %t; want false, and nothing to report", ce.Lost)
	}

	srv.Close()
	var lost []*ConnectionError
	for range 3 {
		_, err := c.CreateLabel(t.Context(), "o1", api.LabelCreate{Key: "k"})
		lost = append(lost, connErr(err))
	}
	if ce := lost[0]; !ce.Lost || ce.Reached {
		t.Errorf("a create whose connection was refused: Lost %t, Reached %t; want Lost only", ce.Lost, ce.Reached)
	}
	firsts := 0
	for _, ce := range lost {
		if ce.FirstReportOfLoss() {
			firsts++
		}
	}
	if firsts != 1 {
		t.Errorf("%d of the client's lost calls claimed the first report, want 1", firsts)
	}
}
