package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

func TestHumaErrorsAreProblems(t *testing.T) {
	t.Parallel()
	err := huma.NewError(http.StatusUnprocessableEntity, "validation failed",
		&huma.ErrorDetail{Location: "body.admin_contact_emails[1]", Message: "expected string", Value: "secret-value"})
	p, ok := err.(*problem)
	if !ok {
		t.Fatalf("huma.NewError returned %T, want *problem", err)
	}
	if p.Type != api.ProblemInvalid || p.Status != 422 || !strings.Contains(p.Detail, "admin_contact_emails[1]") {
		t.Errorf("validation problem = %+v", p)
	}
	b, _ := json.Marshal(p)
	if bytes.Contains(b, []byte("secret-value")) {
		t.Errorf("the problem echoes the offending value: %s", b)
	}
	malformed := asProblem(t, huma.NewError(http.StatusBadRequest, "validation failed", &huma.ErrorDetail{Location: "body", Message: "unexpected EOF"}))
	if malformed.Type != api.ProblemMalformed || !strings.Contains(malformed.Detail, "not valid JSON") {
		t.Errorf("malformed problem = %+v", malformed)
	}
	internal := asProblem(t, huma.NewError(http.StatusInternalServerError, "boom", errors.New("database is on fire")))
	if strings.Contains(internal.Detail, "fire") || internal.Errors != nil {
		t.Errorf("a 500 leaks its cause: %+v", internal)
	}
}

// TestProblemTypeFor: every status huma or net/http can raise by itself gets its problem type; a status
// the API has no type for is malformed below 500 and internal from 500 on.
func TestProblemTypeFor(t *testing.T) {
	t.Parallel()
	for status, want := range map[int]string{
		400: api.ProblemMalformed, 406: api.ProblemMalformed, 408: api.ProblemMalformed, 415: api.ProblemMalformed,
		401: api.ProblemUnauthorized, 403: api.ProblemForbidden, 404: api.ProblemNotFound, 405: api.ProblemNotFound,
		409: api.ProblemConflict, 412: api.ProblemPreconditionFailed, 413: api.ProblemTooLarge,
		422: api.ProblemInvalid, 429: api.ProblemRateLimited, 503: api.ProblemUnavailable,
		418: api.ProblemMalformed, 431: api.ProblemMalformed, 499: api.ProblemMalformed,
		500: api.ProblemInternal, 501: api.ProblemInternal, 502: api.ProblemInternal, 505: api.ProblemInternal,
	} {
		if got := problemTypeFor(status); got != want {
			t.Errorf("problemTypeFor(%d) = %q, want %q", status, got, want)
		}
	}
}

// TestHumaErrorDetailNamesTheField: the detail of an error huma raised names each offending field the
// way a user knows it, whatever part of the request it is in.
func TestHumaErrorDetailNamesTheField(t *testing.T) {
	t.Parallel()
	detail := func(location, message string) *huma.ErrorDetail {
		return &huma.ErrorDetail{Location: location, Message: message}
	}
	for _, c := range []struct {
		status int
		errs   []error
		want   string
	}{
		{422, []error{detail("query.page_size", "must be at most 100")}, "invalid request: page_size (query parameter): must be at most 100"},
		{422, []error{detail("path.org_id", "too long")}, "invalid request: org_id (path parameter): too long"},
		{422, []error{detail("header.If-Match", "expected a quoted ETag")}, "invalid request: If-Match (header): expected a quoted ETag"},
		{422, []error{detail("body", "expected object")}, "invalid request: body: expected object"},
		{422, []error{detail("cookie.x", "unexpected")}, "invalid request: cookie.x: unexpected"},
		{422, []error{nil, detail("body.name", "expected string"), errors.New("and something else")},
			"invalid request: name: expected string; and something else"},
		{400, []error{detail("query.cursor", "not a page token")}, "bad request: cursor (query parameter): not a page token"},
		{404, nil, "no such route"},
		{422, nil, "validation failed"}, // no field to name: the message alone
	} {
		p := asProblem(t, huma.NewError(c.status, map[int]string{400: "bad request", 404: "no such route", 422: "validation failed"}[c.status], c.errs...))
		if p.Detail != c.want {
			t.Errorf("huma.NewError(%d, %v): detail %q, want %q", c.status, c.errs, p.Detail, c.want)
		}
	}
	if p := asProblem(t, huma.NewError(http.StatusNotFound, "")); p.Detail != "Not Found" {
		t.Errorf("an error without a message has detail %q, want its status text", p.Detail)
	}
	if p := asProblem(t, huma.NewError(422, "", nil, detail("body.name", "expected string"))); len(p.Errors) != 1 {
		t.Errorf("errors %+v, want the one that is not nil", p.Errors)
	}
}

func asProblem(t *testing.T, err huma.StatusError) *problem {
	t.Helper()
	p, ok := err.(*problem)
	if !ok {
		t.Fatalf("huma.NewError made a %T, not the server's *problem", err)
	}
	return p
}
