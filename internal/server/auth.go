package server

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"slices"
	"strings"

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
// | API tokens: list, get, create, revoke      | yes   | yes   | no     | no     |
// | container registries and labels: read      | yes   | yes   | yes    | no     |
// | container registries and labels: write     | yes   | yes   | no     | no     |
// | environments: read                         | yes   | yes   | granted only** | no |
// | environments: create, change, delete       | yes   | yes   | no     | no     |
// | usage                                      | yes   | yes   | no     | yes    |
// | activity                                   | yes   | yes   | yes    | yes    |
//
// *  Only owners make or unmake owners: an admin cannot add or invite an owner, promote to owner, or
//    change or remove an owner.
// ** A member lists only the environments they hold an environment role in; getting another one is 403.
//
// Whatever the role, an organization the caller does not belong to answers 404 (existence does not
// leak), and an unknown id inside an organization the caller belongs to answers 404 too. An
// organization API token cannot create organizations, leave, or use the /user endpoints (403), and
// lists only its own organization. Missing, unknown, expired or deactivated credentials answer 401.

const securityScheme = "bearer"

type principalKind int

const (
	anonymous principalKind = iota
	userPrincipal
	tokenPrincipal
)

// principal is who is calling.
type principal struct {
	kind   principalKind
	userID string // the user (personal token), or the user who created the organization token
	// Organization token only:
	tokenID string
	orgID   string
	role    api.Role
}

// key identifies the principal for idempotency keys and rate limits.
func (p principal) key() string {
	switch p.kind {
	case userPrincipal:
		return "user:" + p.userID
	case tokenPrincipal:
		return "token:" + p.tokenID
	}
	return "anonymous"
}

// actor is how the activity log names the principal.
func (p principal) actor() (actorType, actorID string) {
	if p.kind == tokenPrincipal {
		return "token", p.tokenID
	}
	return "user", p.userID
}

type principalKey struct{}

func principalFrom(ctx context.Context) principal {
	p, _ := ctx.Value(principalKey{}).(principal)
	return p
}

// bearerToken returns the credential of r, whether r carries an Authorization header at all, and
// whether it is a well-formed Bearer header.
func bearerToken(r *http.Request) (token string, present, ok bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", false, false
	}
	scheme, token, found := strings.Cut(h, " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", true, false
	}
	token = strings.TrimSpace(token)
	return token, true, token != ""
}

// authenticate resolves the Authorization header to a principal. A credential that is present but
// not valid is refused here, whatever the route: a client with a broken token learns it at once.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, present, ok := bearerToken(r)
		if !present {
			next.ServeHTTP(w, r)
			return
		}
		if !ok {
			writeProblem(w, errUnauthorized("the Authorization header must be \"Bearer <token>\""))
			return
		}
		p, err := s.lookupCredential(r.Context(), token)
		if err != nil {
			var prob *problem
			if errors.As(err, &prob) {
				writeProblem(w, prob)
				return
			}
			s.log.Error("authenticate", "error", err)
			writeProblem(w, newProblem(http.StatusInternalServerError, api.ProblemInternal, "internal error; the server logged the details"))
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}

func (s *Server) lookupCredential(ctx context.Context, token string) (principal, error) {
	hash := hashSecret(token)
	now := store.FormatTime(s.now())
	var userID string
	var expires sql.NullString
	err := s.db.Reader.QueryRowContext(ctx, `SELECT user_id, expires_at FROM personal_tokens WHERE hash = ?`, hash).Scan(&userID, &expires)
	switch {
	case err == nil:
		if expires.Valid && expires.String <= now {
			return principal{}, errUnauthorized("the token has expired")
		}
		return principal{kind: userPrincipal, userID: userID}, nil
	case !errors.Is(err, sql.ErrNoRows):
		return principal{}, err
	}
	var p principal
	var creatorIsMember bool
	err = s.db.Reader.QueryRowContext(ctx, `
		SELECT t.id, t.organization_id, t.role, t.created_by, t.expires_at,
		       EXISTS (SELECT 1 FROM members m WHERE m.organization_id = t.organization_id AND m.user_id = t.created_by)
		FROM api_tokens t WHERE t.hash = ?`, hash).Scan(&p.tokenID, &p.orgID, &p.role, &p.userID, &expires, &creatorIsMember)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return principal{}, errUnauthorized("the token is not valid")
	case err != nil:
		return principal{}, err
	case expires.Valid && expires.String <= now:
		return principal{}, errUnauthorized("the token has expired")
	case !creatorIsMember:
		return principal{}, errUnauthorized("the token is inactive: the user who created it is no longer a member of the organization")
	}
	p.kind = tokenPrincipal
	return p, nil
}

