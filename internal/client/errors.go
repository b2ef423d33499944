package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// Error is an API answer outside 2xx. Callers decide on StatusCode and Problem.Type (through the
// Is* predicates), never on the message, which is the server's own words for the user.
type Error struct {
	StatusCode int
	Problem    api.Problem
	Method     string
	Path       string
	// OrganizationID is the organization the request was about (its path is under /orgs/{org_id}), or "".
	OrganizationID string
	// Attempts is how many attempts the call made; more than one when the answer was retried.
	Attempts int
}

func (e *Error) Error() string {
	msg := e.Problem.Error()
	if msg == "" {
		msg = fmt.Sprintf("%s %s: HTTP %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	}
	if e.Attempts > 1 {
		// Says the failure outlasted the retries without hiding what the server said.
		msg += fmt.Sprintf(" (after %d attempts)", e.Attempts)
	}
	return msg
}

// newError builds the Error for a response: the body's problem document when it is one, otherwise a
// problem synthesized from the status and the start of the body (a proxy's HTML page, say). The
// content type is not consulted: a problem document is recognized by its shape.
func newError(method, path string, status int, body []byte) *Error {
	e := &Error{StatusCode: status, Method: method, Path: path}
	if p, ok := decodeProblem(body); ok {
		e.Problem = p
	} else {
		detail := fmt.Sprintf("%s %s: HTTP %d %s", method, path, status, http.StatusText(status))
		if s := snippet(body, 200); s != "" {
			detail += ": " + s
		}
		e.Problem = api.Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail}
	}
	if e.Problem.Status == 0 {
		e.Problem.Status = status
	}
	return e
}

func decodeProblem(body []byte) (api.Problem, bool) {
	var p api.Problem
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return p, false
	}
	if err := json.Unmarshal(trimmed, &p); err != nil {
		return p, false
	}
	return p, p.Type != "" || p.Title != "" || p.Detail != ""
}

// snippet returns the start of a body as one printable line.
func snippet(body []byte, limit int) string {
	s := strings.ToValidUTF8(string(body), "\uFFFD")
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }), " ")
	if utf8.RuneCountInString(s) > limit {
		s = string([]rune(s)[:limit]) + "…"
	}
	return s
}

// ConnectionError is a call that got no HTTP answer at all: the connection was refused or dropped, the
// host is unknown, TLS failed (an https endpoint that speaks plain HTTP, say). It usually means the
// endpoint is wrong or the server is down, so callers say so.
type ConnectionError struct {
	Method, URL string
	Attempts    int
	Err         error
	// Lost says that the server answered an earlier call of this client: it stopped answering (it
	// was stopped, or crashed), rather than never being there at that endpoint.
	Lost bool
	// Reached says that an attempt got past connecting, so the server may have acted on the request
	// before it stopped; otherwise the request never reached it.
	Reached bool
	// lossReported is the client's: whether one of its errors has told the user about the loss yet.
	lossReported *atomic.Bool
}

// FirstReportOfLoss says, once per client, that this is the first of its Lost errors to be reported:
// that one says what happened and what to do, the others point to it. A run that loses its server
// has many calls in flight, and one long explanation per call buries what matters.
func (e *ConnectionError) FirstReportOfLoss() bool {
	return e.Lost && e.lossReported != nil && e.lossReported.CompareAndSwap(false, true)
}

func (e *ConnectionError) Error() string {
	if e.Attempts > 1 {
		return fmt.Sprintf("%s %s failed after %d attempts: %v", e.Method, e.URL, e.Attempts, e.Err)
	}
	return fmt.Sprintf("%s %s failed: %v", e.Method, e.URL, e.Err)
}

func (e *ConnectionError) Unwrap() error { return e.Err }

func asError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

func hasStatusOrType(err error, status int, types ...string) bool {
	e, ok := asError(err)
	if !ok {
		return false
	}
	if e.StatusCode == status {
		return true
	}
	for _, t := range types {
		if e.Problem.Type == t {
			return true
		}
	}
	return false
}

// IsNotFound reports that the object a request named is known not to exist: the API's 404 not-found
// for an object in an organization the caller can see, or its 410 for an organization that was deleted
// with everything it held (IsOrganizationDeleted). It is false for an organization the caller cannot
// see (IsOrganizationNotVisible), which may well exist, and for a 404 that is not the API's (a proxy's
// or a wrong endpoint's page): taking either for a deletion would make losing access look like one.
func IsNotFound(err error) bool {
	return ProblemType(err) == api.ProblemNotFound || IsOrganizationDeleted(err)
}

// IsOrganizationNotVisible reports that the caller cannot see the organization the request named: it
// never existed, it is another tenant's, or the credential's user is no longer a member of it (the API
// gives all of these the same answer, so as not to reveal other tenants' organizations). It never
// means the organization was deleted; a caller who could see a deleted organization gets
// IsOrganizationDeleted instead.
func IsOrganizationNotVisible(err error) bool {
	return ProblemType(err) == api.ProblemOrganizationNotFound
}

// IsOrganizationDeleted reports that the organization the request named was deleted, with everything
// it held, while the caller was one of its members (410).
func IsOrganizationDeleted(err error) bool {
	return hasStatusOrType(err, http.StatusGone, api.ProblemOrganizationDeleted)
}

// IsConflict reports a refusal because of the state of things (409): a duplicate, a plan limit, the
// last owner.
func IsConflict(err error) bool {
	return hasStatusOrType(err, http.StatusConflict, api.ProblemConflict, api.ProblemLastOwner, api.ProblemLimitReached)
}

// IsForbidden reports that the caller's role does not allow the operation (403).
func IsForbidden(err error) bool {
	return hasStatusOrType(err, http.StatusForbidden, api.ProblemForbidden)
}

// IsInvalid reports a request the server refused as invalid (422) or malformed (400).
func IsInvalid(err error) bool {
	return hasStatusOrType(err, http.StatusUnprocessableEntity, api.ProblemInvalid, api.ProblemUnknownUser) ||
		hasStatusOrType(err, http.StatusBadRequest, api.ProblemMalformed)
}

// IsUnauthorized reports a missing or rejected credential (401).
func IsUnauthorized(err error) bool {
	return hasStatusOrType(err, http.StatusUnauthorized, api.ProblemUnauthorized)
}

// IsPreconditionFailed reports an If-Match that did not match (412).
func IsPreconditionFailed(err error) bool {
	return hasStatusOrType(err, http.StatusPreconditionFailed, api.ProblemPreconditionFailed)
}

// IsLimitReached reports a plan limit or the per-user organization cap.
func IsLimitReached(err error) bool { return ProblemType(err) == api.ProblemLimitReached }

// IsLastOwner reports a change refused because it would leave the organization without an owner.
func IsLastOwner(err error) bool { return ProblemType(err) == api.ProblemLastOwner }

// ProblemType returns the problem type of an API error (api.Problem* constants), or "".
func ProblemType(err error) string {
	if e, ok := asError(err); ok {
		return e.Problem.Type
	}
	return ""
}

// ProblemDetail is the detail of the server's problem document behind err, or "".
func ProblemDetail(err error) string {
	if e, ok := asError(err); ok {
		return e.Problem.Detail
	}
	return ""
}
