package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/store"
)

func (s *Server) registerUsers(a huma.API) {
	const tag = "Users"
	register(a, s, operation(http.MethodPost, api.PathUsers, "signup", "Sign up: create a user and their first personal token", http.StatusCreated,
		policy{public: true, noReplay: true}, tag), s.signup)
	register(a, s, operation(http.MethodGet, api.PathCurrentUser, "get-current-user", "Get the user the personal token belongs to", http.StatusOK,
		policy{userOnly: true, action: "read the current user"}, tag), s.currentUser)
	register(a, s, operation(http.MethodPost, api.PathVerifyEmail, "verify-email", "Prove the current user's email address with the code emailed at sign-up", http.StatusOK,
		policy{userOnly: true, action: "verify an email address"}, tag), s.verifyEmail)
	register(a, s, operation(http.MethodGet, api.PathPersonalTokens, "list-personal-tokens", "List the current user's personal access tokens", http.StatusOK,
		policy{userOnly: true, action: "list personal tokens"}, tag), s.listPersonalTokens)
	register(a, s, operation(http.MethodPost, api.PathPersonalTokens, "create-personal-token", "Create a personal access token (the secret is in this response only)", http.StatusCreated,
		policy{userOnly: true, action: "create personal tokens"}, tag), s.createPersonalToken)
	register(a, s, operation(http.MethodGet, api.PathPersonalToken, "get-personal-token", "Get one of the current user's personal access tokens", http.StatusOK,
		policy{userOnly: true, action: "read personal tokens"}, tag), s.getPersonalToken)
	register(a, s, operation(http.MethodDelete, api.PathPersonalToken, "delete-personal-token", "Revoke one of the current user's personal access tokens", http.StatusNoContent,
		policy{userOnly: true, action: "revoke personal tokens"}, tag), s.deletePersonalToken)
}

// ---- Users ----

const userColumns = `id, email, name, email_verified_at IS NOT NULL, created_at`

func scanUser(row rowScanner) (api.User, error) {
	var u api.User
	var created string
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &u.EmailVerified, &created); err != nil {
		return api.User{}, err
	}
	u.CreatedAt = parseTime(created)
	return u, nil
}

func (s *Server) loadUser(ctx context.Context, q querier, id string) (api.User, error) {
	return scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
}

// userByEmail finds the user who proved the address (compared by api.EmailKey); ok is false when
// nobody has. Sign-ups that never proved an address do not hold it, so they are never found here.
func (s *Server) userByEmail(ctx context.Context, q querier, email string) (api.User, bool, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE email_key = ? AND email_verified_at IS NOT NULL`, api.EmailKey(email)))
	if errors.Is(err, sql.ErrNoRows) {
		return api.User{}, false, nil
	}
	return u, err == nil, err
}

// createUser inserts a user. A verified user holds the address from now on (the caller has proof), and
// the unproven sign-ups for the same address are discarded with their tokens. An unverified user gets
// a verification code, returned for the email. With withToken the user's first personal token is
// issued and returned too.
func (s *Server) createUser(ctx context.Context, tx *sql.Tx, email, name string, verified, withToken bool) (u api.User, token, code string, err error) {
	u = api.User{ID: newID(prefixUser), Email: email, Name: name, EmailVerified: verified, CreatedAt: s.now().UTC()}
	now := store.FormatTime(u.CreatedAt)
	var verifiedAt, codeHash, codeExpires sql.NullString
	if verified {
		verifiedAt = sql.NullString{String: now, Valid: true}
		if err := s.claimEmail(ctx, tx, email, u.ID); err != nil {
			return api.User{}, "", "", err
		}
	} else {
		code = newSecret(secretVerification)
		codeHash = sql.NullString{String: hashSecret(code), Valid: true}
		codeExpires = sql.NullString{String: store.FormatTime(s.now().Add(verificationTTL)), Valid: true}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO users (id, email, email_key, email_verified_at, verification_hash, verification_expires_at, name, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Email, api.EmailKey(u.Email), verifiedAt, codeHash, codeExpires, u.Name, now)
	if store.IsUniqueViolation(err) {
		return api.User{}, "", "", errConflict("a user with email %q already exists", email)
	}
	if err != nil {
		return api.User{}, "", "", fmt.Errorf("insert user: %w", err)
	}
	if verified {
		if err := s.linkInvitedMemberships(ctx, tx, u); err != nil {
			return api.User{}, "", "", err
		}
	}
	if withToken {
		token = newSecret(secretPersonalToken)
		if err := s.insertPersonalToken(ctx, tx, u.ID, "first token", token, nil); err != nil {
			return api.User{}, "", "", err
		}
	}
	return u, token, code, nil
}

// claimEmail makes the address userID's from now on: the sign-ups that never proved it, and so hold
// nothing but a credential for an empty account, are deleted with their personal tokens. Nothing a
// squatter set up before the owner of the address turns up survives the proof.
func (s *Server) claimEmail(ctx context.Context, tx *sql.Tx, email, userID string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM users WHERE email_key = ? AND email_verified_at IS NULL AND id != ?`, api.EmailKey(email), userID); err != nil {
		return fmt.Errorf("discard unproven sign-ups: %w", err)
	}
	return nil
}

