package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/servertest"
)

// The HTTP contract: body limits, strict decoding, optimistic concurrency, pagination, rate limits and
// injected faults.

func TestBodyLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	labels := path(api.PathLabels, "org_id", org.ID)

	// A well-formed JSON body of exactly n bytes.
	bodyOf := func(n int) []byte {
		prefix, suffix := `{"key":"big","value":"`, `"}`
		return []byte(prefix + strings.Repeat("v", n-len(prefix)-len(suffix)) + suffix)
	}
	tests := []struct {
		name string
		body any
		want int
	}{
		{"1 MiB + 1 with a length", bodyOf(api.MaxBodyBytes + 1), http.StatusRequestEntityTooLarge},
		{"1 MiB + 1 streamed", streamed{bytes.NewReader(bodyOf(api.MaxBodyBytes + 1))}, http.StatusRequestEntityTooLarge},
		{"8 MiB streamed", streamed{bytes.NewReader(bodyOf(8 * api.MaxBodyBytes))}, http.StatusRequestEntityTooLarge},
		// At the limit the body is read, and refused for what it says (the value is too long).
		{"exactly 1 MiB", bodyOf(api.MaxBodyBytes), http.StatusUnprocessableEntity},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h.expect(t, tc.want, owner.Token, http.MethodPost, labels, tc.body)
		})
	}
	if n := len(listAll[api.Label](t, h, owner.Token, labels, 0)); n != 0 {
		t.Fatalf("%d labels after refused bodies", n)
	}
}

// TestStrictDecoding: unknown fields and fields the caller may not set are refused with a 422 that names
// the field, and nothing is created or changed.
func TestStrictDecoding(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	w := h.newWorld(t, api.PlanTeam)
	p := w.params()

	// with merges extra fields into a valid body.
	with := func(body any, extra map[string]any) map[string]any {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]any{}
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	opOf := func(method, route string) operation { return operation{method, route} }
	tests := []struct {
		op    operation
		field string
		value any
	}{
		{opOf(http.MethodPost, api.PathUsers), "id", "usr_chosen"},
		{opOf(http.MethodPost, api.PathUsers), "created_at", "2020-01-01T00:00:00Z"},
		{opOf(http.MethodPost, api.PathOrganizations), "id", "org_chosen"},
		{opOf(http.MethodPost, api.PathOrganizations), "created_at", "2020-01-01T00:00:00Z"},
		{opOf(http.MethodPost, api.PathOrganizations), "owner", "someone"},
		{opOf(http.MethodPatch, api.PathOrganization), "id", "org_chosen"},
		{opOf(http.MethodPatch, api.PathOrganization), "updated_at", "2020-01-01T00:00:00Z"},
		{opOf(http.MethodPatch, api.PathOrganization), "organization_id", "org_other"},
		{opOf(http.MethodPost, api.PathMembers), "organization_id", w.OtherOrg.ID},
		{opOf(http.MethodPost, api.PathMembers), "user_id", w.Outsider.ID},
		{opOf(http.MethodPatch, api.PathMember), "email", "other@example.test"},
		{opOf(http.MethodPost, api.PathInvitations), "status", "accepted"},
		{opOf(http.MethodPost, api.PathInvitations), "expires_at", "2099-01-01T00:00:00Z"},
		{opOf(http.MethodPost, api.PathAPITokens), "token", "orgs_ot_chosen"},
		{opOf(http.MethodPost, api.PathAPITokens), "hash", strings.Repeat("0", 64)},
		{opOf(http.MethodPost, api.PathAPITokens), "active", true},
		{opOf(http.MethodPost, api.PathAPITokens), "created_by", w.Outsider.ID},
		{opOf(http.MethodPost, api.PathContainerRegistries), "id", "reg_chosen"},
		{opOf(http.MethodPost, api.PathContainerRegistries), "organization_id", w.OtherOrg.ID},
		{opOf(http.MethodPatch, api.PathContainerRegistry), "kind", "ecr"},
		{opOf(http.MethodPost, api.PathLabels), "organization_id", w.OtherOrg.ID},
		{opOf(http.MethodPost, api.PathLabels), "created_at", "2020-01-01T00:00:00Z"},
		{opOf(http.MethodPatch, api.PathLabel), "key", "other"},
		{opOf(http.MethodPost, api.PathEnvironments), "default", true},
		{opOf(http.MethodPost, api.PathEnvironments), "status", "connected"},
		{opOf(http.MethodPatch, api.PathEnvironment), "id", "env_chosen"},
		{opOf(http.MethodPatch, api.PathEnvironment), "slug", "other"},
		{opOf(http.MethodPost, api.PathPersonalTokens), "user_id", w.Outsider.ID},
		{opOf(http.MethodPost, api.PathInvitationAccept), "email", "someone@example.test"},
	}
	for _, tc := range tests {
		t.Run(tc.op.String()+"/"+tc.field, func(t *testing.T) {
			route := fill(t, tc.op.Route, p)
			readable := tc.op.Route != api.PathUsers && tc.op.Route != api.PathInvitationAccept
			var before []byte
			if readable {
				before = h.expect(t, http.StatusOK, w.Owner.Token, http.MethodGet, route, nil).Body
			}
			body := with(h.validBody(t, w, tc.op), map[string]any{tc.field: tc.value})
			prob := h.expectProblem(t, http.StatusUnprocessableEntity, api.ProblemInvalid, w.Owner.Token, tc.op.Method, route, body)
			if !strings.Contains(prob.Detail, tc.field) {
				t.Errorf("the refusal does not name %s: %q", tc.field, prob.Detail)
			}
			if readable {
				if after := h.expect(t, http.StatusOK, w.Owner.Token, http.MethodGet, route, nil).Body; !bytes.Equal(before, after) {
					t.Errorf("a refused body changed %s:\nbefore %s\nafter  %s", route, before, after)
				}
			}
		})
	}
}

