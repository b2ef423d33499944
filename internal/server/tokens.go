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

func (s *Server) registerAPITokens(a huma.API) {
	const tag = "API tokens"
	pol := func(action string) policy { return policy{org: true, roles: ownerAdmin, action: action} }
	register(a, s, operation(http.MethodGet, api.PathAPITokens, "list-api-tokens", "List the organization's API tokens (never their secrets)", http.StatusOK,
		pol("list API tokens"), tag), s.listAPITokens)
	register(a, s, operation(http.MethodPost, api.PathAPITokens, "create-api-token", "Create an organization API token (the secret is in this response only)", http.StatusCreated,
		policy{org: true, roles: ownerAdmin, action: "create API tokens", replayRule: onBody(mayCreateToken)}, tag), s.createAPIToken)
	register(a, s, operation(http.MethodGet, api.PathAPIToken, "get-api-token", "Get an organization API token (never its secret)", http.StatusOK,
		pol("read API tokens"), tag), s.getAPIToken)
	register(a, s, operation(http.MethodPatch, api.PathAPIToken, "update-api-token",
		"End an organization API token earlier: move its expiry closer, never further (for example to let a replaced token work on for an overlap)", http.StatusOK,
		pol("revoke API tokens"), tag), s.updateAPIToken)
	register(a, s, operation(http.MethodDelete, api.PathAPIToken, "delete-api-token", "Revoke (delete) an organization API token", http.StatusNoContent,
		pol("revoke API tokens"), tag), s.deleteAPIToken)
}

// mayCreateToken: a token's rights must be rights its creator holds.
func mayCreateToken(a access, b api.APITokenCreate) error {
	return a.require(tokenGranters(b.Role), fmt.Sprintf("create a token with role %s (a token's rights must be rights its creator holds)", b.Role))
}

// tokenGranters are the roles that hold every right of role, and so may give a token that role: an
// owner any token role, an admin an admin or member token, a biller token only someone who holds
// billing (billing is not an admin right): an owner, or an admin whose team grants biller (the
// operation itself needs owner or admin).
func tokenGranters(role api.Role) []api.Role {
	switch role {
	case api.RoleAdmin, api.RoleMember:
		return ownerAdmin
	}
	return ownerBiller
}

type APITokenPath struct {
	OrgPath
	TokenID string `path:"token_id" maxLength:"64" doc:"The API token id."`
}

const apiTokenColumns = `t.seq, t.id, t.organization_id, t.name, t.role, t.expires_at, t.created_by, t.created_at, t.last_used_at,
	EXISTS (SELECT 1 FROM members m WHERE m.organization_id = t.organization_id AND m.user_id = t.created_by AND m.status = 'active')`

// scanAPIToken reads a token; it is active while unexpired and while its creator is a member.
func (s *Server) scanAPIToken(row rowScanner) (api.APIToken, int64, error) {
	var t api.APIToken
	var seq int64
	var expires, lastUsed sql.NullString
	var created string
	var creatorIsMember bool
	if err := row.Scan(&seq, &t.ID, &t.OrganizationID, &t.Name, &t.Role, &expires, &t.CreatedBy, &created, &lastUsed, &creatorIsMember); err != nil {
		return api.APIToken{}, 0, err
	}
	t.ExpiresAt, t.CreatedAt, t.LastUsedAt = parseNullTime(expires), parseTime(created), parseNullTime(lastUsed)
	t.Active = creatorIsMember && (t.ExpiresAt == nil || s.now().Before(*t.ExpiresAt))
	return t, seq, nil
}

