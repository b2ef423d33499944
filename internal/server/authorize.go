package server

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/store"
)

// Who may do what. Credentials: a personal access token acts as its user in every organization the user
// belongs to; an organization API token acts in its own organization only, with its role (never owner).
// No credential: only sign-up, invitation acceptance and the OpenAPI document.
//
// | operation                                  | owner | admin | member | biller |
// |--------------------------------------------|-------|-------|--------|--------|
// | read the organization, list/get members    | yes   | yes   | yes    | yes    |
// | change name, description, website, contacts, settings | yes | yes | no | no  |
// | change the plan (billing)                  | yes   | no    | no     | yes    |
// | delete the organization                    | yes   | no    | no     | no     |
// | add, change, remove members                | yes   | yes*  | no     | no     |
// | leave (remove oneself)                     | yes   | yes   | yes    | yes    |
// | invitations: list, get, create, resend, cancel | yes | yes* | no    | no     |
// | API tokens: list, get, create, revoke      | yes   | yes***| no     | no     |
// | container registries and labels: read      | yes   | yes   | yes    | no     |
// | container registries and labels: write     | yes   | yes   | no     | no     |
// | environments: read                         | yes   | yes   | granted only** | no |
// | environments: create, change, delete       | yes   | yes   | no     | no     |
// | usage                                      | yes   | yes   | no     | yes    |
// | activity                                   | yes   | yes   | yes    | yes    |
// | webhooks: read, write, deliveries, redeliver | yes | yes   | no     | no     |
//
// *  Only owners make or unmake owners: an admin cannot add or invite an owner, promote to owner, or
//    change or remove an owner.
// ** A member lists only the environments they hold an environment role in; getting another one is 403.
// *** An admin makes admin and member tokens only; a biller token only an owner (billing is not an
//    admin right).
//
// Whatever the role, an organization the caller does not belong to answers 404 with problem type
// organization-not-found (existence does not leak), unless it was deleted while the caller was one of
// its active members: that caller gets 410 organization-deleted, so a client can tell losing access
// from deletion (absentOrganization). An unknown id inside an organization the caller belongs to
// answers 404 not-found. An organization API token cannot create organizations, leave, or use the
// /user endpoints (403), and lists only its own organization. Missing, unknown, expired or deactivated
// credentials answer 401.
//
// An organization API token may do what both its role and its creator's current role allow (the
// intersection: the roles are different rights, not a ladder), and is made only with a role whose
// rights its creator holds (tokenGranters). A pending membership (added by someone else, not yet
// accepted) gives no role at all. Every write checks all of this again inside its own transaction
// (writeOrg); contributing/threat-model.md states the rules.

// policy is what an operation requires of the caller; it is attached to the operation's metadata and
// checked by checkAccess before the request body is even decoded, and again by every write inside its
// transaction.
type policy struct {
	public   bool       // no credential needed
	userOnly bool       // personal tokens only: organization tokens get 403
	org      bool       // the path names an organization the caller must belong to (404 otherwise)
	roles    []api.Role // roles allowed in that organization; nil: every role
	action   string     // what the operation does, for 403 messages ("manage labels")
	noReplay bool       // an Idempotency-Key is ignored: the response must never be stored
	// replayRule, when not nil, holds the rules the handler decides beyond the policy (only owners make
	// owners, a token's rights must be its creator's, the membership accepted is still there), so that a
	// replayed request meets them with the caller's standing of now (replayIfStored).
	replayRule replayRule
}

// replayRule re-checks, for a request whose response is stored, a rule its handler applies: a, the
// caller's standing now, and body, the request's body. An error means the request would not be allowed
// today: it is not replayed but run again, and its handler, which applies the same rule, refuses it.
type replayRule func(ctx context.Context, s *Server, a access, body []byte) error

// onBody is the replayRule of a handler rule decided from the request body alone. The handler calls
// rule itself, inside its transaction; a body that does not decode has no stored response to guard.
func onBody[T any](rule func(access, T) error) replayRule {
	return func(_ context.Context, _ *Server, a access, body []byte) error {
		var b T
		if err := json.Unmarshal(body, &b); err != nil {
			return err
		}
		return rule(a, b)
	}
}

