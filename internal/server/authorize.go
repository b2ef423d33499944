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
// | teams and team members: read (all teams)   | yes   | yes   | yes    | yes    |
// | teams: create, change (grants too), delete | yes   | yes   | no     | no     |
// | a team's members: add, change, remove      | yes   | yes   | maintainers**** | maintainers**** |
// | leave a team (remove oneself)              | yes   | yes   | yes    | yes    |
// | webhooks: read, write, deliveries, redeliver | yes | yes   | no     | no     |
//
// *  Only owners make or unmake owners: an admin cannot add or invite an owner, promote to owner, or
//    change or remove an owner.
// ** A member lists only the environments they hold an environment role in; getting another one is 403.
// *** An admin makes admin and member tokens only; a biller token only an owner, or an admin who also
//    holds billing through a team (billing is not an admin right).
// **** The team's own maintainers, whatever their organization role, through their own account (an
//    organization token carries an organization role, never a team role); only that team's members,
//    and only active members of the organization. Every member reads the teams, as they read the
//    members and their roles.
//
// Teams: a person's rights are the union of their own role's and those of every role their teams
// grant (admin, member or biller; never owner), and likewise for environment roles: the columns above
// are roles, and a person holding several has the rights of each. So a member whose team grants admin
// is, for this table, an admin too, and loses it the moment they leave the team, the team is deleted or
// its grant changes; their tokens with it (a token is capped by its creator's roles of the moment). The
// owner column is never reached through a team: only owners make owners, and the last-owner rules count
// members' own roles.
//
// Whatever the role, an organization the caller does not belong to answers 404 with problem type
// organization-not-found (existence does not leak), unless it was deleted while the caller was one of
// its active members: that caller gets 410 organization-deleted, so a client can tell losing access
// from deletion (absentOrganization). An unknown id inside an organization the caller belongs to
// answers 404 not-found. An organization API token cannot create organizations, leave, or use the
// /user endpoints (403), and lists only its own organization. Missing, unknown, expired or deactivated
// credentials answer 401.
//
// An organization API token may do what both its role and its creator's current roles (their own and
// their teams') allow (the intersection: the roles are different rights, not a ladder), and is made only
// with a role whose rights its creator holds (tokenGranters). A pending membership (added by someone else, not yet
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

// pathParamsKey holds, in the context a replayRule gets, the request's path parameters (name to value).
type pathParamsKey struct{}

// pathParam is the value of the request's path parameter name, for a replayRule.
func pathParam(ctx context.Context, name string) string {
	if param, ok := ctx.Value(pathParamsKey{}).(func(string) string); ok {
		return param(name)
	}
	return ""
}

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
	// roles are the caller's roles in orgID. For a user: their own role first, then the roles their
	// teams grant them; their rights are the union of these roles' rights (the roles are different
	// rights, not steps of one ladder: a team's biller grant gives an admin billing, not the reverse).
	// For an organization token: the token's one role.
	roles []api.Role
	// creatorRoles are, for an organization token, its creator's roles at this moment (their own and
	// their teams'). A token may do what both its own role and its creator's roles allow: the
	// intersection, because the roles are different rights (billing is not an admin right).
	creatorRoles []api.Role
	pol          policy
}

// holdsAny reports whether one of have is one of roles.
func holdsAny(have, roles []api.Role) bool {
	return slices.ContainsFunc(have, func(r api.Role) bool { return slices.Contains(roles, r) })
}

// allows reports whether the caller holds a right that the given roles have; nil means any role.
func (a access) allows(roles []api.Role) bool {
	if roles == nil {
		return true
	}
	if !holdsAny(a.roles, roles) {
		return false
	}
	return a.kind != tokenPrincipal || holdsAny(a.creatorRoles, roles)
}

// describeRoles names roles for a refusal: "role member", "roles member and biller".
func describeRoles(roles []api.Role) string {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	switch len(names) {
	case 0:
		return "no role"
	case 1:
		return "role " + names[0]
	}
	return "roles " + strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// require is the 403 for a right the caller does not hold, or nil.
func (a access) require(roles []api.Role, action string) error {
	if a.allows(roles) {
		return nil
	}
	if a.kind == tokenPrincipal {
		if holdsAny(a.roles, roles) {
			return errForbidden("an organization API token may do at most what its creator may, and its creator's %s may not %s", describeRoles(a.creatorRoles), action)
		}
		return errForbidden("an organization API token with %s may not %s", describeRoles(a.roles), action)
	}
	if len(a.roles) > 1 {
		return errForbidden("the %s (your own role and what your teams grant) may not %s", describeRoles(a.roles), action)
	}
	return errForbidden("the %s may not %s", describeRoles(a.roles), action)
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
	// The replay rules may need the objects the path names (the team whose members are managed).
	rctx := context.WithValue(ctx.Context(), pathParamsKey{}, ctx.Param)
	if !ok || pol.public {
		if !s.replayIfStored(rctx, w, pol, access{principal: p}, requestBody(r)) {
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
		if !s.replayIfStored(rctx, w, pol, access{principal: p, orgID: ctx.Param("org_id")}, requestBody(r)) {
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
	if !s.replayIfStored(rctx, w, pol, a, requestBody(r)) {
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
		a.roles = []api.Role{p.role}
		creator, err := s.rolesIn(ctx, q, orgID, p.userID)
		if err != nil {
			return access{}, err
		}
		if len(creator) == 0 {
			return access{}, errDeadCredential()
		}
		a.creatorRoles = creator
	case userPrincipal:
		roles, err := s.rolesIn(ctx, q, orgID, p.userID)
		if err != nil {
			return access{}, err
		}
		if len(roles) == 0 {
			return access{}, s.absentOrganization(ctx, q, p, orgID)
		}
		a.roles = roles
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

// memberRoles is the user's roles in the organization: their own role first, then, in api.Roles order
// and without repeats, the other roles their teams grant them. None when they are not an active member
// (a pending membership gives no access, and team memberships are of active members only).
func memberRoles(ctx context.Context, q querier, orgID, userID string) ([]api.Role, error) {
	rows, err := q.QueryContext(ctx, `SELECT m.role, COALESCE(t.role, '') FROM members m
		LEFT JOIN team_members tm ON tm.member_seq = m.seq
		LEFT JOIN teams t ON t.seq = tm.team_seq
		WHERE m.organization_id = ? AND m.user_id = ? AND m.status = 'active'`, orgID, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var own api.Role
	granted := map[api.Role]bool{}
	for rows.Next() {
		var grant api.Role
		if err := rows.Scan(&own, &grant); err != nil {
			return nil, err
		}
		granted[grant] = true
	}
	if err := rows.Err(); err != nil || own == "" {
		return nil, err
	}
	roles := []api.Role{own}
	for _, r := range api.Roles {
		if granted[r] && r != own {
			roles = append(roles, r)
		}
	}
	return roles, nil
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