func (s *Server) loadAPIToken(ctx context.Context, q querier, orgID, id string) (api.APIToken, error) {
	t, _, err := s.scanAPIToken(q.QueryRowContext(ctx, `SELECT `+apiTokenColumns+` FROM api_tokens t WHERE t.organization_id = ? AND t.id = ?`, orgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return api.APIToken{}, errNotFound("API token %q not found", id)
	}
	return t, err
}

type listAPITokensInput struct {
	OrgPath
	PageParams
}

func (s *Server) listAPITokens(ctx context.Context, in *listAPITokensInput) (*pageOutput[api.APIToken], error) {
	after, err := in.cursor()
	if err != nil {
		return nil, err
	}
	items, seqs, err := queryPage(ctx, s.reader, s.scanAPIToken, `SELECT `+apiTokenColumns+` FROM api_tokens t WHERE t.organization_id = ? AND t.seq > ? ORDER BY t.seq LIMIT ?`,
		in.OrgID, after, in.PageSize+1)
	if err != nil {
		return nil, err
	}
	return &pageOutput[api.APIToken]{Body: page(items, seqs, in.PageSize)}, nil
}

type createAPITokenInput struct {
	OrgPath
	IdempotencyHeader
	Body api.APITokenCreate
}

func (s *Server) createAPIToken(ctx context.Context, in *createAPITokenInput) (*objectOutput[api.APIToken], error) {
	b := in.Body
	if b.Role == api.RoleOwner {
		return nil, invalidField("role", errors.New("an API token's role is admin, member or biller; never owner"))
	}
	if err := futureTime("expires_at", b.ExpiresAt, s.now()); err != nil {
		return nil, err
	}
	secret := newSecret(secretAPIToken)
	var t api.APIToken
	err := s.writeOrg(ctx, func(tx *sql.Tx, a access) error {
		if err := mayCreateToken(a, b); err != nil {
			return err
		}
		if err := s.checkLimit(ctx, tx, a.orgID, api.QuantityAPITokens); err != nil {
			return err
		}
		id := newID(prefixAPIToken)
		// An organization token that creates a token passes on its own creator: the new token is tied to
		// the same person's membership.
		if _, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (id, organization_id, name, role, hash, created_by, expires_at, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			id, a.orgID, b.Name, b.Role, hashSecret(secret), a.userID, nullTime(b.ExpiresAt), s.nowText()); err != nil {
			if store.IsUniqueViolation(err) {
				return errConflict("token collision; retry")
			}
			return fmt.Errorf("insert API token: %w", err)
		}
		if err := s.record(ctx, tx, a.orgID, "api_token.create", "api_token", id); err != nil {
			return err
		}
		var err error
		t, err = s.loadAPIToken(ctx, tx, a.orgID, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	t.Token = secret
	// No ETag: the representation with the secret is never served again.
	return &objectOutput[api.APIToken]{Body: t}, nil
}

func (s *Server) getAPIToken(ctx context.Context, in *APITokenPath) (*objectOutput[api.APIToken], error) {
	t, err := s.loadAPIToken(ctx, s.reader, in.OrgID, in.TokenID)
	if err != nil {
		return nil, err
	}
	return newObjectOutput(t), nil
}

type updateAPITokenInput struct {
	APITokenPath
	IfMatchHeader
	Body api.APITokenUpdate
}

// updateAPIToken moves a token's expiry earlier. It takes the rights of revoking, since that is what it
// does, later: whoever may revoke a token may end it at any moment from now on, and nobody may make a
// token live longer than it was created to, so a leaked secret's life can be cut short but never
// stretched. The same expiry again is no change, so a retried request succeeds.
func (s *Server) updateAPIToken(ctx context.Context, in *updateAPITokenInput) (*objectOutput[api.APIToken], error) {
	at := in.Body.ExpiresAt
	now := s.now()
	if at.Before(now) {
		return nil, invalidField("expires_at", fmt.Errorf("%s is in the past; to end a token now, revoke it (DELETE)", at.UTC().Format(time.RFC3339Nano)))
	}
	var out api.APIToken
	err := s.writeOrg(ctx, func(tx *sql.Tx, a access) error {
		cur, err := s.loadAPIToken(ctx, tx, a.orgID, in.TokenID)
		if err != nil {
			return err
		}
		if err := checkIfMatch(in.IfMatch, cur); err != nil {
			return err
		}
		switch {
		case cur.ExpiresAt != nil && cur.ExpiresAt.Equal(at):
			out = cur
			return nil
		case cur.ExpiresAt != nil && at.After(*cur.ExpiresAt):
			return invalidField("expires_at", fmt.Errorf("%s is after the token's current expiry %s; a token's expiry can only move earlier",
				at.UTC().Format(time.RFC3339Nano), cur.ExpiresAt.UTC().Format(time.RFC3339Nano)))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET expires_at = ? WHERE organization_id = ? AND id = ?`,
			store.FormatTime(at), a.orgID, cur.ID); err != nil {
			return fmt.Errorf("update API token: %w", err)
		}
		if err := s.record(ctx, tx, a.orgID, "api_token.update", "api_token", cur.ID); err != nil {
			return err
		}
		out, err = s.loadAPIToken(ctx, tx, a.orgID, cur.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return newObjectOutput(out), nil
}

func (s *Server) deleteAPIToken(ctx context.Context, in *APITokenPath) (*struct{}, error) {
	return nil, s.deleteOrgObject(ctx, apiTokenObject, in.TokenID)
}
