package api

import "fmt"

// Problem is an RFC 9457 problem document, the body of every error response
// (Content-Type: application/problem+json).
type Problem struct {
	Type     string         `json:"type"`
	Title    string         `json:"title"`
	Status   int            `json:"status"`
	Detail   string         `json:"detail"`
	Instance string         `json:"instance,omitempty"`
	Errors   []ProblemError `json:"errors,omitempty"`
}

// ProblemError names one invalid part of a request.
type ProblemError struct {
	Message  string `json:"message"`
	Location string `json:"location,omitempty"`
	Value    any    `json:"value,omitempty"`
}

func (p *Problem) Error() string {
	msg := p.Detail
	if msg == "" {
		msg = p.Title
	}
	for _, e := range p.Errors {
		if e.Location != "" {
			msg += fmt.Sprintf("; %s: %s", e.Location, e.Message)
		} else {
			msg += "; " + e.Message
		}
	}
	return msg
}

// Problem types: stable, machine-readable; clients decide on these and the status, never on the text.
const (
	problemPrefix = "urn:orgs:problem:"

	ProblemInvalid            = problemPrefix + "invalid"             // 422: a field or the body is invalid
	ProblemMalformed          = problemPrefix + "malformed"           // 400: not parseable
	ProblemUnauthorized       = problemPrefix + "unauthorized"        // 401: missing or bad credential
	ProblemForbidden          = problemPrefix + "forbidden"           // 403: the role does not allow it
	ProblemNotFound           = problemPrefix + "not-found"           // 404: no such object, or not visible to the caller
	ProblemConflict           = problemPrefix + "conflict"            // 409: already exists (duplicate key, email, ...)
	ProblemLastOwner          = problemPrefix + "last-owner"          // 409: would leave the organization without an owner or member
	ProblemLimitReached       = problemPrefix + "limit-reached"       // 409: a plan limit or the per-user organization cap
	ProblemUnknownUser        = problemPrefix + "unknown-user"        // 422: no user with that email
	ProblemInvitationExpired  = problemPrefix + "invitation-expired"  // 409: the invitation can no longer be accepted
	ProblemPreconditionFailed = problemPrefix + "precondition-failed" // 412: If-Match did not match
	ProblemIdempotencyReused  = problemPrefix + "idempotency-key-reused"
	ProblemIdempotencyBusy    = problemPrefix + "idempotency-in-progress" // 409: the first request with this key is still running
	ProblemTooLarge           = problemPrefix + "payload-too-large"       // 413
	ProblemRateLimited        = problemPrefix + "rate-limited"            // 429, with Retry-After
	ProblemUnavailable        = problemPrefix + "unavailable"             // 503
	ProblemInternal           = problemPrefix + "internal"                // 500
)