// verificationTTL is how long the code emailed at sign-up proves the address.
const verificationTTL = 24 * time.Hour

// expiredSignupSweepBatch bounds how many expired sign-ups one sign-up removes.
const expiredSignupSweepBatch = 100

// sweepExpiredSignups removes sign-ups whose address was never proven and whose code has expired (with
// their personal token): they can never be completed, and would otherwise pile up. Sign-ups are the only
// way such rows are made, so each sign-up removes up to a batch of them, and the server at start all.
func (s *Server) sweepExpiredSignups(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM users WHERE id IN (SELECT id FROM users
		WHERE email_verified_at IS NULL AND verification_expires_at <= ? LIMIT ?)`, s.nowText(), expiredSignupSweepBatch)
	if err != nil {
		return fmt.Errorf("remove expired sign-ups: %w", err)
	}
	return nil
}

type signupInput struct {
	Body api.SignupRequest
}

type signupOutput struct {
	Body api.SignupResponse
}

// signup creates an account whose address is not yet proven, and emails the code that proves it. It
// answers the same for every valid address: whether someone already holds the address is not told to
// a caller who has not proven it is theirs.
func (s *Server) signup(ctx context.Context, in *signupInput) (*signupOutput, error) {
	if err := api.ValidateEmail(in.Body.Email); err != nil {
		return nil, invalidField("email", err)
	}
	var out api.SignupResponse
	var code string
	err := s.write(ctx, func(tx *sql.Tx) error {
		if err := s.sweepExpiredSignups(ctx, tx); err != nil {
			return err
		}
		var err error
		out.User, out.Token, code, err = s.createUser(ctx, tx, in.Body.Email, in.Body.Name, false, true)
		return err
	})
	if err != nil {
		return nil, err
	}
	afterCommit(ctx, func() {
		s.log.Info("verification sent", "user_id", out.User.ID, "to", out.User.Email)
		if s.cfg.OnVerification != nil {
			s.cfg.OnVerification(api.VerificationEmail{To: out.User.Email, UserID: out.User.ID, Code: code})
		}
	})
	return &signupOutput{Body: out}, nil
}

type verifyEmailInput struct {
	Body api.EmailVerification
}

// verifyEmail proves the current user's address with the code emailed at sign-up.
func (s *Server) verifyEmail(ctx context.Context, in *verifyEmailInput) (*objectOutput[api.User], error) {
	userID := principalFrom(ctx).userID
	var u api.User
	err := s.write(ctx, func(tx *sql.Tx) error {
		var hash, expires sql.NullString
		var email string
		var verified bool
		if err := tx.QueryRowContext(ctx, `SELECT email, email_verified_at IS NOT NULL, verification_hash, verification_expires_at FROM users WHERE id = ?`, userID).
			Scan(&email, &verified, &hash, &expires); err != nil {
			return err
		}
		if verified {
			return errConflict("the address %s is already verified", email)
		}
		if !hash.Valid || hash.String != hashSecret(in.Body.Code) {
			return invalidField("code", errors.New("not the code emailed to this account's address"))
		}
		if expires.String <= s.nowText() {
			return newProblem(http.StatusConflict, api.ProblemConflict, "the code expired; sign up again to get a new one")
		}
		if _, ok, err := s.userByEmail(ctx, tx, email); err != nil {
			return err
		} else if ok {
			// Only the owner of the mailbox has the code, so telling them is no leak.
			return errConflict("the address %s already belongs to another account; use that one", email)
		}
		if err := s.claimEmail(ctx, tx, email, userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET email_verified_at = ?, verification_hash = NULL, verification_expires_at = NULL WHERE id = ?`,
			s.nowText(), userID); err != nil {
			return fmt.Errorf("verify email: %w", err)
		}
		var err error
		if u, err = s.loadUser(ctx, tx, userID); err != nil {
			return err
		}
		return s.linkInvitedMemberships(ctx, tx, u)
	})
	if err != nil {
		return nil, err
	}
	return newObjectOutput(u), nil
}

func (s *Server) currentUser(ctx context.Context, _ *struct{}) (*objectOutput[api.User], error) {
	u, err := s.loadUser(ctx, s.reader, principalFrom(ctx).userID)
	if err != nil {
		return nil, err
	}
	return newObjectOutput(u), nil
}