func TestMalformedRequests(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	labels := path(api.PathLabels, "org_id", org.ID)
	tests := []struct {
		name         string
		method, path string
		body         any
		want         int
		problemType  string
	}{
		{"truncated JSON", http.MethodPost, labels, `{"key": "a", `, http.StatusBadRequest, api.ProblemMalformed},
		{"not JSON", http.MethodPost, labels, `key=a`, http.StatusBadRequest, api.ProblemMalformed},
		{"a JSON array", http.MethodPost, labels, `[]`, http.StatusUnprocessableEntity, api.ProblemInvalid},
		{"a wrong type", http.MethodPost, labels, `{"key": 5, "value": "v"}`, http.StatusUnprocessableEntity, api.ProblemInvalid},
		{"a missing field", http.MethodPost, path(api.PathOrganizations), `{"name": "x"}`, http.StatusUnprocessableEntity, api.ProblemInvalid},
		{"an unknown enum value", http.MethodPost, path(api.PathAPITokens, "org_id", org.ID), `{"name": "x", "role": "superuser"}`, http.StatusUnprocessableEntity, api.ProblemInvalid},
		{"a NUL in a name", http.MethodPatch, path(api.PathOrganization, "org_id", org.ID), `{"name": "a\u0000b"}`, http.StatusUnprocessableEntity, api.ProblemInvalid},
		{"an unknown query parameter", http.MethodGet, labels + "?sort=key", nil, http.StatusUnprocessableEntity, api.ProblemInvalid},
		{"page size too large", http.MethodGet, labels + "?page_size=1001", nil, http.StatusUnprocessableEntity, api.ProblemInvalid},
		{"page size zero", http.MethodGet, labels + "?page_size=0", nil, http.StatusUnprocessableEntity, api.ProblemInvalid},
		{"a forged page token", http.MethodGet, labels + "?page_token=forged", nil, http.StatusUnprocessableEntity, api.ProblemInvalid},
		{"an unknown route", http.MethodGet, api.BasePath + "/nothing", nil, http.StatusNotFound, api.ProblemNotFound},
		{"an unknown object", http.MethodGet, path(api.PathLabel, "org_id", org.ID, "key", "missing"), nil, http.StatusNotFound, api.ProblemNotFound},
		// The API defines no type of its own for 405; any of its types will do (checkResponse).
		{"a method the route lacks", http.MethodPut, labels, `{}`, http.StatusMethodNotAllowed, ""},
		{"an empty Idempotency-Key", http.MethodPost, labels, h.labelBody(), http.StatusUnprocessableEntity, api.ProblemInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var hdr []string
			if tc.name == "an empty Idempotency-Key" {
				hdr = []string{api.HeaderIdempotencyKey, ""}
			}
			if tc.problemType == "" {
				h.expect(t, tc.want, owner.Token, tc.method, tc.path, tc.body, hdr...)
				return
			}
			h.expectProblem(t, tc.want, tc.problemType, owner.Token, tc.method, tc.path, tc.body, hdr...)
		})
	}
	if n := len(listAll[api.Label](t, h, owner.Token, labels, 0)); n != 0 {
		t.Fatalf("%d labels after malformed requests", n)
	}
}

