package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

func TestNormalizeEndpoint(t *testing.T) {
	t.Parallel()
	valid := map[string]string{
		"http://127.0.0.1:8080":                  "http://127.0.0.1:8080",
		"http://127.0.0.1:8080/":                 "http://127.0.0.1:8080",
		"http://127.0.0.1:8080/api/v1":           "http://127.0.0.1:8080",
		"http://127.0.0.1:8080/api/v1/":          "http://127.0.0.1:8080",
		"https://orgs.example.test":              "https://orgs.example.test",
		"https://gw.example.test/orgs/api/v1":    "https://gw.example.test/orgs",
		"https://gw.example.test/orgs/":          "https://gw.example.test/orgs",
		"http://[::1]:9000/api/v1":               "http://[::1]:9000",
		"http://localhost:8080/prefix%2Fescaped": "http://localhost:8080/prefix%2Fescaped",
	}
	for in, want := range valid {
		got, err := normalizeEndpoint(in)
		if err != nil || got != want {
			t.Errorf("normalizeEndpoint(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	invalid := map[string]string{
		"":                            "empty",
		"127.0.0.1:8080":              "http:// or https://",
		"localhost:8080":              "http:// or https://",
		"ftp://files.example.test":    "http:// or https://",
		"http://":                     "no host",
		"http://:8080":                "no host",
		"http://user:pw@example.test": "credentials",
		"http://example.test/?a=1":    "query",
		"http://example.test/#top":    "query or fragment",
		"http://exa mple.test":        "not a URL",
	}
	for in, want := range invalid {
		_, err := New(Config{Endpoint: in})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New(endpoint %q) error = %v; want one mentioning %q", in, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "pw@") {
			t.Errorf("error %q repeats the endpoint's password", err)
		}
	}
}

func TestNewValidatesAndDefaults(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]Config{
		"min above max":    {RetryWaitMin: time.Second, RetryWaitMax: time.Millisecond},
		"negative timeout": {RequestTimeout: -time.Second},
		"negative wait":    {RetryWaitMax: -time.Second},
		"token with CRLF":  {Token: "abc\r\nX-Evil: 1"},
	} {
		cfg.Endpoint = "http://127.0.0.1:8080"
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: New accepted %+v", name, cfg)
		}
	}

	c, err := New(Config{Endpoint: "http://127.0.0.1:8080", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	if c.maxRetries != DefaultMaxRetries || c.backoff.min != DefaultRetryWaitMin || c.backoff.max != DefaultRetryWaitMax ||
		c.httpClient.Timeout != DefaultRequestTimeout || c.userAgent != DefaultUserAgent {
		t.Errorf("defaults: retries %d, waits %v..%v, timeout %v, agent %q", c.maxRetries, c.backoff.min, c.backoff.max, c.httpClient.Timeout, c.userAgent)
	}

	// A caller's HTTP client is copied, not changed.
	own := &http.Client{}
	c, err = New(Config{Endpoint: "http://127.0.0.1:8080", HTTPClient: own, RequestTimeout: time.Second, RetryWaitMax: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if own.Timeout != 0 || c.httpClient == own || c.httpClient.Timeout != time.Second {
		t.Errorf("HTTPClient: caller's timeout %v, client's %v", own.Timeout, c.httpClient.Timeout)
	}
	if c.backoff.min != 100*time.Millisecond {
		t.Errorf("min wait %v, want it lowered to the configured maximum", c.backoff.min)
	}
}

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

func TestRequestsCarryHeadersAndEscapedPaths(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		rec.add(r)
		writeJSON(w, 200, map[string]any{})
	}, func(cfg *Config) { cfg.Endpoint += "/api/v1/" })
	ctx := context.Background()

	if _, err := c.GetLabel(ctx, "o1", "example.com/team"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateLabel(ctx, "o1", api.LabelCreate{Key: "example.com/team", Value: "core"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateMember(ctx, "o1", "Ann+ops@Example.com", api.MemberUpdate{}); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteLabel(ctx, "o 1", "a/b"); err != nil {
		t.Fatal(err)
	}

	reqs := rec.all()
	if len(reqs) != 4 {
		t.Fatalf("%d requests, want 4", len(reqs))
	}
	wantPaths := []string{
		"GET /api/v1/orgs/o1/labels/example.com%2Fteam",
		"POST /api/v1/orgs/o1/labels",
		"PATCH /api/v1/orgs/o1/members/Ann+ops@Example.com",
		"DELETE /api/v1/orgs/o%201/labels/a%2Fb",
	}
	for i, r := range reqs {
		if got := r.method + " " + r.rawPath; got != wantPaths[i] {
			t.Errorf("request %d: %s, want %s", i, got, wantPaths[i])
		}
		if got := r.header.Get("Authorization"); got != "Bearer "+testToken {
			t.Errorf("%s: Authorization %q", r.method, got)
		}
		if got := r.header.Get("User-Agent"); got != "terraform-provider-orgs/test" {
			t.Errorf("%s: User-Agent %q", r.method, got)
		}
		hasBody := r.method == http.MethodPost || r.method == http.MethodPatch
		if got := r.header.Get("Content-Type"); (got == api.ContentTypeJSON) != hasBody {
			t.Errorf("%s: Content-Type %q", r.method, got)
		}
		if got := r.header.Get(api.HeaderIdempotencyKey); (got != "") != hasBody {
			t.Errorf("%s: Idempotency-Key %q", r.method, got)
		}
	}
	var sent api.LabelCreate
	if err := json.Unmarshal(reqs[1].body, &sent); err != nil || sent.Key != "example.com/team" || sent.Value != "core" {
		t.Errorf("create body %s (%v)", reqs[1].body, err)
	}
	if string(reqs[2].body) != "{}" {
		t.Errorf("empty PATCH body %s, want {} (absent fields stay as they are)", reqs[2].body)
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

func TestNoTokenSendsNoAuthorization(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		rec.add(r)
		writeJSON(w, 201, api.SignupResponse{User: api.User{ID: "u1"}, Token: "fresh"})
	}, func(cfg *Config) { cfg.Token = "" })
	resp, err := c.Signup(context.Background(), api.SignupRequest{Email: "new@example.com"})
	if err != nil || resp.Token != "fresh" {
		t.Fatalf("Signup = %+v, %v", resp, err)
	}
	if h := rec.all()[0].header; h.Get("Authorization") != "" || h.Get(api.HeaderIdempotencyKey) == "" {
		t.Errorf("headers %v: want no Authorization and an Idempotency-Key", h)
	}
}

func TestEmptyIdentifierIsRefusedBeforeSending(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { rec.add(r) })
	// DELETE /orgs/ would address the collection, not an organization.
	err := c.DeleteOrganization(context.Background(), "")
	if err == nil || !strings.Contains(err.Error(), "org_id is empty") {
		t.Errorf("err = %v, want one naming the empty org_id", err)
	}
	if err := c.RemoveMember(context.Background(), "o1", ""); err == nil || !strings.Contains(err.Error(), "email is empty") {
		t.Errorf("err = %v, want one naming the empty email", err)
	}
	if n := len(rec.all()); n != 0 {
		t.Errorf("%d requests sent", n)
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

func TestListFollowsEveryPage(t *testing.T) {
	t.Parallel()
	const total = 2345
	rec := &recorder{}
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		rec.add(r)
		size, _ := strconv.Atoi(r.URL.Query().Get(api.QueryPageSize))
		start := 0
		if tok := r.URL.Query().Get(api.QueryPageToken); tok != "" {
			start, _ = strconv.Atoi(strings.TrimPrefix(tok, "after-"))
		}
		end := min(start+size, total)
		page := api.Page[api.Member]{Items: []api.Member{}}
		for i := start; i < end; i++ {
			page.Items = append(page.Items, api.Member{Email: fmt.Sprintf("m%d@example.com", i)})
		}
		if end < total {
			page.NextPageToken = fmt.Sprintf("after-%d", end)
		}
		writeJSON(w, 200, page)
	})

	members, err := c.ListMembers(context.Background(), "o1")
	if err != nil {
		t.Fatalf("ListMembers: %v", err)
	}
	if len(members) != total {
		t.Fatalf("%d members, want %d", len(members), total)
	}
	for i, m := range members {
		if want := fmt.Sprintf("m%d@example.com", i); m.Email != want {
			t.Fatalf("member %d is %s, want %s", i, m.Email, want)
		}
	}
	reqs := rec.all()
	wantTokens := []string{"", "after-1000", "after-2000"}
	if len(reqs) != len(wantTokens) {
		t.Fatalf("%d requests, want %d", len(reqs), len(wantTokens))
	}
	for i, r := range reqs {
		q, _ := url.ParseQuery(r.query)
		if q.Get(api.QueryPageSize) != "1000" || q.Get(api.QueryPageToken) != wantTokens[i] || r.path != "/api/v1/orgs/o1/members" {
			t.Errorf("request %d: %s?%s", i, r.path, r.query)
		}
	}
}

func TestListEmptyAndLoopingPages(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/orgs/empty/labels" {
			writeJSON(w, 200, api.Page[api.Label]{})
			return
		}
		writeJSON(w, 200, api.Page[api.Label]{Items: []api.Label{{Key: "k"}}, NextPageToken: "same"})
	})
	labels, err := c.ListLabels(context.Background(), "empty")
	if err != nil || labels == nil || len(labels) != 0 {
		t.Errorf("empty list = %#v, %v; want an empty, non-nil slice", labels, err)
	}
	if _, err := c.ListLabels(context.Background(), "loop"); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("err = %v, want a refusal to follow a repeated page token", err)
	}
}