const policyKey = "orgs.policy"

var (
	everyRole      = []api.Role(nil)
	ownerAdmin     = []api.Role{api.RoleOwner, api.RoleAdmin}
	ownerOnly      = []api.Role{api.RoleOwner}
	ownerBiller    = []api.Role{api.RoleOwner, api.RoleBiller}
	readersOfData  = []api.Role{api.RoleOwner, api.RoleAdmin, api.RoleMember}
	readersOfUsage = []api.Role{api.RoleOwner, api.RoleAdmin, api.RoleBiller}
	orgEditors     = []api.Role{api.RoleOwner, api.RoleAdmin, api.RoleBiller}
)

// access is the caller's standing in the organization of the request.
type access struct {
	principal
	orgID string
	role  api.Role // the caller's role in orgID (the token's role for an organization token)
	// creatorRole is, for an organization token, its creator's role at this moment. A token may do
	// what both its own role and its creator's role allow: the intersection, because the roles are
	// different rights (billing is not an admin right), not steps of one ladder.
	creatorRole api.Role
	pol         policy
}

// allows reports whether the caller holds a right that the given roles have; nil means any role.
func (a access) allows(roles []api.Role) bool {
	if roles == nil {
		return true
	}
	if !slices.Contains(roles, a.role) {
		return false
	}
	return a.kind != tokenPrincipal || slices.Contains(roles, a.creatorRole)
}

// require is the 403 for a right the caller does not hold, or nil.
func (a access) require(roles []api.Role, action string) error {
	if a.allows(roles) {
		return nil
	}
	if a.kind == tokenPrincipal {
		if slices.Contains(roles, a.role) {
			return errForbidden("an organization API token may do at most what its creator may, and its creator's role %s may not %s", a.creatorRole, action)
		}
		return errForbidden("an organization API token with role %s may not %s", a.role, action)
	}
	return errForbidden("the role %s may not %s", a.role, action)
}

type accessKey struct{}

func accessFrom(ctx context.Context) access {
	a, _ := ctx.Value(accessKey{}).(access)
	return a
}

// checkAccess enforces the operation's policy: 401 without a credential, 403 for the wrong kind of
// credential, 404 for an organization the caller is not in, 403 for a role the operation does not
// allow. For a write this is only the early answer: the write checks again in its transaction.
func (s *Server) checkAccess(ctx huma.Context, next func(huma.Context)) {
	pol, ok := ctx.Operation().Metadata[policyKey].(policy)
	r, w := humago.Unwrap(ctx)
	p := principalFrom(ctx.Context())
	if !ok || pol.public {
		if !s.replayIfStored(ctx.Context(), w, pol, access{principal: p}, requestBody(r)) {
			next(ctx)
		}
		return
	}
	if p.kind == anonymous {
		writeProblem(w, errUnauthorized("this operation needs a credential: send \"Authorization: Bearer <token>\""))
		return
	}
	if pol.userOnly && p.kind != userPrincipal {
		writeProblem(w, errForbidden("an organization API token cannot %s; use a personal access token", pol.action))
		return
	}
	if !pol.org {
		// A user route may name an organization (accepting a membership): the replay rules see it.
		if !s.replayIfStored(ctx.Context(), w, pol, access{principal: p, orgID: ctx.Param("org_id")}, requestBody(r)) {
			next(ctx)
		}
		return
	}
	a, err := s.resolveAccess(ctx.Context(), s.reader, p, ctx.Param("org_id"), pol)
	if err != nil {
		var prob *problem
		if errors.As(err, &prob) {
			writeProblem(w, prob)
			return
		}
		s.log.Error("check access", "error", err)
		writeProblem(w, newProblem(http.StatusInternalServerError, api.ProblemInternal, "internal error; the server logged the details"))
		return
	}
	if !s.replayIfStored(ctx.Context(), w, pol, a, requestBody(r)) {
		next(huma.WithValue(ctx, accessKey{}, a))
	}
}