// TestUnroutedRequests: a request no route takes gets a problem naming what was wrong: a path that is
// not in canonical form (400), no route (404, a trailing slash included: paths are exact), or a method
// the route lacks (405, with the Allow header of the methods it has).
func TestUnroutedRequests(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	labels := path(api.PathLabels, "org_id", org.ID)
	for _, c := range []struct {
		method, path string
		want         int
		detail       string
	}{
		{http.MethodGet, api.BasePath + "/nothing", http.StatusNotFound, "no such route: GET " + api.BasePath + "/nothing"},
		{http.MethodGet, labels + "/", http.StatusNotFound, "no such route: GET " + labels + "/"},
		{http.MethodGet, "/", http.StatusNotFound, "no such route: GET /"},
		{http.MethodPut, labels, http.StatusMethodNotAllowed, "method PUT is not allowed on " + labels},
		{http.MethodGet, labels + "/../labels", http.StatusBadRequest, "is not in canonical form"},
		{http.MethodGet, api.BasePath + "//organizations", http.StatusBadRequest, "is not in canonical form"},
	} {
		r := h.expect(t, c.want, owner.Token, c.method, c.path, nil)
		if p := r.problem(t); !strings.Contains(p.Detail, c.detail) {
			t.Errorf("%s %s: detail %q, want it to say %q", c.method, c.path, p.Detail, c.detail)
		}
		allow := r.Header.Get("Allow")
		if c.want == http.StatusMethodNotAllowed && (!strings.Contains(allow, http.MethodGet) || !strings.Contains(allow, http.MethodPost)) {
			t.Errorf("%s %s: Allow %q, want the route's GET and POST", c.method, c.path, allow)
		}
		if c.want != http.StatusMethodNotAllowed && allow != "" {
			t.Errorf("%s %s: Allow %q on a %d", c.method, c.path, allow, c.want)
		}
	}
}

// TestIfMatch runs optimistic concurrency on every PATCH of the route table: reads carry an ETag, a
// PATCH with a stale or unknown If-Match is refused with 412 and changes nothing, a PATCH with the
// current one succeeds and returns the new ETag.
func TestIfMatch(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	w := h.newWorld(t, api.PlanTeam)
	patched := 0
	for _, op := range operations(t) {
		if op.Method != http.MethodPatch {
			continue
		}
		patched++
		t.Run(op.String(), func(t *testing.T) {
			route := fill(t, op.Route, w.paramsFor(op.Route))
			read := func() *response { return h.expect(t, http.StatusOK, w.Owner.Token, http.MethodGet, route, nil) }
			first := read()
			etag := first.Header.Get(api.HeaderETag)
			if etag == "" {
				t.Fatalf("GET %s has no ETag", route)
			}
			h.expectProblem(t, http.StatusPreconditionFailed, api.ProblemPreconditionFailed, w.Owner.Token, http.MethodPatch, route, h.validBody(t, w, op), api.HeaderIfMatch, `"not-the-etag"`)
			if again := read(); !bytes.Equal(again.Body, first.Body) || again.Header.Get(api.HeaderETag) != etag {
				t.Fatalf("a refused PATCH changed the object:\nbefore %s\nafter  %s", first.Body, again.Body)
			}

			ok := h.expect(t, http.StatusOK, w.Owner.Token, http.MethodPatch, route, h.validBody(t, w, op), api.HeaderIfMatch, etag)
			next := ok.Header.Get(api.HeaderETag)
			if next == "" || next == etag {
				t.Fatalf("PATCH answered ETag %q after %q", next, etag)
			}
			if got := read().Header.Get(api.HeaderETag); got != next {
				t.Fatalf("GET after PATCH has ETag %q, the PATCH answered %q", got, next)
			}
			h.expectProblem(t, http.StatusPreconditionFailed, api.ProblemPreconditionFailed, w.Owner.Token, http.MethodPatch, route, h.validBody(t, w, op), api.HeaderIfMatch, etag)
			// If-Match is optional: without it the PATCH applies.
			h.expect(t, http.StatusOK, w.Owner.Token, http.MethodPatch, route, h.validBody(t, w, op))
		})
	}
	if patched < 5 {
		t.Fatalf("only %d PATCH operations in the route table", patched)
	}
}

