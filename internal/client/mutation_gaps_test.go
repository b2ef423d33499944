package client

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// Behaviour that mutation testing (make mutate, contributing/testing.md) found no test pinning down.

// TestNewRetryWaitBoundsAreInclusive: a minimum wait equal to the maximum is a fixed wait, and a minimum
// given without a maximum is compared with the default maximum, not with the zero that stands for it.
func TestNewRetryWaitBoundsAreInclusive(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		cfg      Config
		min, max time.Duration
	}{
		"fixed wait":        {Config{RetryWaitMin: time.Second, RetryWaitMax: time.Second}, time.Second, time.Second},
		"minimum only":      {Config{RetryWaitMin: time.Second}, time.Second, DefaultRetryWaitMax},
		"maximum only":      {Config{RetryWaitMax: 2 * time.Second}, DefaultRetryWaitMin, 2 * time.Second},
		"minimum = default": {Config{RetryWaitMin: DefaultRetryWaitMax}, DefaultRetryWaitMax, DefaultRetryWaitMax},
	} {
		tc.cfg.Endpoint = "http://127.0.0.1:8080"
		c, err := New(tc.cfg)
		if err != nil {
			t.Errorf("%s: New(%+v): %v", name, tc.cfg, err)
			continue
		}
		if c.backoff.min != tc.min || c.backoff.max != tc.max {
			t.Errorf("%s: waits %v..%v, want %v..%v", name, c.backoff.min, c.backoff.max, tc.min, tc.max)
		}
	}
}

// countingTransport is a caller's own RoundTripper (a proxy or TLS setup, say) that counts its requests.
type countingTransport struct {
	n atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

// TestCallersHTTPClientTransportIsUsed: a caller's HTTP client brings its transport, which every request
// goes through; one without a transport gets the default one.
func TestCallersHTTPClientTransportIsUsed(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"id": "o1"})
	}))
	t.Cleanup(srv.Close)

	own := &countingTransport{}
	c, err := New(Config{Endpoint: srv.URL, HTTPClient: &http.Client{Transport: own}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetOrganization(context.Background(), "o1"); err != nil {
		t.Fatal(err)
	}
	if own.n.Load() != 1 {
		t.Errorf("the caller's transport carried %d requests, want 1", own.n.Load())
	}

	c, err = New(Config{Endpoint: srv.URL, HTTPClient: &http.Client{}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetOrganization(context.Background(), "o1"); err != nil {
		t.Errorf("with a caller's client without a transport: %v", err)
	}
}

// TestFillRoute: every placeholder of a route template takes one value, wherever it stands, and a
// mismatch between placeholders and values is an error that names the placeholder, never a request.
func TestFillRoute(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		route   string
		params  []string
		want    string
		wantErr string
	}{
		{"/orgs/{org_id}/labels/{key}", []string{"o 1", "a/b"}, "/orgs/o%201/labels/a%2Fb", ""},
		{"{org_id}", []string{"o1"}, "o1", ""},
		{"{org_id}{key}", []string{"o1", "k"}, "o1k", ""},
		{"/orgs", nil, "/orgs", ""},
		{"/orgs/{org_id}", []string{""}, "", "org_id is empty"},
		{"/orgs/{org_id}/labels/{key}", []string{"o1", ""}, "", "key is empty"},
		{"{org_id}", nil, "", "route {org_id} needs more than the 0 values given"},
		{"/orgs/{org_id}{key}", []string{"o1"}, "", "route /orgs/{org_id}{key} needs more than the 1 values given"},
		{"/orgs", []string{"o1"}, "", "route /orgs has fewer placeholders than the 1 values given"},
		{"/orgs/}{", []string{"o1"}, "", "route /orgs/}{ has fewer placeholders than the 1 values given"},
	} {
		got, err := fillRoute(tc.route, tc.params)
		switch {
		case tc.wantErr == "" && (err != nil || got != tc.want):
			t.Errorf("fillRoute(%q, %q) = %q, %v; want %q", tc.route, tc.params, got, err, tc.want)
		case tc.wantErr != "" && (err == nil || err.Error() != tc.wantErr):
			t.Errorf("fillRoute(%q, %q) = %q, %v; want the error %q", tc.route, tc.params, got, err, tc.wantErr)
		}
	}
}

// TestMalformedCallIsAnErrorNotARequest: a write to an organization route given no identifier at all
// (a programming error) fails as an error, sends nothing and does not panic.
func TestMalformedCallIsAnErrorNotARequest(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { rec.add(r) })
	err := c.do(context.Background(), request{method: http.MethodDelete, route: api.PathOrganization}, nil)
	if err == nil || !strings.Contains(err.Error(), "needs more than the 0 values given") {
		t.Errorf("err = %v, want one saying the route needs a value", err)
	}
	if n := len(rec.all()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// TestRequestWithoutQueryHasNoQuestionMark: a request without query parameters is sent as the bare path.
func TestRequestWithoutQueryHasNoQuestionMark(t *testing.T) {
	t.Parallel()
	uris := make(chan string, 2)
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		uris <- r.RequestURI
		writeJSON(w, http.StatusOK, api.Page[api.Label]{Items: []api.Label{}})
	})
	if _, err := c.GetOrganization(context.Background(), "o1"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListLabels(context.Background(), "o1"); err != nil {
		t.Fatal(err)
	}
	if got, want := <-uris, "/api/v1/orgs/o1"; got != want {
		t.Errorf("request URI %q, want %q", got, want)
	}
	if got := <-uris; !strings.HasPrefix(got, "/api/v1/orgs/o1/labels?") || strings.HasSuffix(got, "?") {
		t.Errorf("list request URI %q, want the path with its page query", got)
	}
}

// TestLogsMaskTheTokenWhereverItAppears: a server that echoes the caller's credential in free text (a
// problem's detail, which body redaction keeps) still gets it masked in the TRACE logs.
func TestLogsMaskTheTokenWhereverItAppears(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, http.StatusUnauthorized, api.ProblemUnauthorized, "the credential "+testToken+" is not known here")
	})
	logs := newLogCapture()
	if _, err := c.GetOrganization(logs.ctx, "o1"); !IsUnauthorized(err) {
		t.Fatalf("err = %v, want unauthorized", err)
	}
	out := logs.buf.String()
	if strings.Contains(out, testToken) {
		t.Errorf("logs contain the token: %s", out)
	}
	if !strings.Contains(out, "is not known here") {
		t.Errorf("logs lack the response body, so the check above proves nothing: %s", out)
	}
}

