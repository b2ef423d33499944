package server

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// problem is the body of every error response: an RFC 9457 problem document with one of the api.Problem*
// types. It is the server's huma error model, so huma's own errors (validation, malformed bodies,
// content negotiation) come out in the same shape as the handlers' errors.
type problem struct {
	Type     string             `json:"type" doc:"Stable, machine-readable problem type (urn:orgs:problem:...). Decide on this and the status, never on the text."`
	Title    string             `json:"title" doc:"Short summary of the problem type."`
	Status   int                `json:"status" doc:"The HTTP status code."`
	Detail   string             `json:"detail" doc:"What went wrong in this request, naming the field or the rule."`
	Instance string             `json:"instance,omitempty"`
	Errors   []api.ProblemError `json:"errors,omitempty" doc:"The invalid parts of the request, one per problem."`

	headers http.Header // sent with the problem (Retry-After)
}

func (p *problem) Error() string { return p.Detail }

// GetHeaders makes huma send the problem's headers with it.
func (p *problem) GetHeaders() http.Header { return p.headers }
func (p *problem) GetStatus() int          { return p.Status }

// ContentType makes huma send errors as application/problem+json whatever JSON type was negotiated.
func (p *problem) ContentType(string) string { return api.ContentTypeError }

func init() {
	// huma builds its own errors (bad JSON, schema violations, 406, 415) through this hook. It is set once,
	// here, so that every error the server can send has a problem type and a detail naming the field.
	huma.NewError = newHumaError
}

// problemTypeFor is the problem type of an error huma raised itself, which knows only the status.
func problemTypeFor(status int) string {
	switch status {
	case http.StatusBadRequest, http.StatusNotAcceptable, http.StatusUnsupportedMediaType, http.StatusRequestTimeout:
		return api.ProblemMalformed
	case http.StatusUnauthorized:
		return api.ProblemUnauthorized
	case http.StatusForbidden:
		return api.ProblemForbidden
	case http.StatusNotFound, http.StatusMethodNotAllowed:
		return api.ProblemNotFound
	case http.StatusConflict:
		return api.ProblemConflict
	case http.StatusPreconditionFailed:
		return api.ProblemPreconditionFailed
	case http.StatusRequestEntityTooLarge:
		return api.ProblemTooLarge
	case http.StatusUnprocessableEntity:
		return api.ProblemInvalid
	case http.StatusTooManyRequests:
		return api.ProblemRateLimited
	case http.StatusServiceUnavailable:
		return api.ProblemUnavailable
	}
	if status >= 500 {
		return api.ProblemInternal
	}
	return api.ProblemMalformed
}

func newHumaError(status int, msg string, errs ...error) huma.StatusError {
	p := &problem{Type: problemTypeFor(status), Title: http.StatusText(status), Status: status}
	var parts []string
	for _, err := range errs {
		if err == nil {
			continue
		}
		var pe api.ProblemError
		if d, ok := err.(huma.ErrorDetailer); ok {
			detail := d.ErrorDetail()
			// The offending value is left out on purpose: it may be a secret (a password that is too
			// long) or the whole body (a JSON syntax error), neither of which belongs in an error.
			pe = api.ProblemError{Message: detail.Message, Location: detail.Location}
		} else {
			pe = api.ProblemError{Message: err.Error()}
		}
		p.Errors = append(p.Errors, pe)
		if pe.Location != "" {
			parts = append(parts, fieldName(pe.Location)+": "+pe.Message)
		} else {
			parts = append(parts, pe.Message)
		}
	}
	switch {
	case status == http.StatusBadRequest && len(parts) > 0 && strings.HasPrefix(firstLocation(p.Errors), "body"):
		p.Detail = "the request body is not valid JSON: " + strings.Join(parts, "; ")
	case status == http.StatusUnprocessableEntity && len(parts) > 0:
		p.Detail = "invalid request: " + strings.Join(parts, "; ")
	case status >= 500:
		// Never echo an internal error to the client; the server logs it.
		p.Detail = msg
		p.Errors = nil
	case len(parts) > 0:
		p.Detail = msg + ": " + strings.Join(parts, "; ")
	default:
		p.Detail = msg
	}
	if p.Detail == "" {
		p.Detail = p.Title
	}
	return p
}

func firstLocation(errs []api.ProblemError) string {
	if len(errs) == 0 {
		return ""
	}
	return errs[0].Location
}

