// Package client is the typed client of the organizations API, used by the provider and by tests.
//
// Every call goes through one transport (this file): JSON in and out, problem+json errors turned into
// *Error, and retries decided explicitly rather than by go-retryablehttp's defaults, which would retry a
// POST like a GET and throw the server's message away when giving up.
package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	mathrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// Defaults for the zero values of Config.
const (
	DefaultMaxRetries     = 4
	DefaultRequestTimeout = 30 * time.Second
	DefaultRetryWaitMin   = 500 * time.Millisecond
	DefaultRetryWaitMax   = 30 * time.Second
	DefaultUserAgent      = "terraform-provider-orgs/dev"
)

// maxResponseBytes bounds what is read of a response; a list page of 1000 objects is far below it.
const maxResponseBytes = 64 << 20

// Config configures a Client.
type Config struct {
	// Endpoint is the API's base URL, such as http://127.0.0.1:8080; a trailing slash or /api/v1 is tolerated.
	Endpoint string
	// Token is sent as a bearer credential; empty sends none (sign-up and invitation acceptance need none).
	Token string
	// UserAgent identifies the caller; the provider passes "terraform-provider-orgs/<version>".
	UserAgent string
	// MaxRetries is how many times a failed attempt is retried: 0 means never, a negative value means
	// DefaultMaxRetries.
	MaxRetries int
	// RequestTimeout bounds each attempt (not the whole call, which the context bounds); 0 means 30s.
	RequestTimeout time.Duration
	// RetryWaitMin and RetryWaitMax bound the backoff between attempts; 0 means 500ms and 30s. A server's
	// Retry-After is honored up to RetryWaitMax.
	RetryWaitMin, RetryWaitMax time.Duration
	// HTTPClient, when set, is copied and its Timeout replaced by RequestTimeout.
	HTTPClient *http.Client
	// MaxRequestsPerSecond is the client's own ceiling on its request rate; 0 means none. Below it, the
	// client paces itself to the limit the server advertises in its RateLimit header fields.
	MaxRequestsPerSecond float64
}

// Client calls the organizations API. It is safe for concurrent use.
type Client struct {
	baseURL    string // scheme://host[/prefix], without a trailing slash or /api/v1
	token      string
	userAgent  string
	maxRetries int
	httpClient *http.Client
	backoff    backoffPolicy
	pacer      *pacer
	// writes counts this client's writes per organization, so that Listings never serve a listing
	// older than one of them.
	writes writeCounter
	clock  serverClock
	// answered is set by the first HTTP answer, whatever its status: from then on, a call that gets no
	// answer means the server stopped answering (ConnectionError.Lost), not a wrong endpoint.
	answered     atomic.Bool
	lossReported atomic.Bool
}