// TestPagination walks every list of the route table one item per page and compares with one big page;
// and a longer list with a few sizes. No item is missed or repeated.
func TestPagination(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	w := h.newWorld(t, api.PlanTeam)
	for range 23 {
		h.createLabel(t, w.Owner.Token, w.Org.ID)
	}
	lists := 0
	for _, op := range operations(t) {
		if op.Method != http.MethodGet || op.Route == api.PathCurrentUser || strings.HasSuffix(op.Route, "}") || op.Route == api.PathUsage {
			continue
		}
		lists++
		t.Run(op.Route, func(t *testing.T) {
			route := fill(t, op.Route, w.paramsFor(op.Route))
			whole := listAll[json.RawMessage](t, h, w.Owner.Token, route, api.MaxPageSize)
			if len(whole) == 0 {
				t.Fatalf("%s is empty; the test would prove nothing", route)
			}
			for _, size := range []int{1, 2, 7} {
				paged := listAll[json.RawMessage](t, h, w.Owner.Token, route, size)
				if !slices.EqualFunc(whole, paged, func(a, b json.RawMessage) bool { return bytes.Equal(a, b) }) {
					t.Errorf("page size %d: %d items, whole list %d, or a different order", size, len(paged), len(whole))
				}
			}
			// Without page_size, the default page.
			page := decode[api.Page[json.RawMessage]](t, h.expect(t, http.StatusOK, w.Owner.Token, http.MethodGet, route, nil))
			if want := min(len(whole), api.DefaultPageSize); len(page.Items) != want {
				t.Errorf("default page has %d items, want %d", len(page.Items), want)
			}
		})
	}
	if lists < 9 {
		t.Fatalf("only %d lists in the route table", lists)
	}

	labels := listAll[api.Label](t, h, w.Owner.Token, path(api.PathLabels, "org_id", w.Org.ID), 5)
	seen := map[string]bool{}
	for _, l := range labels {
		if seen[l.Key] {
			t.Errorf("label %s listed twice", l.Key)
		}
		seen[l.Key] = true
	}
	if len(seen) != 24 {
		t.Errorf("%d distinct labels over pages of 5, want 24", len(seen))
	}
}

