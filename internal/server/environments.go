package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/store"
)

func (s *Server) registerEnvironments(a huma.API) {
	const tag = "Environments"
	read := policy{org: true, roles: readersOfData, action: "read environments"}
	write := func(action string) policy { return policy{org: true, roles: ownerAdmin, action: action} }
	register(a, s, operation(http.MethodGet, api.PathEnvironments, "list-environments", "List the environments the caller may see (a member: those they hold a role in)", http.StatusOK,
		read, tag), s.listEnvironments)
	register(a, s, operation(http.MethodPost, api.PathEnvironments, "create-environment", "Create an environment", http.StatusCreated,
		write("create environments"), tag), s.createEnvironment)
	register(a, s, operation(http.MethodGet, api.PathEnvironment, "get-environment", "Get an environment", http.StatusOK,
		read, tag), s.getEnvironment)
	register(a, s, operation(http.MethodPatch, api.PathEnvironment, "update-environment", "Rename an environment or report its agent's status", http.StatusOK,
		write("update environments"), tag), s.updateEnvironment)
	register(a, s, operation(http.MethodDelete, api.PathEnvironment, "delete-environment", "Delete an environment (not the default one)", http.StatusNoContent,
		write("delete environments"), tag), s.deleteEnvironment)
}

type EnvironmentPath struct {
	OrgPath
	EnvironmentID string `path:"environment_id" maxLength:"64" doc:"The environment id."`
}

const environmentColumns = `e.seq, e.id, e.organization_id, e.name, e.slug, e.status, e.is_default, e.created_at`

func scanEnvironment(row rowScanner) (api.Environment, int64, error) {
	var e api.Environment
	var seq int64
	var created string
	if err := row.Scan(&seq, &e.ID, &e.OrganizationID, &e.Name, &e.Slug, &e.Status, &e.Default, &created); err != nil {
		return api.Environment{}, 0, err
	}
	e.CreatedAt = parseTime(created)
	return e, seq, nil
}