// New checks cfg and returns a client; it does not contact the server.
func New(cfg Config) (*Client, error) {
	base, err := normalizeEndpoint(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	c := &Client{
		baseURL:    base,
		token:      cfg.Token,
		userAgent:  cfg.UserAgent,
		maxRetries: cfg.MaxRetries,
		backoff: backoffPolicy{
			min:    cfg.RetryWaitMin,
			max:    cfg.RetryWaitMax,
			now:    time.Now,
			random: mathrand.Float64,
		},
	}
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	if c.maxRetries < 0 {
		c.maxRetries = DefaultMaxRetries
	}
	if strings.ContainsAny(cfg.Token, "\r\n") {
		return nil, errors.New("the API token must not contain line breaks")
	}
	if cfg.RequestTimeout < 0 || cfg.RetryWaitMin < 0 || cfg.RetryWaitMax < 0 {
		return nil, errors.New("the request timeout and retry waits must not be negative")
	}
	if cfg.MaxRequestsPerSecond < 0 || math.IsNaN(cfg.MaxRequestsPerSecond) || math.IsInf(cfg.MaxRequestsPerSecond, 0) {
		return nil, fmt.Errorf("the maximum request rate must be a positive number of requests per second, not %v", cfg.MaxRequestsPerSecond)
	}
	if cfg.RetryWaitMin > 0 && cfg.RetryWaitMax > 0 && cfg.RetryWaitMin > cfg.RetryWaitMax {
		return nil, fmt.Errorf("the minimum retry wait (%s) is longer than the maximum (%s)", cfg.RetryWaitMin, cfg.RetryWaitMax)
	}
	if c.backoff.max == 0 {
		c.backoff.max = DefaultRetryWaitMax
	}
	if c.backoff.min == 0 {
		c.backoff.min = min(DefaultRetryWaitMin, c.backoff.max)
	}
	timeout := cfg.RequestTimeout
	if timeout == 0 {
		timeout = DefaultRequestTimeout
	}

	var hc http.Client
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	} else {
		if t, ok := http.DefaultTransport.(*http.Transport); ok {
			hc.Transport = t.Clone() // our own pool and settings, not the process-wide transport
		}
	}
	// http.Client's Timeout covers one Do call, which go-retryablehttp makes once per attempt; the wait
	// for the pacer is part of the attempt, so it is bounded too.
	hc.Timeout = timeout
	c.pacer = newPacer(cfg.MaxRequestsPerSecond)
	transport := hc.Transport
	if transport == nil {
		transport = http.DefaultTransport
	}
	hc.Transport = pacedTransport{base: transport, pacer: c.pacer}
	if hc.CheckRedirect == nil {
		// The API never redirects; following one would turn a POST into a GET and hide what happened.
		hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	c.httpClient = &hc
	return c, nil
}

// normalizeEndpoint accepts http(s)://host[:port][/prefix][/][/api/v1][/] and returns it without the
// trailing slash and /api/v1, since routes (api.Path*) carry /api/v1 themselves.
func normalizeEndpoint(endpoint string) (string, error) {
	const example = "for example http://127.0.0.1:8080"
	s := strings.TrimSpace(endpoint)
	if s == "" {
		return "", fmt.Errorf("the API endpoint is empty: set it to the server's base URL, %s", example)
	}
	if !strings.Contains(s, "://") {
		return "", fmt.Errorf("the API endpoint %q must start with http:// or https:// (%s)", endpoint, example)
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("the API endpoint %q is not a URL (%s): %w", endpoint, example, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("the API endpoint %q must start with http:// or https:// (%s)", endpoint, example)
	}
	if u.Host == "" || u.Hostname() == "" {
		return "", fmt.Errorf("the API endpoint %q has no host (%s)", endpoint, example)
	}
	if u.User != nil {
		return "", fmt.Errorf("the API endpoint %q must not hold credentials; set the token instead", u.Redacted())
	}
	if u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return "", fmt.Errorf("the API endpoint %q must not have a query or fragment (%s)", endpoint, example)
	}
	path := strings.TrimRight(u.EscapedPath(), "/")
	path = strings.TrimSuffix(path, api.BasePath)
	path = strings.TrimRight(path, "/")
	return u.Scheme + "://" + u.Host + path, nil
}

// request is one logical API call; the transport may make several attempts of it.
type request struct {
	method string
	route  string   // an api.Path* template
	params []string // values for route's placeholders, in order
	query  url.Values
	body   any // sent as JSON when non-nil
	// idempotencyKey, when set, is sent on every attempt; it is what allows retrying a POST or PATCH.
	idempotencyKey string
}

// newIdempotencyKey returns a random key for one logical call. The server keeps the first response
// for a key, so a retry after a lost response gets the object the first attempt made, not a second one.
func newIdempotencyKey() string {
	return rand.Text()
}

// fillRoute puts path-escaped params into the {placeholders} of an api.Path* template. An empty
// param is refused: "/orgs/{org_id}" with "" would address the collection instead of one object.
func fillRoute(route string, params []string) (string, error) {
	var b strings.Builder
	rest := route
	for _, p := range params {
		open := strings.IndexByte(rest, '{')
		end := strings.IndexByte(rest, '}')
		if open < 0 || end < open {
			return "", fmt.Errorf("route %s has fewer placeholders than the %d values given", route, len(params))
		}
		if p == "" {
			return "", fmt.Errorf("%s is empty", rest[open+1:end])
		}
		b.WriteString(rest[:open])
		b.WriteString(url.PathEscape(p))
		rest = rest[end+1:]
	}
	if strings.IndexByte(rest, '{') >= 0 {
		return "", fmt.Errorf("route %s needs more than the %d values given", route, len(params))
	}
	b.WriteString(rest)
	return b.String(), nil
}

// do runs r, retrying as the policy allows, and decodes a 2xx JSON body into out (when non-nil).
// A non-2xx answer becomes *Error carrying the server's problem.
func (c *Client) do(ctx context.Context, r request, out any) error {
	if r.method != http.MethodGet && strings.HasPrefix(r.route, api.PathOrganization) && len(r.params) > 0 {
		// Whatever its outcome (a failed write may have been committed), a write to an organization
		// makes every listing of it older than the write.
		defer c.writes.bump(r.params[0])
	}
	path, err := fillRoute(r.route, r.params)
	if err != nil {
		return fmt.Errorf("%s %s: %w", r.method, r.route, err)
	}
	target := c.baseURL + path
	if len(r.query) > 0 {
		target += "?" + r.query.Encode()
	}

	var body any // stays an untyped nil without a body: retryablehttp then sends none
	var payload []byte
	if r.body != nil {
		payload, err = json.Marshal(r.body)
		if err != nil {
			return fmt.Errorf("%s %s: encode request: %w", r.method, path, err)
		}
		body = payload
	}

	if c.token != "" {
		// Belt and braces: whatever a log line holds, the credential is masked.
		ctx = tflog.MaskLogStrings(ctx, c.token)
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, r.method, target, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", r.method, path, err)
	}
	req.Header.Set("Accept", api.ContentTypeJSON+", "+api.ContentTypeError)
	req.Header.Set("User-Agent", c.userAgent)
	if payload != nil {
		req.Header.Set("Content-Type", api.ContentTypeJSON)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if r.idempotencyKey != "" {
		req.Header.Set(api.HeaderIdempotencyKey, r.idempotencyKey)
	}

	a := &attempts{
		ctx:        ctx,
		method:     r.method,
		path:       path,
		idempotent: isIdempotent(r.method, r.idempotencyKey != ""),
		policy:     &c.backoff,
		payload:    payload,
	}
	rc := &retryablehttp.Client{
		HTTPClient:      c.httpClient,
		Logger:          nil, // logging goes through tflog in the hooks below
		RetryWaitMin:    c.backoff.min,
		RetryWaitMax:    c.backoff.max,
		RetryMax:        c.maxRetries,
		CheckRetry:      a.checkRetry,
		Backoff:         a.wait,
		ErrorHandler:    a.giveUp,
		RequestLogHook:  a.logRequest,
		ResponseLogHook: a.logResponse,
	}

	resp, err := rc.Do(req)
	if err != nil {
		err = a.failure(target, err)
		var connErr *ConnectionError
		if errors.As(err, &connErr) {
			connErr.Lost, connErr.lossReported = c.answered.Load(), &c.lossReported
		}
		return err
	}
	c.answered.Store(true)
	defer resp.Body.Close()
	c.clock.observe(resp.Header, time.Now())

	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return fmt.Errorf("%s %s: read response (HTTP %d): %w", r.method, path, resp.StatusCode, err)
	}
	if a.bodyLogged != resp {
		logBody(ctx, "orgs API response body", data)
	}

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := newError(r.method, path, resp.StatusCode, data)
		e.Attempts = a.count
		if strings.HasPrefix(r.route, api.PathOrganization) && len(r.params) > 0 {
			e.OrganizationID = r.params[0]
		}
		return e
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		if out != nil {
			return fmt.Errorf("%s %s: HTTP %d with an empty body, expected JSON", r.method, path, resp.StatusCode)
		}
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: decode response (HTTP %d): %w", r.method, path, resp.StatusCode, err)
	}
	return nil
}