func TestNonProblemBodyBecomesProblem(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprint(w, "<html>\n  <body>upstream   connect error</body>\n</html>")
	}, func(cfg *Config) { cfg.MaxRetries = 0 })

	_, err := c.GetOrganization(context.Background(), "o1")
	var apiErr *Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v, want *Error", err)
	}
	p := apiErr.Problem
	if p.Status != 502 || p.Title != "Bad Gateway" || p.Type != "about:blank" {
		t.Errorf("problem %+v", p)
	}
	if want := "GET /api/v1/orgs/o1: HTTP 502 Bad Gateway: <html> <body>upstream connect error</body> </html>"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
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

func TestSuccessDecodingErrors(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/orgs/empty" {
			w.WriteHeader(200)
			return
		}
		w.WriteHeader(200)
		fmt.Fprint(w, "not json")
	})
	if _, err := c.GetOrganization(context.Background(), "empty"); err == nil || !strings.Contains(err.Error(), "empty body") {
		t.Errorf("err = %v, want an empty-body error", err)
	}
	if _, err := c.GetOrganization(context.Background(), "garbage"); err == nil || !strings.Contains(err.Error(), "decode response") {
		t.Errorf("err = %v, want a decode error", err)
	}
}

func TestRedirectIsNotFollowed(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		rec.add(r)
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	})
	_, err := c.CreateOrganization(context.Background(), api.OrganizationCreate{Name: "acme"})
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusFound {
		t.Fatalf("err = %v, want *Error with 302", err)
	}
	if n := len(rec.all()); n != 1 {
		t.Errorf("%d requests; the redirect was followed", n)
	}
}