// fieldName turns a huma location ("body.admin_contact_emails[1]", "query.page_size") into the name a
// user knows ("admin_contact_emails[1]", "page_size (query parameter)").
func fieldName(location string) string {
	switch {
	case location == "body":
		return "body"
	case strings.HasPrefix(location, "body."):
		return strings.TrimPrefix(location, "body.")
	case strings.HasPrefix(location, "query."):
		return strings.TrimPrefix(location, "query.") + " (query parameter)"
	case strings.HasPrefix(location, "path."):
		return strings.TrimPrefix(location, "path.") + " (path parameter)"
	case strings.HasPrefix(location, "header."):
		return strings.TrimPrefix(location, "header.") + " (header)"
	}
	return location
}

// newProblem builds an error for a handler to return.
func newProblem(status int, typ, format string, args ...any) *problem {
	return &problem{Type: typ, Title: http.StatusText(status), Status: status, Detail: fmt.Sprintf(format, args...)}
}

// invalidField is a 422 naming the field that is wrong.
func invalidField(field string, err error) *problem {
	p := newProblem(http.StatusUnprocessableEntity, api.ProblemInvalid, "%s: %v", field, err)
	p.Errors = []api.ProblemError{{Message: err.Error(), Location: "body." + field}}
	return p
}

func errNotFound(format string, args ...any) *problem {
	return newProblem(http.StatusNotFound, api.ProblemNotFound, format, args...)
}

// errOrganizationNotFound is the answer for an organization the caller cannot see, whatever the reason
// (contributing/threat-model.md): it must read the same for an id that never existed.
func errOrganizationNotFound(orgID string) *problem {
	return newProblem(http.StatusNotFound, api.ProblemOrganizationNotFound, "organization %q not found", orgID)
}

// errOrganizationDeleted is the answer, to those who could see it, for an organization that was deleted.
func errOrganizationDeleted(orgID string, deletedAt string) *problem {
	return newProblem(http.StatusGone, api.ProblemOrganizationDeleted,
		"organization %q was deleted at %s, with everything it held", orgID, deletedAt)
}

func errForbidden(format string, args ...any) *problem {
	return newProblem(http.StatusForbidden, api.ProblemForbidden, format, args...)
}

func errConflict(format string, args ...any) *problem {
	return newProblem(http.StatusConflict, api.ProblemConflict, format, args...)
}

func errLimit(format string, args ...any) *problem {
	return newProblem(http.StatusConflict, api.ProblemLimitReached, format, args...)
}

func errLastOwner(format string, args ...any) *problem {
	return newProblem(http.StatusConflict, api.ProblemLastOwner, format, args...)
}

// errTooSoon is a 429 for a rule that makes a request wait (not the rate limit), with Retry-After.
func errTooSoon(wait time.Duration, format string, args ...any) *problem {
	p := newProblem(http.StatusTooManyRequests, api.ProblemRateLimited, format, args...)
	p.headers = http.Header{api.HeaderRetryAfter: {strconv.Itoa(int(math.Ceil(wait.Seconds())))}}
	return p
}

// errDeadCredential is the one answer for every credential that does not work: unknown, revoked,
// expired, or an organization token whose creator left or whose organization was deleted. One text for
// all, so that a dead organization token never tells whether its organization still exists.
func errDeadCredential() *problem {
	return errUnauthorized("the token is not valid: it is unknown, revoked or expired, or it is an organization API token " +
		"whose creator is no longer a member of its organization; use a valid token")
}

func errUnauthorized(format string, args ...any) *problem {
	return newProblem(http.StatusUnauthorized, api.ProblemUnauthorized, format, args...)
}

// writeProblem answers with p outside huma (middleware, the catch-all route).
func writeProblem(w http.ResponseWriter, p *problem) {
	body, err := json.Marshal(p)
	if err != nil {
		body = []byte(`{"type":"` + api.ProblemInternal + `","title":"Internal Server Error","status":500,"detail":"could not encode the error"}`)
	}
	h := w.Header()
	for k, v := range p.headers {
		h[k] = v
	}
	h.Set("Content-Type", api.ContentTypeError)
	h.Set("Cache-Control", "no-store")
	h.Del("Content-Length")
	h.Del(api.HeaderETag)
	if p.Status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer realm="orgs"`)
	}
	w.WriteHeader(p.Status)
	w.Write(append(body, '\n'))
}