// isIdempotent says whether repeating the request cannot do more than doing it once. POST and PATCH
// qualify only with an Idempotency-Key, which makes the server answer a repeat with the first result.
func isIdempotent(method string, hasKey bool) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return true
	case http.MethodPost, http.MethodPatch:
		return hasKey
	}
	return false
}

// retryableStatus: rate limiting and server-side failures; 501 says the server will never do it.
func retryableStatus(code int) bool {
	return code == http.StatusTooManyRequests || (code >= 500 && code <= 599 && code != http.StatusNotImplemented)
}

// attempts is the state of one logical call across its attempts; go-retryablehttp calls its hooks
// sequentially on the caller's goroutine, so it needs no lock.
type attempts struct {
	ctx        context.Context
	method     string
	path       string
	idempotent bool
	policy     *backoffPolicy
	payload    []byte

	count    int       // attempts made so far
	refused  int       // attempts whose connection was refused
	reached  bool      // an attempt failed after connecting: the server may have acted on it
	started  time.Time // of the current attempt
	lastErr  *Error    // the last retried answer, reported if the context ends while waiting
	lastDone error     // the last transport error
	// bodyLogged is the response whose body checkRetry already logged, so it is not logged twice.
	bodyLogged *http.Response
}

func (a *attempts) fields(extra map[string]any) map[string]any {
	f := map[string]any{"method": a.method, "path": a.path, "attempt": a.count}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

func (a *attempts) logRequest(_ retryablehttp.Logger, _ *http.Request, _ int) {
	a.count++
	a.started = time.Now()
	tflog.Debug(a.ctx, "sending orgs API request", a.fields(nil))
	if a.count == 1 && a.payload != nil {
		logBody(a.ctx, "orgs API request body", a.payload)
	}
}

func (a *attempts) logResponse(_ retryablehttp.Logger, resp *http.Response) {
	tflog.Debug(a.ctx, "received orgs API response", a.fields(map[string]any{
		"status":      resp.StatusCode,
		"duration_ms": time.Since(a.started).Milliseconds(),
	}))
}

// checkRetry is the whole retry policy: which answers and failures are worth another attempt.
func (a *attempts) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		a.lastDone = err
		var opErr *net.OpError
		if !errors.As(err, &opErr) || opErr.Op != "dial" {
			a.reached = true
		}
		retry := retryableTransportError(err, a.idempotent)
		if isConnectionRefused(err) {
			// A server that is restarting comes back within a second or two; one that is not there, or
			// an endpoint with the wrong port, never does: give it a short chance, not the whole budget.
			a.refused++
			retry = retry && a.refused <= maxRefusedRetries
		}
		tflog.Debug(a.ctx, "orgs API request failed", a.fields(map[string]any{
			"error":     err.Error(),
			"retryable": retry,
		}))
		return retry, nil
	}
	// A 409 is final, except the one that says the first attempt of this very request (same
	// Idempotency-Key) is still running on the server: that one clears by itself, and giving up on it
	// would leave an object the user never hears of.
	mayRetry := retryableStatus(resp.StatusCode) || resp.StatusCode == http.StatusConflict
	if !mayRetry || !a.idempotent {
		// A final answer is delivered even if the context has just ended: a create the server
		// acknowledged must not be reported as failed.
		return false, nil
	}
	// Keep this answer's problem: go-retryablehttp drains the body before waiting, and if the context
	// ends during the wait, the server's last word is still worth reporting.
	data, readErr := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(data))
	if readErr == nil {
		logBody(a.ctx, "orgs API response body", data)
		a.bodyLogged = resp
		a.lastErr = newError(a.method, a.path, resp.StatusCode, data)
		a.lastErr.Attempts = a.count
	}
	if resp.StatusCode == http.StatusConflict && (a.lastErr == nil || a.lastErr.Problem.Type != api.ProblemIdempotencyBusy) {
		return false, nil
	}
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	return true, nil
}

