package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/store"
)

func (s *Server) registerMembers(a huma.API) {
	const tag = "Members"
	register(a, s, operation(http.MethodGet, api.PathMembers, "list-members", "List the organization's members", http.StatusOK,
		policy{org: true, roles: everyRole, action: "list members"}, tag), s.listMembers)
	register(a, s, operation(http.MethodPost, api.PathMembers, "add-member", "Add an existing user to the organization", http.StatusCreated,
		policy{org: true, roles: ownerAdmin, action: "add members", replayRule: onBody(mayAddMember)}, tag), s.addMember)
	register(a, s, operation(http.MethodGet, api.PathMember, "get-member", "Get a member by email (case-insensitive)", http.StatusOK,
		policy{org: true, roles: everyRole, action: "read members"}, tag), s.getMember)
	register(a, s, operation(http.MethodPatch, api.PathMember, "update-member", "Change a member's role or environment roles", http.StatusOK,
		policy{org: true, roles: ownerAdmin, action: "change members"}, tag), s.updateMember)
	// Every role may call it to leave; removing someone else is checked in the handler.
	register(a, s, operation(http.MethodDelete, api.PathMember, "remove-member", "Remove a member, or leave the organization (remove yourself)", http.StatusNoContent,
		policy{org: true, roles: everyRole, action: "remove members"}, tag), s.removeMember)
	register(a, s, operation(http.MethodGet, api.PathMemberships, "list-memberships", "List the current user's memberships, pending ones included", http.StatusOK,
		policy{userOnly: true, action: "list memberships"}, tag), s.listMemberships)
	register(a, s, operation(http.MethodPost, api.PathMembershipAccept, "accept-membership", "Accept a pending membership someone added you to; it then counts toward your organization cap", http.StatusOK,
		policy{userOnly: true, action: "accept memberships", replayRule: stillMember}, tag), s.acceptMembership)
	register(a, s, operation(http.MethodPost, api.PathMembershipDecline, "decline-membership", "Decline (delete) a pending membership someone added you to", http.StatusNoContent,
		policy{userOnly: true, action: "decline memberships"}, tag), s.declineMembership)
}

type MemberPath struct {
	OrgPath
	Email string `path:"email" maxLength:"254" doc:"The member's email, compared case-insensitively."`
}

const memberColumns = `m.seq, m.organization_id, u.id, u.email, u.name, m.role, m.status, m.created_at`

func scanMember(row rowScanner) (api.Member, int64, error) {
	var m api.Member
	var seq int64
	var created string
	if err := row.Scan(&seq, &m.OrganizationID, &m.UserID, &m.Email, &m.Name, &m.Role, &m.Status, &created); err != nil {
		return api.Member{}, 0, err
	}
	m.CreatedAt = parseTime(created)
	m.EnvironmentRoles = map[string]api.EnvironmentRole{}
	return m, seq, nil
}

// environmentRoles returns, by user, the environment roles of the organization's members whose
// membership seq lies in [fromSeq, toSeq]: one query for a whole page of members, and only that page's
// rows, so refreshing thousands of members stays linear.
func environmentRoles(ctx context.Context, q querier, orgID string, fromSeq, toSeq int64) (map[string]map[string]api.EnvironmentRole, error) {
	rows, err := q.QueryContext(ctx, `SELECT r.user_id, r.environment_id, r.role FROM member_environment_roles r
		JOIN members m ON m.organization_id = r.organization_id AND m.user_id = r.user_id
		WHERE m.organization_id = ? AND m.seq BETWEEN ? AND ?`, orgID, fromSeq, toSeq)
	if err != nil {
		return nil, fmt.Errorf("environment roles: %w", err)
	}
	defer rows.Close()
	out := map[string]map[string]api.EnvironmentRole{}
	for rows.Next() {
		var user, env string
		var role api.EnvironmentRole
		if err := rows.Scan(&user, &env, &role); err != nil {
			return nil, err
		}
		if out[user] == nil {
			out[user] = map[string]api.EnvironmentRole{}
		}
		out[user][env] = role
	}
	return out, rows.Err()
}