// TestPaginationUnderChange: objects added or removed while a client pages never make it skip or repeat
// an object that was there all along.
func TestPaginationUnderChange(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	labelsPath := path(api.PathLabels, "org_id", org.ID)
	var stable, volatile []string
	for i := range 12 {
		l := h.createLabel(t, owner.Token, org.ID)
		if i%3 == 0 {
			volatile = append(volatile, l.Key)
		} else {
			stable = append(stable, l.Key)
		}
	}
	var seen []string
	token := ""
	for page := 0; ; page++ {
		q := "?page_size=4"
		if token != "" {
			q += "&page_token=" + token
		}
		p := decode[api.Page[api.Label]](t, h.expect(t, http.StatusOK, owner.Token, http.MethodGet, labelsPath+q, nil))
		for _, l := range p.Items {
			seen = append(seen, l.Key)
		}
		if page == 0 {
			// Between pages: delete some labels (on this page and later ones) and add new ones.
			for _, k := range volatile {
				h.expect(t, http.StatusNoContent, owner.Token, http.MethodDelete, path(api.PathLabel, "org_id", org.ID, "key", k), nil)
			}
			h.createLabel(t, owner.Token, org.ID)
		}
		if p.NextPageToken == "" {
			break
		}
		token = p.NextPageToken
	}
	count := map[string]int{}
	for _, k := range seen {
		count[k]++
	}
	for _, k := range stable {
		if count[k] != 1 {
			t.Errorf("label %s seen %d times while paging, want 1", k, count[k])
		}
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	const burst = 4
	h := newHarness(t, servertest.WithRateLimit(server.RateLimit{PerSecond: 0.01, Burst: burst}))
	a, b := h.signup(t), h.signup(t)
	for i := range burst - 1 { // proving the address at sign-up took one
		r := h.expect(t, http.StatusOK, a.Token, http.MethodGet, api.PathCurrentUser, nil)
		checkRateLimitFields(t, r, burst, 400, burst-2-i)
	}
	p := h.expect(t, http.StatusTooManyRequests, a.Token, http.MethodGet, api.PathCurrentUser, nil)
	checkRateLimitFields(t, p, burst, 400, 0)
	last := h.expect(t, http.StatusTooManyRequests, a.Token, http.MethodPost, api.PathOrganizations, h.orgCreateBody(api.PlanHobby))
	if s, err := strconv.Atoi(last.Header.Get(api.HeaderRetryAfter)); err != nil || s < 1 {
		t.Errorf("Retry-After %q: want whole seconds, at least 1", last.Header.Get(api.HeaderRetryAfter))
	}
	// Per user: another user is not held back by the first.
	h.expect(t, http.StatusOK, b.Token, http.MethodGet, api.PathCurrentUser, nil)
	if n := countRows(t, h, "organizations"); n != 0 {
		t.Fatalf("a rate-limited create made %d organizations", n)
	}
}

// checkRateLimitFields checks the IETF RateLimit fields: the policy (a bucket of q refilling in w
// seconds) and the caller's state (r whole requests left, t seconds until full).
func checkRateLimitFields(tb testing.TB, r *response, q, w, remaining int) {
	tb.Helper()
	if got, want := r.Header.Get(api.HeaderRateLimitPolicy), fmt.Sprintf(`"default";q=%d;w=%d`, q, w); got != want {
		tb.Errorf("%s: %s %q, want %q", r, api.HeaderRateLimitPolicy, got, want)
	}
	state := r.Header.Get(api.HeaderRateLimit)
	var gotR, gotT int
	if _, err := fmt.Sscanf(state, `"default";r=%d;t=%d`, &gotR, &gotT); err != nil {
		tb.Errorf("%s: %s %q: %v", r, api.HeaderRateLimit, state, err)
		return
	}
	if gotR != remaining || gotT <= 0 || gotT > w {
		tb.Errorf("%s: %s %q, want r=%d and 0 < t <= %d", r, api.HeaderRateLimit, state, remaining, w)
	}
}

// TestRateLimitPerUserAndAddress (finding 7): a user's credentials, personal tokens and the
// organization tokens they made, share one budget; requests without a credential, and with one that
// fails, share their address's budget.
func TestRateLimitPerUserAndAddress(t *testing.T) {
	t.Parallel()
	const burst = 12
	h := newHarness(t, servertest.WithRateLimit(server.RateLimit{PerSecond: 0.01, Burst: burst}))
	u := h.signup(t) // 1 of u's budget (proving the address)
	org := h.createOrg(t, u.Token, api.PlanTeam)
	creds := []string{u.Token, h.createAPIToken(t, u.Token, org.ID, api.RoleAdmin).Token}
	for range 3 {
		creds = append(creds, h.createPersonalToken(t, u.Token).Token)
	}
	used := 1 + 1 + 1 + 3
	allowed := 0
	for i := range 2 * burst {
		r := h.do(t, creds[i%len(creds)], http.MethodGet, api.PathCurrentUser, nil)
		if r.Status == http.StatusTooManyRequests {
			continue
		}
		allowed++
	}
	if allowed != burst-used {
		t.Fatalf("%d requests over %d credentials of one user were allowed, want the one budget's remaining %d", allowed, len(creds), burst-used)
	}

	// Without a credential, or with a bad one, the address pays (the sign-ups above took 1).
	anon := 0
	for i := range 2 * burst {
		var r *response
		if i%2 == 0 {
			r = h.do(t, anonymous, http.MethodGet, api.PathOpenAPI, nil)
		} else {
			r = h.do(t, "orgs_pat_"+h.unique("guess"), http.MethodGet, api.PathCurrentUser, nil)
		}
		if r.Status != http.StatusTooManyRequests {
			anon++
		}
	}
	if anon != burst-1 {
		t.Fatalf("%d anonymous and failed requests from one address were allowed, want %d", anon, burst-1)
	}
}

func countRows(tb testing.TB, h *harness, table string) int {
	tb.Helper()
	var n int
	if err := openDB(tb, h.DBPath).QueryRow(fmt.Sprintf(`SELECT count(*) FROM "%s"`, table)).Scan(&n); err != nil {
		tb.Fatalf("count %s: %v", table, err)
	}
	return n
}

// bootstrapped starts a server with faults, and the token of the user it was given without going
// through the (faulty) API.
func bootstrapped(t *testing.T, faults server.Faults) (*harness, string) {
	t.Helper()
	h := newHarness(t, servertest.WithFaults(faults))
	return h, h.OwnerToken
}

func TestFaultsBeforeWork(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		faults server.Faults
		want   int
	}{
		{"429", server.Faults{Fraction429: 1}, http.StatusTooManyRequests},
		{"503", server.Faults{Fraction503: 1}, http.StatusServiceUnavailable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, token := bootstrapped(t, tc.faults)
			for range 5 {
				h.expect(t, tc.want, token, http.MethodGet, api.PathCurrentUser, nil)
				h.expect(t, tc.want, token, http.MethodPost, api.PathOrganizations, h.orgCreateBody(api.PlanHobby), api.HeaderIdempotencyKey, h.unique("k"))
				h.expect(t, tc.want, anonymous, http.MethodPost, api.PathUsers, api.SignupRequest{Email: h.email()})
			}
			if n := countRows(t, h, "organizations"); n != 0 {
				t.Fatalf("a request answered %d before doing anything made %d organizations", tc.want, n)
			}
			if n := countRows(t, h, "users"); n != 1 {
				t.Fatalf("%d users, want only the bootstrapped one", n)
			}
		})
	}
}

