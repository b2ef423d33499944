package server

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/ratelimit"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/store"
)

// Authentication: the Authorization header resolved to a principal (a user's personal token or an
// organization API token), the rate limit taken from that principal's budget, and the credential
// looked up again by every write inside its own transaction (writes.go, authorize.go).

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
	// hash identifies the presented credential, so that a write can read it again inside its own
	// transaction: a credential revoked while the request waited must not still write.
	hash string
	// expires is when the credential stops working; nil: never.
	expires *time.Time
	// Organization token only:
	tokenID string
	orgID   string
	role    api.Role
}

// key identifies the principal for idempotency keys.
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

// authenticate resolves the Authorization header to a principal and takes the request from its rate
// budget: the user's (all their credentials share it) for a valid credential, the client address's
// otherwise, failed credentials included, so guessing tokens is limited like any anonymous traffic
// and costs the limiter no memory per guess. A credential that is present but not valid is then
// refused, whatever the route: a client with a broken token learns it at once.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p principal
		var authErr error
		if token, present, ok := bearerToken(r); present {
			if !ok {
				authErr = errUnauthorized("the Authorization header must be \"Bearer <token>\"")
			} else {
				p, authErr = s.credential(r.Context(), hashSecret(token))
			}
		}
		budget := ratelimit.ClientAddress(r)
		if authErr == nil && p.kind != anonymous {
			budget = "user:" + p.userID
		}
		if !s.limit(w, budget) {
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), budgetKey{}, budget))
		if authErr != nil {
			var prob *problem
			if errors.As(authErr, &prob) {
				writeProblem(w, prob)
				return
			}
			s.log.Error("authenticate", "error", authErr)
			writeProblem(w, newProblem(http.StatusInternalServerError, api.ProblemInternal, "internal error; the server logged the details"))
			return
		}
		if p.kind != anonymous {
			s.lastUsed.note(p, s.now())
			r = r.WithContext(context.WithValue(r.Context(), principalKey{}, p))
		}
		next.ServeHTTP(w, r)
	})
}

// lookupCredential finds the principal a credential hash stands for, through q: the read pool when a
// request arrives, the write transaction when a write decides.
func (s *Server) lookupCredential(ctx context.Context, q querier, hash string) (principal, error) {
	now := store.FormatTime(s.now())
	var userID string
	var expires sql.NullString
	err := q.QueryRowContext(ctx, `SELECT user_id, expires_at FROM personal_tokens WHERE hash = ?`, hash).Scan(&userID, &expires)
	switch {
	case err == nil:
		if expires.Valid && expires.String <= now {
			return principal{}, errDeadCredential()
		}
		return principal{kind: userPrincipal, userID: userID, hash: hash, expires: parseNullTime(expires)}, nil
	case !errors.Is(err, sql.ErrNoRows):
		return principal{}, err
	}
	p := principal{kind: tokenPrincipal, hash: hash}
	var creatorIsMember bool
	err = q.QueryRowContext(ctx, `
		SELECT t.id, t.organization_id, t.role, t.created_by, t.expires_at,
		       EXISTS (SELECT 1 FROM members m WHERE m.organization_id = t.organization_id AND m.user_id = t.created_by AND m.status = 'active')
		FROM api_tokens t WHERE t.hash = ?`, hash).Scan(&p.tokenID, &p.orgID, &p.role, &p.userID, &expires, &creatorIsMember)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return principal{}, errDeadCredential()
	case err != nil:
		return principal{}, err
	case expires.Valid && expires.String <= now:
		return principal{}, errDeadCredential()
	case !creatorIsMember:
		return principal{}, errDeadCredential()
	}
	p.expires = parseNullTime(expires)
	return p, nil
}

// budgetKey holds the rate budget a request was charged to, for the part of a bulk request's cost that
// is known only once its body is read (chargeBulk).
type budgetKey struct{}

// limit takes a request from the budget of key, setting the RateLimit fields; it answers 429 (with
// Retry-After) and returns false when the budget is spent.
func (s *Server) limit(w http.ResponseWriter, key string) bool {
	if s.limiter.Disabled() {
		return true
	}
	ok, st := s.limiter.Take(key, time.Now())
	h := w.Header()
	h.Set(api.HeaderRateLimitPolicy, s.limiter.PolicyHeader())
	h.Set(api.HeaderRateLimit, st.Header())
	if ok {
		return true
	}
	seconds := max(int(math.Ceil(st.Wait.Seconds())), 1)
	h.Set(api.HeaderRetryAfter, strconv.Itoa(seconds))
	writeProblem(w, newProblem(http.StatusTooManyRequests, api.ProblemRateLimited,
		"rate limit of %g requests per second (burst %g) exceeded; retry after %d s", s.limiter.Rate(), s.limiter.Burst(), seconds))
	return false
}
