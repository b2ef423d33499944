package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/store"
)

func (s *Server) registerUsers(a huma.API) {
	const tag = "Users"
	register(a, s, operation(http.MethodPost, api.PathUsers, "signup", "Sign up: create a user and their first personal token", http.StatusCreated,
		policy{public: true}, tag), s.signup)
	register(a, s, operation(http.MethodGet, api.PathCurrentUser, "get-current-user", "Get the user the personal token belongs to", http.StatusOK,
		policy{userOnly: true, action: "read the current user"}, tag), s.currentUser)
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

const userColumns = `id, email, name, created_at`

func scanUser(row rowScanner) (api.User, error) {
	var u api.User
	var created string
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &created); err != nil {
		return api.User{}, err
	}
	u.CreatedAt = parseTime(created)
	return u, nil
}

func (s *Server) loadUser(ctx context.Context, q querier, id string) (api.User, error) {
	return scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
}

// userByEmail finds a user by email, case-insensitively; ok is false when there is none.
func (s *Server) userByEmail(ctx context.Context, q querier, email string) (api.User, bool, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE email_lower = ?`, lowerEmail(email)))
	if errors.Is(err, sql.ErrNoRows) {
		return api.User{}, false, nil
	}
	return u, err == nil, err
}

// createUser inserts a user; with withToken it also issues their first personal token and returns it.
func (s *Server) createUser(ctx context.Context, tx *sql.Tx, email, name string, withToken bool) (api.User, string, error) {
	u := api.User{ID: newID(prefixUser), Email: email, Name: name, CreatedAt: s.now().UTC()}
	_, err := tx.ExecContext(ctx, `INSERT INTO users (id, email, email_lower, name, created_at) VALUES (?, ?, ?, ?, ?)`,
		u.ID, u.Email, lowerEmail(u.Email), u.Name, store.FormatTime(u.CreatedAt))
	if store.IsUniqueViolation(err) {
		return api.User{}, "", errConflict("a user with email %q already exists", email)
	}
	if err != nil {
		return api.User{}, "", fmt.Errorf("insert user: %w", err)
	}
	if !withToken {
		return u, "", nil
	}
	secret := newSecret(secretPersonalToken)
	if err := s.insertPersonalToken(ctx, tx, u.ID, "first token", secret, nil); err != nil {
		return api.User{}, "", err
	}
	return u, secret, nil
}

type signupInput struct {
	IdempotencyHeader
	Body api.SignupRequest
}

type signupOutput struct {
	Body api.SignupResponse
}

func (s *Server) signup(ctx context.Context, in *signupInput) (*signupOutput, error) {
	if err := api.ValidateEmail(in.Body.Email); err != nil {
		return nil, invalidField("email", err)
	}
	var out api.SignupResponse
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		out.User, out.Token, err = s.createUser(ctx, tx, in.Body.Email, in.Body.Name, true)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &signupOutput{Body: out}, nil
}

func (s *Server) currentUser(ctx context.Context, _ *struct{}) (*objectOutput[api.User], error) {
	u, err := s.loadUser(ctx, s.db.Reader, principalFrom(ctx).userID)
	if err != nil {
		return nil, err
	}
	return newObjectOutput(u), nil
}

// Bootstrap creates the first user, holding personal token `token`, when the database has no users;
// it also creates users (no token) for each of seedEmails. It does nothing when users exist. The
// token is stored as a hash like every other; an empty token creates the user without one.
func (s *Server) Bootstrap(ctx context.Context, email, token string, seedEmails []string) error {
	if err := api.ValidateEmail(email); err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	for _, e := range seedEmails {
		if err := api.ValidateEmail(e); err != nil {
			return fmt.Errorf("bootstrap: seed user: %w", err)
		}
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		var users int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&users); err != nil {
			return fmt.Errorf("bootstrap: %w", err)
		}
		if users > 0 {
			return nil
		}
		u, _, err := s.createUser(ctx, tx, email, "", false)
		if err != nil {
			return fmt.Errorf("bootstrap: %w", err)
		}
		if token != "" {
			if err := s.insertPersonalToken(ctx, tx, u.ID, "bootstrap", token, nil); err != nil {
				return fmt.Errorf("bootstrap: %w", err)
			}
		}
		for _, e := range seedEmails {
			if lowerEmail(e) == lowerEmail(email) {
				continue
			}
			if _, _, err := s.createUser(ctx, tx, e, "", false); err != nil {
				return fmt.Errorf("bootstrap: seed user %s: %w", e, err)
			}
		}
		return nil
	})
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

const personalTokenColumns = `seq, id, name, expires_at, created_at`

func scanPersonalToken(row rowScanner) (api.PersonalToken, int64, error) {
	var t api.PersonalToken
	var seq int64
	var expires sql.NullString
	var created string
	if err := row.Scan(&seq, &t.ID, &t.Name, &expires, &created); err != nil {
		return api.PersonalToken{}, 0, err
	}
	t.ExpiresAt = parseNullTime(expires)
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
	items, seqs, err := queryPage(ctx, s.db.Reader, scanPersonalToken, `SELECT `+personalTokenColumns+` FROM personal_tokens WHERE user_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
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
	t, err := s.loadPersonalToken(ctx, s.db.Reader, principalFrom(ctx).userID, in.TokenID)
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