// TestFaultCommitThen503: the write is done and committed, the answer is a 503; a replay with the same
// Idempotency-Key gets the original 201, and no duplicate is made.
func TestFaultCommitThen503(t *testing.T) {
	t.Parallel()
	h, token := bootstrapped(t, server.Faults{FractionCommitThen503: 1})
	key := h.unique("key")
	body := h.orgCreateBody(api.PlanTeam)

	h.expectProblem(t, http.StatusServiceUnavailable, api.ProblemUnavailable, token, http.MethodPost, api.PathOrganizations, body, api.HeaderIdempotencyKey, key)
	orgs := listAll[api.Organization](t, h, token, api.PathOrganizations, 0)
	if len(orgs) != 1 || orgs[0].Name != body.Name {
		t.Fatalf("after a commit-then-503 the organizations are %+v, want the one created", orgs)
	}
	for range 3 {
		replay := decode[api.Organization](t, h.expect(t, http.StatusCreated, token, http.MethodPost, api.PathOrganizations, body, api.HeaderIdempotencyKey, key))
		if replay.ID != orgs[0].ID {
			t.Fatalf("the replay answered organization %s, the one created is %s", replay.ID, orgs[0].ID)
		}
	}
	if n := len(listAll[api.Organization](t, h, token, api.PathOrganizations, 0)); n != 1 {
		t.Fatalf("%d organizations after replays, want 1", n)
	}
	// Reads are not writes: they answer normally.
	h.expect(t, http.StatusOK, token, http.MethodGet, path(api.PathOrganization, "org_id", orgs[0].ID), nil)
}

func TestFaultLatency(t *testing.T) {
	t.Parallel()
	const latency = 50 * time.Millisecond
	h, token := bootstrapped(t, server.Faults{Latency: latency})
	start := time.Now()
	h.expect(t, http.StatusOK, token, http.MethodGet, api.PathCurrentUser, nil)
	if d := time.Since(start); d < latency {
		t.Fatalf("a request took %s with %s of injected latency", d, latency)
	}
}

func TestFaultConfigValidated(t *testing.T) {
	t.Parallel()
	for _, f := range []server.Faults{{Fraction429: 1.5}, {Fraction503: -0.1}, {FractionCommitThen503: 2}, {Latency: -time.Second}} {
		if _, err := server.New(server.Config{DBPath: t.TempDir() + "/orgs.db", Faults: f}); err == nil {
			t.Errorf("server.New accepted faults %+v", f)
		}
	}
}

// TestOpenAPIServed: the document the server serves is server.OpenAPI(), and it describes the API's
// own problem type and routes.
func TestOpenAPIServed(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	want, err := server.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	got := h.expect(t, http.StatusOK, anonymous, http.MethodGet, api.PathOpenAPI, nil)
	if !bytes.Equal(got.Body, want) {
		t.Fatalf("served document differs from server.OpenAPI()")
	}
	var doc struct {
		OpenAPI string `json:"openapi"`
	}
	if err := json.Unmarshal(want, &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Fatalf("openapi version %q (%v), want 3.1", doc.OpenAPI, err)
	}
}