// TestEvery2xxIsASuccess: the whole 2xx class is a success, its last code as much as 200, and 300 is not.
func TestEvery2xxIsASuccess(t *testing.T) {
	t.Parallel()
	for _, status := range []int{200, 203, 299} {
		c := newTestClient(t, func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, status, api.Organization{ID: "o1"})
		})
		if org, err := c.GetOrganization(context.Background(), "o1"); err != nil || org.ID != "o1" {
			t.Errorf("HTTP %d: %+v, %v; want the organization", status, org, err)
		}
	}
	c := newTestClient(t, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusMultipleChoices, api.Organization{ID: "o1"})
	})
	var apiErr *Error
	if _, err := c.GetOrganization(context.Background(), "o1"); !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusMultipleChoices {
		t.Errorf("HTTP 300: err = %v, want an *Error with the status", err)
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

// TestListingsConfigZeroValueTakesTheDefaults: ListingsConfig's zero value (and a negative one) means
// the defaults, and values given are kept.
func TestListingsConfigZeroValueTakesTheDefaults(t *testing.T) {
	t.Parallel()
	c, err := New(Config{Endpoint: "http://127.0.0.1:8080"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ in, want ListingsConfig }{
		{ListingsConfig{}, ListingsConfig{BatchWindow: DefaultBatchWindow, BatchThreshold: DefaultBatchThreshold}},
		{ListingsConfig{BatchWindow: -1, BatchThreshold: -1}, ListingsConfig{BatchWindow: DefaultBatchWindow, BatchThreshold: DefaultBatchThreshold}},
		{ListingsConfig{BatchWindow: time.Second, BatchThreshold: 7}, ListingsConfig{BatchWindow: time.Second, BatchThreshold: 7}},
	} {
		if got := NewListings(c, tc.in).Members.cfg; got != tc.want {
			t.Errorf("NewListings(%+v) uses %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

// TestListingsThresholdReadListsAtOnce: the read that brings an organization to BatchThreshold reads
// lists at once; it does not wait another batching window first.
func TestListingsThresholdReadListsAtOnce(t *testing.T) {
	t.Parallel()
	const window = time.Second
	f := newFakeMembers(5)
	_, l := newListingsFor(t, f, window)
	// Two reads together share a window and, being fewer than the threshold, make their GETs.
	readConcurrently(t, l, f.emails[:DefaultBatchThreshold-1], DefaultBatchThreshold-1)
	ctx, cancel := context.WithTimeout(t.Context(), window/2)
	defer cancel()
	if _, err := l.Members.Get(ctx, "org_1", f.emails[DefaultBatchThreshold-1]); err != nil {
		t.Fatalf("the read that reaches the threshold: %v (did it wait a window?)", err)
	}
	if f.lists.Load() != 1 {
		t.Errorf("%d listings, want 1", f.lists.Load())
	}
}

// TestListingsExactlyThresholdReadsShareOneListing: as many concurrent reads as BatchThreshold, no more,
// are enough to list: the ones that waited in the window use that listing instead of making GETs.
func TestListingsExactlyThresholdReadsShareOneListing(t *testing.T) {
	t.Parallel()
	f := newFakeMembers(50)
	_, l := newListingsFor(t, f, 500*time.Millisecond)
	readConcurrently(t, l, f.emails[:DefaultBatchThreshold], DefaultBatchThreshold)
	if f.lists.Load() != 1 || f.gets.Load() != 0 {
		t.Errorf("%d concurrent reads made %d listings and %d GETs, want 1 listing and no GET", DefaultBatchThreshold, f.lists.Load(), f.gets.Load())
	}
}

// TestListingsAllReusesOnlyAFreshListing: All answers from the current listing while no write of this
// client made it older, and lists again after one.
func TestListingsAllReusesOnlyAFreshListing(t *testing.T) {
	t.Parallel()
	f := newFakeMembers(20)
	c, l := newListingsFor(t, f, 0)
	ctx := t.Context()
	for range 2 {
		if all, err := l.Members.All(ctx, "org_1"); err != nil || len(all) != 20 {
			t.Fatalf("All: %d members, %v; want 20", len(all), err)
		}
	}
	if f.lists.Load() != 1 {
		t.Errorf("two All without a write in between made %d listings, want 1", f.lists.Load())
	}
	if err := c.RemoveMember(ctx, "org_1", f.emails[0]); err != nil {
		t.Fatal(err)
	}
	if all, err := l.Members.All(ctx, "org_1"); err != nil || len(all) != 19 {
		t.Errorf("All after a removal: %d members, %v; want 19", len(all), err)
	}
	if f.lists.Load() != 2 {
		t.Errorf("All after a write made %d listings in all, want 2", f.lists.Load())
	}
}

// TestListingsEveryLoneReadWaitsForCompany: below the threshold, each read that finds no listing waits
// a batching window of its own for others to join it, not only the first one.
func TestListingsEveryLoneReadWaitsForCompany(t *testing.T) {
	t.Parallel()
	const window = 200 * time.Millisecond
	f := newFakeMembers(5)
	_, l := newListingsFor(t, f, window)
	for i := range DefaultBatchThreshold - 1 {
		start := time.Now()
		if _, err := l.Members.Get(t.Context(), "org_1", f.emails[i]); err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took < window {
			t.Errorf("read %d took %v, less than the %v window", i+1, took, window)
		}
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

// TestProblemDocumentRecognizedByAnyOfItsFields: a JSON object with a type, a title or a detail is the
// server's problem, kept as it is, with the HTTP status filled in when it lacks one; any other body
// becomes a problem that quotes it.
func TestProblemDocumentRecognizedByAnyOfItsFields(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]api.Problem{
		`{"type":"urn:x"}`:             {Type: "urn:x", Status: 418},
		`{"title":"Teapot"}`:           {Title: "Teapot", Status: 418},
		`{"detail":"short and stout"}`: {Detail: "short and stout", Status: 418},
		`{"detail":"d","status":400}`:  {Detail: "d", Status: 400},
		`{"unrelated":true}`:           {Type: "about:blank", Title: "I'm a teapot", Status: 418, Detail: `GET /x: HTTP 418 I'm a teapot: {"unrelated":true}`},
		"<html>proxy error</html>":     {Type: "about:blank", Title: "I'm a teapot", Status: 418, Detail: "GET /x: HTTP 418 I'm a teapot: <html>proxy error</html>"},
		"":                             {Type: "about:blank", Title: "I'm a teapot", Status: 418, Detail: "GET /x: HTTP 418 I'm a teapot"},
	} {
		got := newError(http.MethodGet, "/x", http.StatusTeapot, []byte(body)).Problem
		if got.Type != want.Type || got.Title != want.Title || got.Status != want.Status || got.Detail != want.Detail {
			t.Errorf("body %s: problem %+v, want %+v", body, got, want)
		}
	}
}

// TestSnippetKeepsUpToLimitRunes: a body of exactly the limit is quoted whole; a longer one is cut at
// the limit, counted in characters, and marked as cut.
func TestSnippetKeepsUpToLimitRunes(t *testing.T) {
	t.Parallel()
	exact := strings.Repeat("é", 200)
	if got := snippet([]byte(exact), 200); got != exact {
		t.Errorf("a body of exactly 200 characters became %q", got)
	}
	if got := snippet([]byte(exact+"xyz"), 200); got != exact+"…" {
		t.Errorf("a body of 203 characters became %q, want its first 200 and an ellipsis", got)
	}
}

// TestConnectionErrorCountsAttemptsOnlyWhenRetried: a single attempt is not announced as "after 1
// attempts".
func TestConnectionErrorCountsAttemptsOnlyWhenRetried(t *testing.T) {
	t.Parallel()
	cause := errors.New("connection refused")
	for attempts, want := range map[int]string{
		1: "GET http://h/x failed: connection refused",
		3: "GET http://h/x failed after 3 attempts: connection refused",
	} {
		if got := (&ConnectionError{Method: "GET", URL: "http://h/x", Attempts: attempts, Err: cause}).Error(); got != want {
			t.Errorf("%d attempts: %q, want %q", attempts, got, want)
		}
	}
}

// TestRedactValidationErrorsEchoingAnyKindOfSecret: a validation error's echoed value is redacted by the
// last segment of its location, whatever the secret's name (not only the "password" ones) and wherever
// the location points (a member, an array element, the top level).
func TestRedactValidationErrorsEchoingAnyKindOfSecret(t *testing.T) {
	t.Parallel()
	for _, loc := range []string{"body.code", "body.token", "body.items[0].token", "token", "body.name.code"} {
		in := `{"errors":[{"location":"` + loc + `","value":"leaked"}]}`
		want := `{"errors":[{"location":"` + loc + `","value":"[REDACTED]"}]}`
		if got := redactJSON([]byte(in)); got != want {
			t.Errorf("location %s: redactJSON = %s, want %s", loc, got, want)
		}
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

// TestPacerFollowsAChangedPolicy: a server that changes its policy (here its quota, in the same window)
// is followed, not only the first policy seen.
func TestPacerFollowsAChangedPolicy(t *testing.T) {
	t.Parallel()
	p, _ := newTestPacer(0)
	p.observe(policyHeader(`"default";q=100;w=1`, ""))
	p.observe(policyHeader(`"default";q=10;w=1`, ""))
	if p.rate != 10 || p.burst != 10 {
		t.Errorf("after the policy changed to 10/s: rate %v burst %v, want 10, 10", p.rate, p.burst)
	}
	p.observe(policyHeader(`"default";q=10;w=2`, ""))
	if p.rate != 5 || p.burst != 10 {
		t.Errorf("after the window changed to 2 s: rate %v burst %v, want 5, 10", p.rate, p.burst)
	}
}

// TestPacerCeilingEqualToTheServersRateKeepsItsBurst: a ceiling that equals the server's rate does not
// restrict anything, so the server's burst stays.
func TestPacerCeilingEqualToTheServersRateKeepsItsBurst(t *testing.T) {
	t.Parallel()
	p, _ := newTestPacer(10)
	p.observe(policyHeader(`"default";q=20;w=2`, ""))
	if p.rate != 10 || p.burst != 20 {
		t.Errorf("rate %v burst %v, want the server's 10/s with its burst of 20", p.rate, p.burst)
	}
}
