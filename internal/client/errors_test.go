package client

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

func TestErrorPredicates(t *testing.T) {
	t.Parallel()
	type preds struct {
		notFound, conflict, forbidden, invalid, unauthorized, precondition, limit, lastOwner bool
		orgNotVisible, orgDeleted                                                            bool
	}
	tests := []struct {
		status int
		typ    string
		want   preds
	}{
		{404, api.ProblemNotFound, preds{notFound: true}},
		// Not the API's answer about an object (a proxy's page, a wrong endpoint): never a deletion.
		{404, "", preds{}},
		{404, "about:blank", preds{}},
		// The caller cannot see the organization: never a deletion either.
		{404, api.ProblemOrganizationNotFound, preds{orgNotVisible: true}},
		{410, api.ProblemOrganizationDeleted, preds{notFound: true, orgDeleted: true}},
		{409, api.ProblemConflict, preds{conflict: true}},
		{409, api.ProblemLimitReached, preds{conflict: true, limit: true}},
		{409, api.ProblemLastOwner, preds{conflict: true, lastOwner: true}},
		{403, api.ProblemForbidden, preds{forbidden: true}},
		{422, api.ProblemInvalid, preds{invalid: true}},
		{422, api.ProblemUnknownUser, preds{invalid: true}},
		{400, api.ProblemMalformed, preds{invalid: true}},
		{401, api.ProblemUnauthorized, preds{unauthorized: true}},
		{412, api.ProblemPreconditionFailed, preds{precondition: true}},
		{500, api.ProblemInternal, preds{}},
		{429, api.ProblemRateLimited, preds{}},
	}
	for _, tt := range tests {
		e := &Error{StatusCode: tt.status, Problem: api.Problem{Type: tt.typ, Status: tt.status, Detail: "d"}}
		for _, err := range []error{e, fmt.Errorf("read organization: %w", e)} {
			got := preds{IsNotFound(err), IsConflict(err), IsForbidden(err), IsInvalid(err), IsUnauthorized(err),
				IsPreconditionFailed(err), IsLimitReached(err), IsLastOwner(err), IsOrganizationNotVisible(err), IsOrganizationDeleted(err)}
			if got != tt.want {
				t.Errorf("%d %s (%T): predicates %+v, want %+v", tt.status, tt.typ, err, got, tt.want)
			}
			if ProblemType(err) != tt.typ {
				t.Errorf("ProblemType = %q, want %q", ProblemType(err), tt.typ)
			}
		}
	}

	// A message that merely says "not found" is not an API error.
	plain := errors.New("404 not found")
	if IsNotFound(plain) || IsConflict(plain) || IsInvalid(plain) || ProblemType(plain) != "" || IsNotFound(nil) {
		t.Error("a non-API error matched a predicate")
	}
}

func TestErrorMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  *Error
		want string
	}{
		{
			&Error{StatusCode: 409, Problem: api.Problem{Title: "Conflict", Detail: "the hobby plan allows 1 member"}},
			"the hobby plan allows 1 member",
		},
		{
			&Error{StatusCode: 422, Problem: api.Problem{Title: "Unprocessable Entity", Detail: "validation failed",
				Errors: []api.ProblemError{{Location: "body.email", Message: "not an email"}}}},
			"validation failed; body.email: not an email",
		},
		{&Error{StatusCode: 403, Problem: api.Problem{Title: "Forbidden"}}, "Forbidden"},
		{&Error{StatusCode: 404, Method: "GET", Path: "/api/v1/orgs/x"}, "GET /api/v1/orgs/x: HTTP 404 Not Found"},
		{
			&Error{StatusCode: 503, Attempts: 5, Problem: api.Problem{Detail: "maintenance"}},
			"maintenance (after 5 attempts)",
		},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
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
