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
	ProblemNotFound           = problemPrefix + "not-found"           // 404: no such object in an organization the caller can see
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

// Answers about the organization a request under /orgs/{org_id} names, whatever the object below it.
// They let a client tell losing access from deletion without telling anyone whether another tenant's
// organization exists (contributing/threat-model.md states the rule).
const (
	// ProblemOrganizationNotFound (404): the caller cannot see the organization. It never existed, it is
	// another tenant's, the caller lost access, or it was deleted while the caller was not a member: the
	// answer is the same for all of them, and never means that the organization was deleted.
	ProblemOrganizationNotFound = problemPrefix + "organization-not-found"
	// ProblemOrganizationDeleted (410): the organization was deleted, and the caller was one of its active
	// members at that moment. Everything it held was deleted with it.
	ProblemOrganizationDeleted = problemPrefix + "organization-deleted"
)