// maxRefusedRetries is how many times a refused connection is retried, whatever MaxRetries says.
const maxRefusedRetries = 2

func isConnectionRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }

// retryableTransportError decides on a failure without an HTTP answer. A failure to connect means the
// request was never sent, so any method may be retried; after that, only idempotent requests may,
// since the server may have acted on it before the connection dropped.
func retryableTransportError(err error, idempotent bool) bool {
	var certErr *tls.CertificateVerificationError
	var unknownAuthority x509.UnknownAuthorityError
	var hostnameErr x509.HostnameError
	var invalidCert x509.CertificateInvalidError
	var recordErr tls.RecordHeaderError
	if errors.As(err, &certErr) || errors.As(err, &unknownAuthority) || errors.As(err, &hostnameErr) ||
		errors.As(err, &invalidCert) || errors.As(err, &recordErr) || errors.Is(err, http.ErrSchemeMismatch) {
		return false // a TLS misconfiguration (or https:// to a plain HTTP server) does not heal by waiting
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		return false
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	return idempotent
}

// wait is go-retryablehttp's Backoff hook: it computes the wait and logs it.
func (a *attempts) wait(_, _ time.Duration, attemptNum int, resp *http.Response) time.Duration {
	d := a.policy.wait(attemptNum, resp)
	f := map[string]any{"wait": d.String(), "wait_ms": d.Milliseconds()}
	if resp != nil {
		f["status"] = resp.StatusCode
	}
	tflog.Debug(a.ctx, "retrying orgs API request", a.fields(f))
	return d
}

// giveUp is go-retryablehttp's ErrorHandler, called when retries run out or the context ended. A last
// HTTP answer is passed on as it is, so the caller reports the server's problem rather than a count of
// attempts.
func (a *attempts) giveUp(resp *http.Response, err error, numTries int) (*http.Response, error) {
	a.count = numTries
	if err != nil || resp == nil {
		if resp != nil {
			resp.Body.Close()
		}
		if err == nil {
			err = a.lastDone
		}
		return nil, err
	}
	return resp, nil
}

// failure turns an error from go-retryablehttp into what the caller sees.
func (a *attempts) failure(target string, err error) error {
	if ctxErr := a.ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
		ctxErr = contextError(a.ctx)
		if a.lastErr != nil {
			// Both stay reachable: errors.Is(err, context.Canceled) and errors.As(err, **Error).
			return fmt.Errorf("%s %s: %w (the previous attempt got HTTP %d: %w)",
				a.method, a.path, ctxErr, a.lastErr.StatusCode, a.lastErr)
		}
		return fmt.Errorf("%s %s: %w", a.method, a.path, ctxErr)
	}
	// *url.Error already names the method and URL; keep only its cause to say it once.
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err
	}
	return &ConnectionError{Method: a.method, URL: target, Attempts: a.count, Err: err, Reached: a.reached}
}