func (s *Server) loadMember(ctx context.Context, q querier, orgID, email string) (api.Member, error) {
	m, seq, err := scanMember(q.QueryRowContext(ctx, `SELECT `+memberColumns+` FROM members m JOIN users u ON u.id = m.user_id
		WHERE m.organization_id = ? AND u.email_key = ?`, orgID, api.EmailKey(email)))
	if errors.Is(err, sql.ErrNoRows) {
		return api.Member{}, errNotFound("%s is not a member of organization %q", email, orgID)
	}
	if err != nil {
		return api.Member{}, err
	}
	roles, err := environmentRoles(ctx, q, orgID, seq, seq)
	if err != nil {
		return api.Member{}, err
	}
	if r := roles[m.UserID]; r != nil {
		m.EnvironmentRoles = r
	}
	return m, nil
}

// checkEnvironmentRoles refuses environment ids that are not environments of the organization.
func checkEnvironmentRoles(ctx context.Context, q querier, orgID string, roles map[string]api.EnvironmentRole) error {
	for _, envID := range slices.Sorted(maps.Keys(roles)) {
		var n int
		if err := q.QueryRowContext(ctx, `SELECT count(*) FROM environments WHERE organization_id = ? AND id = ?`, orgID, envID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return invalidField("environment_roles", fmt.Errorf("%q is not an environment of this organization", envID))
		}
	}
	return nil
}

func setEnvironmentRoles(ctx context.Context, tx *sql.Tx, orgID, userID string, roles map[string]api.EnvironmentRole) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM member_environment_roles WHERE organization_id = ? AND user_id = ?`, orgID, userID); err != nil {
		return fmt.Errorf("clear environment roles: %w", err)
	}
	for env, role := range roles {
		if _, err := tx.ExecContext(ctx, `INSERT INTO member_environment_roles (organization_id, user_id, environment_id, role) VALUES (?, ?, ?, ?)`,
			orgID, userID, env, role); err != nil {
			return fmt.Errorf("set environment role: %w", err)
		}
	}
	return nil
}

// countOwners counts the active owners: a pending owner holds no rights yet, and may never accept.
func countOwners(ctx context.Context, q querier, orgID string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM members WHERE organization_id = ? AND role = 'owner' AND status = 'active'`, orgID).Scan(&n)
	return n, err
}