// policy is what an operation requires of the caller; it is attached to the operation's metadata and
// checked by checkAccess before the request body is even decoded.
type policy struct {
	public   bool       // no credential needed
	userOnly bool       // personal tokens only: organization tokens get 403
	org      bool       // the path names an organization the caller must belong to (404 otherwise)
	roles    []api.Role // roles allowed in that organization; nil: every role
	action   string     // what the operation does, for 403 messages ("manage labels")
}

const policyKey = "orgs.policy"

var (
	everyRole      = []api.Role(nil)
	ownerAdmin     = []api.Role{api.RoleOwner, api.RoleAdmin}
	ownerOnly      = []api.Role{api.RoleOwner}
	readersOfData  = []api.Role{api.RoleOwner, api.RoleAdmin, api.RoleMember}
	readersOfUsage = []api.Role{api.RoleOwner, api.RoleAdmin, api.RoleBiller}
	orgEditors     = []api.Role{api.RoleOwner, api.RoleAdmin, api.RoleBiller}
)

// access is the caller's standing in the organization of the request, set by checkAccess.
type access struct {
	principal
	orgID string
	role  api.Role // the caller's role in orgID (the token's role for an organization token)
}

type accessKey struct{}

func accessFrom(ctx context.Context) access {
	a, _ := ctx.Value(accessKey{}).(access)
	return a
}

// checkAccess enforces the operation's policy: 401 without a credential, 403 for the wrong kind of
// credential, 404 for an organization the caller is not in, 403 for a role the operation does not allow.
func (s *Server) checkAccess(ctx huma.Context, next func(huma.Context)) {
	pol, ok := ctx.Operation().Metadata[policyKey].(policy)
	if !ok || pol.public {
		next(ctx)
		return
	}
	_, w := humago.Unwrap(ctx)
	p := principalFrom(ctx.Context())
	if p.kind == anonymous {
		writeProblem(w, errUnauthorized("this operation needs a credential: send \"Authorization: Bearer <token>\""))
		return
	}
	if pol.userOnly && p.kind != userPrincipal {
		writeProblem(w, errForbidden("an organization API token cannot %s; use a personal access token", pol.action))
		return
	}
	if !pol.org {
		next(ctx)
		return
	}
	orgID := ctx.Param("org_id")
	role, err := s.roleIn(ctx.Context(), s.db.Reader, p, orgID)
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
	if pol.roles != nil && !slices.Contains(pol.roles, role) {
		writeProblem(w, errForbidden("the role %s may not %s", role, pol.action))
		return
	}
	next(huma.WithValue(ctx, accessKey{}, access{principal: p, orgID: orgID, role: role}))
}

// roleIn is the principal's role in orgID, or a 404 problem when the principal is not in it.
func (s *Server) roleIn(ctx context.Context, q querier, p principal, orgID string) (api.Role, error) {
	notFound := errNotFound("organization %q not found", orgID)
	switch p.kind {
	case tokenPrincipal:
		if p.orgID != orgID {
			return "", notFound
		}
		return p.role, nil
	case userPrincipal:
		var role api.Role
		err := q.QueryRowContext(ctx, `SELECT role FROM members WHERE organization_id = ? AND user_id = ?`, orgID, p.userID).Scan(&role)
		if errors.Is(err, sql.ErrNoRows) {
			return "", notFound
		}
		return role, err
	}
	return "", errUnauthorized("this operation needs a credential")
}

// operation builds a huma operation with its policy and documentation.
func operation(method, path, id, summary string, status int, pol policy, tags ...string) huma.Operation {
	op := huma.Operation{
		OperationID:   id,
		Method:        method,
		Path:          path,
		Summary:       summary,
		Tags:          tags,
		DefaultStatus: status,
		Metadata:      map[string]any{policyKey: pol},
		// limitBody enforces api.MaxBodyBytes before huma runs; huma's own limit only has to stay out of
		// its way (it refuses a body of exactly its limit).
		MaxBodyBytes: api.MaxBodyBytes + 1,
	}
	// An explicit empty list says an operation is public on purpose, not undocumented.
	op.Security = []map[string][]string{}
	if !pol.public {
		op.Security = []map[string][]string{{securityScheme: {}}}
		op.Errors = append(op.Errors, http.StatusUnauthorized)
		if pol.userOnly || pol.roles != nil {
			op.Errors = append(op.Errors, http.StatusForbidden)
		}
		if pol.org {
			op.Errors = append(op.Errors, http.StatusNotFound)
		}
	}
	switch method {
	case http.MethodPost:
		op.Errors = append(op.Errors, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity)
	case http.MethodPatch:
		op.Errors = append(op.Errors, http.StatusConflict, http.StatusPreconditionFailed, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity)
	case http.MethodDelete:
		op.Errors = append(op.Errors, http.StatusConflict)
	}
	return op
}