// contextError is ctx's error with its cause, when the context was given one (the provider's resource
// timeouts are), so that a caller can tell which deadline ended the call.
func contextError(ctx context.Context) error {
	err := ctx.Err()
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, err) {
		return fmt.Errorf("%w: %w", err, cause)
	}
	return err
}

// backoffPolicy computes waits between attempts.
type backoffPolicy struct {
	min, max time.Duration
	now      func() time.Time // for Retry-After dates without a Date header
	random   func() float64   // in [0, 1)
}

// wait returns the pause before the attempt after attemptNum (0 for the first). A Retry-After from the
// server wins, at least min and at most max, with a little jitter so that parallel callers told the same
// moment do not return all at once. Otherwise it is exponential with jitter: a random point in
// [upper/2, upper] where upper = min*2^(attemptNum+1), kept within [min, max].
func (p *backoffPolicy) wait(attemptNum int, resp *http.Response) time.Duration {
	if resp != nil {
		if after, ok := retryAfter(resp.Header, p.now()); ok {
			d := min(max(after, p.min), p.max)
			return min(d+time.Duration(p.random()*float64(d)/10), p.max)
		}
	}
	upper := p.max
	if attemptNum < 62 {
		if f := float64(p.min) * math.Pow(2, float64(attemptNum+1)); f < float64(p.max) {
			upper = time.Duration(f)
		}
	}
	lower := max(upper/2, p.min)
	d := lower + time.Duration(p.random()*float64(upper-lower))
	return min(max(d, p.min), p.max)
}

// retryAfter reads Retry-After as delta-seconds or as an HTTP date. A date is measured from the
// response's Date header when there is one, so a skewed local clock does not stretch or cut the wait.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get(api.HeaderRetryAfter))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(math.MaxInt64/time.Second) {
			return math.MaxInt64, true
		}
		return time.Duration(secs) * time.Second, true
	}
	at, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	if date, err := http.ParseTime(h.Get("Date")); err == nil {
		now = date
	}
	return max(at.Sub(now), 0), true
}

// logBody logs a JSON body at TRACE with its secrets redacted.
func logBody(ctx context.Context, msg string, body []byte) {
	if len(body) == 0 || !tflog.IsTrace(ctx) {
		return
	}
	tflog.Trace(ctx, msg, map[string]any{"body": redactJSON(body)})
}