func countActiveMembers(ctx context.Context, q querier, orgID string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM members WHERE organization_id = ? AND status = 'active'`, orgID).Scan(&n)
	return n, err
}

// insertMember makes a user a member with status, enforcing the plan's member limit and, for an active
// membership, the user's organization cap (a pending one does not count toward it).
func (s *Server) insertMember(ctx context.Context, tx *sql.Tx, orgID string, u api.User, role api.Role, status api.MemberStatus) error {
	var exists int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM members WHERE organization_id = ? AND user_id = ?`, orgID, u.ID).Scan(&exists); err != nil {
		return err
	}
	if exists > 0 {
		return errConflict("%s is already a member of organization %q", u.Email, orgID)
	}
	if err := s.checkLimit(ctx, tx, orgID, api.QuantityMembers); err != nil {
		return err
	}
	if status == api.MemberActive {
		if err := checkOrganizationCap(ctx, tx, u.ID, u.Email); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO members (organization_id, user_id, role, status, created_at) VALUES (?, ?, ?, ?, ?)`,
		orgID, u.ID, role, status, s.nowText()); err != nil {
		if store.IsUniqueViolation(err) {
			return errConflict("%s is already a member of organization %q", u.Email, orgID)
		}
		return fmt.Errorf("insert member: %w", err)
	}
	return nil
}

type listMembersInput struct {
	OrgPath
	PageParams
}

func (s *Server) listMembers(ctx context.Context, in *listMembersInput) (*pageOutput[api.Member], error) {
	after, err := in.cursor()
	if err != nil {
		return nil, err
	}
	items, seqs, err := queryPage(ctx, s.reader, scanMember, `SELECT `+memberColumns+` FROM members m JOIN users u ON u.id = m.user_id
		WHERE m.organization_id = ? AND m.seq > ? ORDER BY m.seq LIMIT ?`, in.OrgID, after, in.PageSize+1)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return &pageOutput[api.Member]{Body: page(items, seqs, in.PageSize)}, nil
	}
	roles, err := environmentRoles(ctx, s.reader, in.OrgID, seqs[0], seqs[len(seqs)-1])
	if err != nil {
		return nil, err
	}
	for i := range items {
		if r := roles[items[i].UserID]; r != nil {
			items[i].EnvironmentRoles = r
		}
	}
	return &pageOutput[api.Member]{Body: page(items, seqs, in.PageSize)}, nil
}

// mayAddMember: only owners make owners.
func mayAddMember(a access, b api.MemberCreate) error {
	if b.Role == api.RoleOwner {
		return a.require(ownerOnly, "add an owner (only owners make owners)")
	}
	return nil
}

// stillMember is the replay rule of accepting a membership: the membership accepted is still active.
// Once the user was removed, a replayed accept meets what a fresh one would: there is nothing to accept.
func stillMember(ctx context.Context, s *Server, a access, _ []byte) error {
	role, err := s.roleIn(ctx, s.reader, a.orgID, a.userID)
	if err == nil && role == "" {
		err = errNotFound("you have no membership of organization %q", a.orgID)
	}
	return err
}

type addMemberInput struct {
	OrgPath
	IdempotencyHeader
	Body api.MemberCreate
}

func (s *Server) addMember(ctx context.Context, in *addMemberInput) (*objectOutput[api.Member], error) {
	b := in.Body
	if err := api.ValidateEmail(b.Email); err != nil {
		return nil, invalidField("email", err)
	}
	var m api.Member
	err := s.writeOrg(ctx, func(tx *sql.Tx, a access) error {
		if err := mayAddMember(a, b); err != nil {
			return err
		}
		if err := checkEnvironmentRoles(ctx, tx, a.orgID, b.EnvironmentRoles); err != nil {
			return err
		}
		u, ok, err := s.userByEmail(ctx, tx, b.Email)
		if err != nil {
			return err
		}
		if !ok {
			return newProblem(http.StatusUnprocessableEntity, api.ProblemUnknownUser,
				"email: there is no user with email %q; invite them instead (POST %s)", b.Email, api.PathInvitations)
		}
		if err := s.checkDeclineCooldown(ctx, tx, a.orgID, u); err != nil {
			return err
		}
		// Being added is not consenting: the membership waits for the user unless the server was told
		// to skip that (Config.AutoAcceptMemberships, for local and CI setups).
		status := api.MemberPending
		if s.cfg.AutoAcceptMemberships && u.EmailVerified {
			status = api.MemberActive
		}
		if err := s.insertMember(ctx, tx, a.orgID, u, b.Role, status); err != nil {
			return err
		}
		if err := setEnvironmentRoles(ctx, tx, a.orgID, u.ID, b.EnvironmentRoles); err != nil {
			return err
		}
		if err := s.record(ctx, tx, a.orgID, "member.create", "member", u.ID); err != nil {
			return err
		}
		m, err = s.loadMember(ctx, tx, a.orgID, u.Email)
		return err
	})
	if err != nil {
		return nil, err
	}
	return newObjectOutput(m), nil
}

func (s *Server) getMember(ctx context.Context, in *MemberPath) (*objectOutput[api.Member], error) {
	m, err := s.loadMember(ctx, s.reader, in.OrgID, in.Email)
	if err != nil {
		return nil, err
	}
	return newObjectOutput(m), nil
}

type updateMemberInput struct {
	MemberPath
	IfMatchHeader
	Body api.MemberUpdate
}

func (s *Server) updateMember(ctx context.Context, in *updateMemberInput) (*objectOutput[api.Member], error) {
	b := in.Body
	var m api.Member
	err := s.writeOrg(ctx, func(tx *sql.Tx, a access) error {
		cur, err := s.loadMember(ctx, tx, a.orgID, in.Email)
		if err != nil {
			return err
		}
		if err := checkIfMatch(in.IfMatch, cur); err != nil {
			return err
		}
		roleChange := b.Role != nil && *b.Role != cur.Role
		if cur.Role == api.RoleOwner {
			if err := a.require(ownerOnly, "change an owner (only owners make or unmake owners)"); err != nil {
				return err
			}
		}
		if roleChange && *b.Role == api.RoleOwner {
			if err := a.require(ownerOnly, "make a member owner (only owners make owners)"); err != nil {
				return err
			}
		}
		if roleChange && cur.Role == api.RoleOwner && cur.Status == api.MemberActive {
			owners, err := countOwners(ctx, tx, a.orgID)
			if err != nil {
				return err
			}
			if owners <= 1 {
				return errLastOwner("%s is the last owner of the organization; make another member owner before changing their role", cur.Email)
			}
		}
		if roleChange {
			if _, err := tx.ExecContext(ctx, `UPDATE members SET role = ? WHERE organization_id = ? AND user_id = ?`, *b.Role, a.orgID, cur.UserID); err != nil {
				return fmt.Errorf("update member: %w", err)
			}
		}
		envChange := false
		if b.EnvironmentRoles != nil && !maps.Equal(*b.EnvironmentRoles, cur.EnvironmentRoles) {
			envChange = true
			if err := checkEnvironmentRoles(ctx, tx, a.orgID, *b.EnvironmentRoles); err != nil {
				return err
			}
			if err := setEnvironmentRoles(ctx, tx, a.orgID, cur.UserID, *b.EnvironmentRoles); err != nil {
				return err
			}
		}
		if roleChange || envChange {
			if err := s.record(ctx, tx, a.orgID, "member.update", "member", cur.UserID); err != nil {
				return err
			}
		}
		m, err = s.loadMember(ctx, tx, a.orgID, cur.Email)
		return err
	})
	if err != nil {
		return nil, err
	}
	return newObjectOutput(m), nil
}

// ---- The current user's memberships ----

type listMembershipsInput struct {
	PageParams
	Status api.MemberStatus `query:"status" doc:"Only memberships with this status."`
}

func (s *Server) listMemberships(ctx context.Context, in *listMembershipsInput) (*pageOutput[api.Member], error) {
	after, err := in.cursor()
	if err != nil {
		return nil, err
	}
	query := `SELECT ` + memberColumns + ` FROM members m JOIN users u ON u.id = m.user_id WHERE m.user_id = ? AND m.seq > ?`
	args := []any{principalFrom(ctx).userID, after}
	if in.Status != "" {
		query += ` AND m.status = ?`
		args = append(args, in.Status)
	}
	items, seqs, err := queryPage(ctx, s.reader, scanMember, query+` ORDER BY m.seq LIMIT ?`, append(args, in.PageSize+1)...)
	if err != nil {
		return nil, err
	}
	for i := range items {
		roles, err := environmentRoles(ctx, s.reader, items[i].OrganizationID, seqs[i], seqs[i])
		if err != nil {
			return nil, err
		}
		if r := roles[items[i].UserID]; r != nil {
			items[i].EnvironmentRoles = r
		}
	}
	return &pageOutput[api.Member]{Body: page(items, seqs, in.PageSize)}, nil
}

// pendingMembership is the current user's pending membership of the organization, read through tx.
func (s *Server) pendingMembership(ctx context.Context, tx *sql.Tx, orgID string) (api.Member, api.User, error) {
	u, err := s.loadUser(ctx, tx, principalFrom(ctx).userID)
	if err != nil {
		return api.Member{}, api.User{}, err
	}
	notFound := errNotFound("you have no membership of organization %q", orgID)
	m, err := s.loadMember(ctx, tx, orgID, u.Email)
	var prob *problem
	switch {
	case errors.As(err, &prob) && prob.Status == http.StatusNotFound:
		return api.Member{}, api.User{}, notFound
	case err != nil:
		return api.Member{}, api.User{}, err
	case m.UserID != u.ID:
		return api.Member{}, api.User{}, notFound
	}
	if m.Status != api.MemberPending {
		return api.Member{}, api.User{}, errConflict("your membership of organization %q is already active", orgID)
	}
	return m, u, nil
}

func (s *Server) acceptMembership(ctx context.Context, in *OrgPath) (*objectOutput[api.Member], error) {
	var m api.Member
	err := s.write(ctx, func(tx *sql.Tx) error {
		cur, u, err := s.pendingMembership(ctx, tx, in.OrgID)
		if err != nil {
			return err
		}
		if err := activateMembership(ctx, tx, in.OrgID, u); err != nil {
			return err
		}
		if err := s.recordAs(ctx, tx, in.OrgID, "user", u.ID, "member.accept", "member", u.ID); err != nil {
			return err
		}
		m, err = s.loadMember(ctx, tx, in.OrgID, cur.Email)
		return err
	})
	if err != nil {
		return nil, err
	}
	return newObjectOutput(m), nil
}

// activateMembership makes u's pending membership of the organization active; from now on it counts
// toward u's organization cap, which must have room.
func activateMembership(ctx context.Context, tx *sql.Tx, orgID string, u api.User) error {
	if err := checkOrganizationCap(ctx, tx, u.ID, u.Email); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE members SET status = 'active' WHERE organization_id = ? AND user_id = ? AND status = 'pending'`, orgID, u.ID); err != nil {
		return fmt.Errorf("accept membership: %w", err)
	}
	return nil
}