// resolveAccess is the principal's standing in orgID, read through q, checked against pol: a 404
// problem when the principal is not in the organization, a 403 when its role may not.
func (s *Server) resolveAccess(ctx context.Context, q querier, p principal, orgID string, pol policy) (access, error) {
	a := access{principal: p, orgID: orgID, pol: pol}
	switch p.kind {
	case tokenPrincipal:
		if p.orgID != orgID {
			return access{}, errOrganizationNotFound(orgID)
		}
		a.role = p.role
		creator, err := s.roleIn(ctx, q, orgID, p.userID)
		if err != nil {
			return access{}, err
		}
		if creator == "" {
			return access{}, errDeadCredential()
		}
		a.creatorRole = creator
	case userPrincipal:
		role, err := s.roleIn(ctx, q, orgID, p.userID)
		if err != nil {
			return access{}, err
		}
		if role == "" {
			return access{}, s.absentOrganization(ctx, q, p, orgID)
		}
		a.role = role
	default:
		return access{}, errUnauthorized("this operation needs a credential")
	}
	if err := a.require(pol.roles, pol.action); err != nil {
		return access{}, err
	}
	return a, nil
}

// absentOrganization is the answer, read through q, for an organization that p cannot see: 410 when it
// was deleted while p's user was one of its active members, otherwise the same 404 as for an id that
// never existed. Only those who could see the organization learn that it was deleted; for everyone
// else, a deleted organization, another tenant's and one that never existed read alike. An error
// other than a problem is a failed read.
func (s *Server) absentOrganization(ctx context.Context, q querier, p principal, orgID string) error {
	if p.kind != userPrincipal {
		// An organization token is deleted with its organization: it cannot get this far.
		return errOrganizationNotFound(orgID)
	}
	// The user was added and has not answered: say so, and how to answer. Only they learn that the
	// organization exists, and they were told when they were added.
	var role api.Role
	err := q.QueryRowContext(ctx, `SELECT role FROM members WHERE organization_id = ? AND user_id = ? AND status = 'pending' AND expires_at > ?`,
		orgID, p.userID, s.nowText()).Scan(&role)
	switch {
	case err == nil:
		return errForbidden("your membership of organization %q (role %s) is pending: someone added you, and it gives no access until you accept it "+
			"(POST %s) or decline it (POST %s)", orgID, role, strings.ReplaceAll(api.PathMembershipAccept, "{org_id}", orgID),
			strings.ReplaceAll(api.PathMembershipDecline, "{org_id}", orgID))
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	var deletedAt string
	err = q.QueryRowContext(ctx, `SELECT t.deleted_at FROM organization_tombstone_viewers v
		JOIN organization_tombstones t ON t.organization_id = v.organization_id
		WHERE v.organization_id = ? AND v.user_id = ?`, orgID, p.userID).Scan(&deletedAt)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return errOrganizationNotFound(orgID)
	case err != nil:
		return err
	}
	at, err := store.ParseTime(deletedAt)
	if err != nil {
		return fmt.Errorf("tombstone of organization %s: %w", orgID, err)
	}
	return errOrganizationDeleted(orgID, at.UTC().Format(time.RFC3339))
}

// memberRole is the user's role in the organization, or "" when they are not an active member (a
// pending membership gives no access).
func memberRole(ctx context.Context, q querier, orgID, userID string) (api.Role, error) {
	var role api.Role
	err := q.QueryRowContext(ctx, `SELECT role FROM members WHERE organization_id = ? AND user_id = ? AND status = 'active'`, orgID, userID).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return role, err
}

// writeOrg runs fn in the request's write transaction with the caller's standing read again through
// that transaction: the credential, the membership, the role and the operation's policy. Every
// decision that guards the write is then made on what the transaction sees, not on what an earlier
// read saw before someone demoted or removed the caller.
func (s *Server) writeOrg(ctx context.Context, fn func(tx *sql.Tx, a access) error) error {
	early := accessFrom(ctx)
	return s.writeChecked(ctx, false, func(tx *sql.Tx) error {
		p, err := s.lookupCredential(ctx, tx, early.hash)
		if err != nil {
			return err
		}
		a, err := s.resolveAccess(ctx, tx, p, early.orgID, early.pol)
		if err != nil {
			return err
		}
		return fn(tx, a)
	})
}