func (s *Server) loadEnvironment(ctx context.Context, q querier, orgID, id string) (api.Environment, error) {
	e, _, err := scanEnvironment(q.QueryRowContext(ctx, `SELECT `+environmentColumns+` FROM environments e WHERE e.organization_id = ? AND e.id = ?`, orgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return api.Environment{}, errNotFound("environment %q not found", id)
	}
	return e, err
}

// seesAllEnvironments: owners and admins see every environment; a member only those granted to them.
func seesAllEnvironments(a access) bool { return a.allows(ownerAdmin) }

// grantedEnvironments is a query of the ids of the organization's environments in which the user holds
// a role, their own or one a team of theirs grants, with its arguments.
func grantedEnvironments(orgID, userID string) (string, []any) {
	return `SELECT r.environment_id FROM member_environment_roles r JOIN members m ON m.seq = r.member_seq
			WHERE m.organization_id = ? AND m.user_id = ? AND m.status = 'active'
		UNION SELECT r.environment_id FROM team_environment_roles r JOIN team_members tm ON tm.team_seq = r.team_seq
			JOIN members m ON m.seq = tm.member_seq
			WHERE m.organization_id = ? AND m.user_id = ? AND m.status = 'active'`, []any{orgID, userID, orgID, userID}
}

type listEnvironmentsInput struct {
	OrgPath
	PageParams
}

func (s *Server) listEnvironments(ctx context.Context, in *listEnvironmentsInput) (*pageOutput[api.Environment], error) {
	a := accessFrom(ctx)
	after, err := in.cursor()
	if err != nil {
		return nil, err
	}
	query := `SELECT ` + environmentColumns + ` FROM environments e WHERE e.organization_id = ? AND e.seq > ?`
	args := []any{in.OrgID, after}
	if !seesAllEnvironments(a) {
		// An organization token has no environment roles of its own, so a member token sees none.
		userID := ""
		if a.kind == userPrincipal {
			userID = a.userID
		}
		granted, grantedArgs := grantedEnvironments(in.OrgID, userID)
		query += ` AND e.id IN (` + granted + `)`
		args = append(args, grantedArgs...)
	}
	items, seqs, err := queryPage(ctx, s.reader, scanEnvironment, query+` ORDER BY e.seq LIMIT ?`, append(args, in.PageSize+1)...)
	if err != nil {
		return nil, err
	}
	return &pageOutput[api.Environment]{Body: page(items, seqs, in.PageSize)}, nil
}

// slugFrom derives a slug from a name: lowercase letters and digits, runs of anything else as one '-';
// fallback when nothing is left.
func slugFrom(name, fallback string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	slug := strings.Trim(b.String(), "-")
	if len(slug) > 55 {
		slug = strings.Trim(slug[:55], "-")
	}
	if slug == "" {
		slug = fallback
	}
	return slug
}

// chooseSlug is the slug of a new object of table (environments, teams) in the organization: given,
// which must be free, or, when given is empty, one derived from name (noun when the name gives none),
// with -2, -3, ... added until it is free. noun names the object in the refusal.
func chooseSlug(ctx context.Context, q querier, table, orgID, given, name, noun string) (string, error) {
	taken := func(slug string) (bool, error) {
		var n int
		err := q.QueryRowContext(ctx, `SELECT count(*) FROM `+table+` WHERE organization_id = ? AND slug = ?`, orgID, slug).Scan(&n)
		return n > 0, err
	}
	if given != "" {
		t, err := taken(given)
		if err == nil && t {
			err = errConflict("%s with slug %q already exists in the organization", article(noun), given)
		}
		return given, err
	}
	base := slugFrom(name, noun)
	for slug, i := base, 2; ; i++ {
		t, err := taken(slug)
		if err != nil || !t {
			return slug, err
		}
		slug = fmt.Sprintf("%s-%d", base, i)
	}
}

// article is noun with its indefinite article.
func article(noun string) string {
	if strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}

type createEnvironmentInput struct {
	OrgPath
	IdempotencyHeader
	Body api.EnvironmentCreate
}

func (s *Server) createEnvironment(ctx context.Context, in *createEnvironmentInput) (*objectOutput[api.Environment], error) {
	b := in.Body
	if b.Slug != "" {
		if err := api.ValidateSlug(b.Slug); err != nil {
			return nil, invalidField("slug", err)
		}
	}
	now := s.now().UTC()
	e := api.Environment{ID: newID(prefixEnvironment), OrganizationID: in.OrgID, Name: b.Name, Slug: b.Slug, Status: api.EnvironmentDisconnected, CreatedAt: now}
	err := s.writeOrg(ctx, func(tx *sql.Tx, a access) error {
		if err := s.checkLimit(ctx, tx, a.orgID, api.QuantityEnvironments); err != nil {
			return err
		}
		var err error
		if e.Slug, err = chooseSlug(ctx, tx, "environments", a.orgID, e.Slug, b.Name, "environment"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO environments (id, organization_id, name, slug, status, is_default, created_at) VALUES (?, ?, ?, ?, ?, 0, ?)`,
			e.ID, e.OrganizationID, e.Name, e.Slug, e.Status, store.FormatTime(now)); err != nil {
			if store.IsUniqueViolation(err) {
				return errConflict("an environment with slug %q already exists in the organization", e.Slug)
			}
			return fmt.Errorf("insert environment: %w", err)
		}
		return s.record(ctx, tx, a.orgID, "environment.create", "environment", e.ID)
	})
	if err != nil {
		return nil, err
	}
	return newObjectOutput(e), nil
}

func (s *Server) getEnvironment(ctx context.Context, in *EnvironmentPath) (*objectOutput[api.Environment], error) {
	a := accessFrom(ctx)
	e, err := s.loadEnvironment(ctx, s.reader, in.OrgID, in.EnvironmentID)
	if err != nil {
		return nil, err
	}
	if !seesAllEnvironments(a) {
		granted := false
		if a.kind == userPrincipal {
			query, args := grantedEnvironments(in.OrgID, a.userID)
			if err := s.reader.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM (`+query+`) WHERE environment_id = ?)`,
				append(args, e.ID)...).Scan(&granted); err != nil {
				return nil, err
			}
		}
		if !granted {
			return nil, a.require(ownerAdmin, "read an environment without a role in it")
		}
	}
	return newObjectOutput(e), nil
}

type updateEnvironmentInput struct {
	EnvironmentPath
	IfMatchHeader
	Body api.EnvironmentUpdate
}

func (s *Server) updateEnvironment(ctx context.Context, in *updateEnvironmentInput) (*objectOutput[api.Environment], error) {
	b := in.Body
	var out api.Environment
	err := s.writeOrg(ctx, func(tx *sql.Tx, a access) error {
		cur, err := s.loadEnvironment(ctx, tx, a.orgID, in.EnvironmentID)
		if err != nil {
			return err
		}
		if err := checkIfMatch(in.IfMatch, cur); err != nil {
			return err
		}
		next := cur
		if b.Name != nil {
			next.Name = *b.Name
		}
		if b.Status != nil {
			next.Status = *b.Status
		}
		if next == cur {
			out = cur
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE environments SET name = ?, status = ? WHERE id = ?`, next.Name, next.Status, cur.ID); err != nil {
			return fmt.Errorf("update environment: %w", err)
		}
		out = next
		return s.record(ctx, tx, a.orgID, "environment.update", "environment", cur.ID)
	})
	if err != nil {
		return nil, err
	}
	return newObjectOutput(out), nil
}

func (s *Server) deleteEnvironment(ctx context.Context, in *EnvironmentPath) (*struct{}, error) {
	err := s.writeOrg(ctx, func(tx *sql.Tx, a access) error {
		cur, err := s.loadEnvironment(ctx, tx, a.orgID, in.EnvironmentID)
		if err != nil {
			return err
		}
		if cur.Default {
			return errConflict("environment %q is the organization's default environment and cannot be deleted", cur.ID)
		}
		// Members' roles in it go with it (ON DELETE CASCADE).
		if _, err := tx.ExecContext(ctx, `DELETE FROM environments WHERE id = ?`, cur.ID); err != nil {
			return fmt.Errorf("delete environment: %w", err)
		}
		return s.record(ctx, tx, a.orgID, "environment.delete", "environment", cur.ID)
	})
	return nil, err
}