// checkDeclineCooldown refuses to ask u again, for api.DeclineCooldown after they declined a membership
// of the organization.
func (s *Server) checkDeclineCooldown(ctx context.Context, tx *sql.Tx, orgID string, u api.User) error {
	var declined string
	err := tx.QueryRowContext(ctx, `SELECT declined_at FROM membership_declines WHERE organization_id = ? AND user_id = ?`, orgID, u.ID).Scan(&declined)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	until := parseTime(declined).Add(api.DeclineCooldown)
	if !s.now().Before(until) {
		return nil
	}
	return errConflict("%s declined a membership of this organization at %s; they cannot be added or invited again before %s "+
		"(%d days after a decline, so that nobody is asked over and over)", u.Email, parseTime(declined).UTC().Format(time.RFC3339),
		until.UTC().Format(time.RFC3339), int(api.DeclineCooldown.Hours()/24))
}

func (s *Server) declineMembership(ctx context.Context, in *OrgPath) (*struct{}, error) {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, u, err := s.pendingMembership(ctx, tx, in.OrgID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM members WHERE organization_id = ? AND user_id = ?`, in.OrgID, u.ID); err != nil {
			return fmt.Errorf("decline membership: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO membership_declines (organization_id, user_id, declined_at) VALUES (?, ?, ?)
			ON CONFLICT (organization_id, user_id) DO UPDATE SET declined_at = excluded.declined_at`, in.OrgID, u.ID, s.nowText()); err != nil {
			return fmt.Errorf("record the decline: %w", err)
		}
		return s.recordAs(ctx, tx, in.OrgID, "user", u.ID, "member.decline", "member", u.ID)
	})
	return nil, err
}