// Bootstrap makes sure the bootstrap user and the seed users exist, on a new database and on one that
// already has users alike, so that a restart with new settings applies them: the user with the address
// email (created if nobody holds it) gets personal token `token` unless it already holds it, and each of
// seedEmails gets a user (no token) unless one exists. The operator vouches for these addresses, so
// they count as proven, and nothing is ever duplicated. The token is stored as a hash like every other
// and must be at least api.MinBootstrapTokenLength characters; an empty token adds none. What was
// applied and what was already there is logged, never the token.
func (s *Server) Bootstrap(ctx context.Context, email, token string, seedEmails []string) error {
	if err := api.ValidateEmail(email); err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	if token != "" && len(token) < api.MinBootstrapTokenLength {
		return fmt.Errorf("bootstrap: the token is %d characters long; it must be at least %d, as hard to guess as the tokens the server makes",
			len(token), api.MinBootstrapTokenLength)
	}
	for _, e := range seedEmails {
		if err := api.ValidateEmail(e); err != nil {
			return fmt.Errorf("bootstrap: seed user: %w", err)
		}
	}
	var (
		owner                    api.User
		ownerCreated, tokenAdded bool
		seedsAdded, seedsPresent []string
	)
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		owner, ownerCreated, err = s.ensureProvenUser(ctx, tx, email, "")
		if err != nil {
			return fmt.Errorf("bootstrap: %w", err)
		}
		if token != "" {
			if tokenAdded, err = s.ensurePersonalToken(ctx, tx, owner, "bootstrap", token); err != nil {
				return fmt.Errorf("bootstrap: ORGS_BOOTSTRAP_TOKEN: %w", err)
			}
		}
		seen := map[string]bool{api.EmailKey(email): true}
		for _, e := range seedEmails {
			if seen[api.EmailKey(e)] {
				continue
			}
			seen[api.EmailKey(e)] = true
			u, created, err := s.ensureProvenUser(ctx, tx, e, "")
			if err != nil {
				return fmt.Errorf("bootstrap: seed user %s: %w", e, err)
			}
			if created {
				seedsAdded = append(seedsAdded, u.Email)
			} else {
				seedsPresent = append(seedsPresent, u.Email)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if ownerCreated {
		s.log.Info("bootstrap: user created", "email", owner.Email, "user_id", owner.ID)
	} else {
		s.log.Info("bootstrap: user already present", "email", owner.Email, "user_id", owner.ID)
	}
	switch {
	case token == "":
		s.log.Info("bootstrap: no token given (ORGS_BOOTSTRAP_TOKEN is empty)", "email", owner.Email)
	case tokenAdded:
		s.log.Info("bootstrap: personal token added (ORGS_BOOTSTRAP_TOKEN)", "email", owner.Email)
	default:
		s.log.Info("bootstrap: personal token already present (ORGS_BOOTSTRAP_TOKEN)", "email", owner.Email)
	}
	if len(seedEmails) > 0 {
		s.log.Info("bootstrap: seed users (ORGS_SEED_USERS)", "added", strings.Join(seedsAdded, ","), "already_present", strings.Join(seedsPresent, ","))
	}
	return nil
}

// ensureProvenUser returns the user who proved the address, creating one (proven: the operator vouches
// for it, and name is theirs) when nobody has; created says which.
func (s *Server) ensureProvenUser(ctx context.Context, tx *sql.Tx, email, name string) (u api.User, created bool, err error) {
	u, ok, err := s.userByEmail(ctx, tx, email)
	if err != nil || ok {
		return u, false, err
	}
	u, _, _, err = s.createUser(ctx, tx, email, name, true, false)
	return u, err == nil, err
}

// ensurePersonalToken gives u the personal token secret unless u already holds it; added says whether
// it did. A secret that is another user's token is refused (it is never moved), and so is one more
// token than a user may hold.
func (s *Server) ensurePersonalToken(ctx context.Context, tx *sql.Tx, u api.User, name, secret string) (added bool, err error) {
	var holder string
	err = tx.QueryRowContext(ctx, `SELECT user_id FROM personal_tokens WHERE hash = ?`, hashSecret(secret)).Scan(&holder)
	switch {
	case err == nil && holder == u.ID:
		return false, nil
	case err == nil:
		return false, errConflict("this token is already a personal token of another user; choose another value for %s", u.Email)
	case !errors.Is(err, sql.ErrNoRows):
		return false, err
	}
	var held int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM personal_tokens WHERE user_id = ?`, u.ID).Scan(&held); err != nil {
		return false, err
	}
	if held >= api.MaxPersonalTokensPerUser {
		return false, errLimit("%s holds %d personal access tokens, the most a user may hold; revoke one first", u.Email, held)
	}
	if err := s.insertPersonalToken(ctx, tx, u.ID, name, secret, nil); err != nil {
		return false, err
	}
	return true, nil
}

// ---- Personal tokens ----

func (s *Server) insertPersonalToken(ctx context.Context, tx *sql.Tx, userID, name, secret string, expiresAt *time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO personal_tokens (id, user_id, name, hash, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		newID(prefixPersonalToken), userID, name, hashSecret(secret), nullTime(expiresAt), s.nowText())
	if store.IsUniqueViolation(err) {
		return errConflict("this token value is already in use; choose another")
	}
	if err != nil {
		return fmt.Errorf("insert personal token: %w", err)
	}
	return nil
}

const personalTokenColumns = `seq, id, name, expires_at, created_at, last_used_at`

func scanPersonalToken(row rowScanner) (api.PersonalToken, int64, error) {
	var t api.PersonalToken
	var seq int64
	var expires, lastUsed sql.NullString
	var created string
	if err := row.Scan(&seq, &t.ID, &t.Name, &expires, &created, &lastUsed); err != nil {
		return api.PersonalToken{}, 0, err
	}
	t.ExpiresAt, t.LastUsedAt = parseNullTime(expires), parseNullTime(lastUsed)
	t.CreatedAt = parseTime(created)
	return t, seq, nil
}

type PersonalTokenPath struct {
	TokenID string `path:"token_id" maxLength:"64" doc:"The personal token id."`
}

type listPersonalTokensInput struct {
	PageParams
}

func (s *Server) listPersonalTokens(ctx context.Context, in *listPersonalTokensInput) (*pageOutput[api.PersonalToken], error) {
	after, err := in.cursor()
	if err != nil {
		return nil, err
	}
	items, seqs, err := queryPage(ctx, s.reader, scanPersonalToken, `SELECT `+personalTokenColumns+` FROM personal_tokens WHERE user_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
		principalFrom(ctx).userID, after, in.PageSize+1)
	if err != nil {
		return nil, err
	}
	return &pageOutput[api.PersonalToken]{Body: page(items, seqs, in.PageSize)}, nil
}

type createPersonalTokenInput struct {
	IdempotencyHeader
	Body api.PersonalTokenCreate
}

func (s *Server) createPersonalToken(ctx context.Context, in *createPersonalTokenInput) (*objectOutput[api.PersonalToken], error) {
	if err := futureTime("expires_at", in.Body.ExpiresAt, s.now()); err != nil {
		return nil, err
	}
	userID := principalFrom(ctx).userID
	secret := newSecret(secretPersonalToken)
	var t api.PersonalToken
	err := s.write(ctx, func(tx *sql.Tx) error {
		var held int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM personal_tokens WHERE user_id = ?`, userID).Scan(&held); err != nil {
			return err
		}
		if held >= api.MaxPersonalTokensPerUser {
			return errLimit("a user may hold at most %d personal access tokens and this one holds %d; revoke one first", api.MaxPersonalTokensPerUser, held)
		}
		if err := s.insertPersonalToken(ctx, tx, userID, in.Body.Name, secret, in.Body.ExpiresAt); err != nil {
			return err
		}
		var err error
		t, _, err = scanPersonalToken(tx.QueryRowContext(ctx, `SELECT `+personalTokenColumns+` FROM personal_tokens WHERE hash = ?`, hashSecret(secret)))
		return err
	})
	if err != nil {
		return nil, err
	}
	t.Token = secret
	// No ETag: the representation with the secret is never served again.
	return &objectOutput[api.PersonalToken]{Body: t}, nil
}

func (s *Server) loadPersonalToken(ctx context.Context, q querier, userID, id string) (api.PersonalToken, error) {
	t, _, err := scanPersonalToken(q.QueryRowContext(ctx, `SELECT `+personalTokenColumns+` FROM personal_tokens WHERE user_id = ? AND id = ?`, userID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return api.PersonalToken{}, errNotFound("personal token %q not found", id)
	}
	return t, err
}

func (s *Server) getPersonalToken(ctx context.Context, in *PersonalTokenPath) (*objectOutput[api.PersonalToken], error) {
	t, err := s.loadPersonalToken(ctx, s.reader, principalFrom(ctx).userID, in.TokenID)
	if err != nil {
		return nil, err
	}
	return newObjectOutput(t), nil
}

func (s *Server) deletePersonalToken(ctx context.Context, in *PersonalTokenPath) (*struct{}, error) {
	userID := principalFrom(ctx).userID
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM personal_tokens WHERE user_id = ? AND id = ?`, userID, in.TokenID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNotFound("personal token %q not found", in.TokenID)
		}
		return nil
	})
	return nil, err
}