func (s *Server) removeMember(ctx context.Context, in *MemberPath) (*struct{}, error) {
	err := s.writeOrg(ctx, func(tx *sql.Tx, a access) error {
		cur, err := s.loadMember(ctx, tx, a.orgID, in.Email)
		if err != nil {
			return err
		}
		leaving := a.kind == userPrincipal && cur.UserID == a.userID
		if !leaving {
			if err := a.require(ownerAdmin, "remove other members"); err != nil {
				return err
			}
			if cur.Role == api.RoleOwner {
				if err := a.require(ownerOnly, "remove an owner (only owners unmake owners)"); err != nil {
					return err
				}
			}
		}
		// Pending memberships are not counted: nobody can be kept as the last member or owner by
		// someone who added them and left.
		if cur.Status == api.MemberActive {
			members, err := countActiveMembers(ctx, tx, a.orgID)
			if err != nil {
				return err
			}
			if members <= 1 {
				return errLastOwner("%s is the last member of the organization and cannot leave; delete the organization instead", cur.Email)
			}
			if cur.Role == api.RoleOwner {
				owners, err := countOwners(ctx, tx, a.orgID)
				if err != nil {
					return err
				}
				if owners <= 1 {
					return errLastOwner("%s is the last owner of the organization; make another member owner first, or delete the organization", cur.Email)
				}
			}
		}
		// The organization tokens this user created stop working (their active flag is computed from
		// the membership), and work again if the user rejoins.
		if _, err := tx.ExecContext(ctx, `DELETE FROM members WHERE organization_id = ? AND user_id = ?`, a.orgID, cur.UserID); err != nil {
			return fmt.Errorf("remove member: %w", err)
		}
		action := "member.delete"
		if leaving {
			action = "member.leave"
		}
		return s.record(ctx, tx, a.orgID, action, "member", cur.UserID)
	})
	return nil, err
}
