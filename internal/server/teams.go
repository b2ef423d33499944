package server

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/store"
)

// Teams group active members of an organization. A team may grant its members an organization role
// (never owner) and environment roles: a person's rights are those of their own role and of every
// grant of their teams (memberRoles, grantedEnvironments). Owners and admins manage teams; a team's
// maintainers manage that team's membership; every member reads them, as they read the members.
func (s *Server) registerTeams(a huma.API) {
	const tag = "Teams"
	read := func(action string) policy { return policy{org: true, roles: everyRole, action: action} }
	write := func(action string) policy { return policy{org: true, roles: ownerAdmin, action: action} }
	// Managing a team's membership is open to the team's maintainers, whatever their role: the policy
	// lets every member in, and the handler decides inside its transaction (mayManageTeamMembers).
	manage := func(action string) policy { return policy{org: true, roles: everyRole, action: action} }
	register(a, s, operation(http.MethodGet, api.PathTeams, "list-teams", "List the organization's teams", http.StatusOK,
		read("list teams"), tag), s.listTeams)
	register(a, s, operation(http.MethodPost, api.PathTeams, "create-team", "Create a team; names are unique in the organization without regard to case", http.StatusCreated,
		write("create teams"), tag), s.createTeam)
	register(a, s, operation(http.MethodGet, api.PathTeam, "get-team", "Get a team by slug", http.StatusOK,
		read("read teams"), tag), s.getTeam)
	register(a, s, operation(http.MethodPatch, api.PathTeam, "update-team", "Change a team's name, description or grants (the slug never changes)", http.StatusOK,
		write("update teams"), tag), s.updateTeam)
	register(a, s, operation(http.MethodDelete, api.PathTeam, "delete-team", "Delete a team and its memberships", http.StatusNoContent,
		write("delete teams"), tag), s.deleteTeam)
	register(a, s, operation(http.MethodGet, api.PathTeamMembers, "list-team-members", "List a team's members", http.StatusOK,
		read("list team members"), tag), s.listTeamMembers)
	add := policy{org: true, roles: everyRole, action: "add team members", replayRule: stillManagesTeam}
	register(a, s, operation(http.MethodPost, api.PathTeamMembers, "add-team-member", "Add an active member of the organization to a team (owners, admins and the team's maintainers)", http.StatusCreated,
		add, tag), s.addTeamMember)
	register(a, s, operation(http.MethodGet, api.PathTeamMember, "get-team-member", "Get one person's membership of a team, by email (case-insensitive)", http.StatusOK,
		read("read team members"), tag), s.getTeamMember)
	register(a, s, operation(http.MethodPatch, api.PathTeamMember, "update-team-member", "Change a person's role in a team (owners, admins and the team's maintainers)", http.StatusOK,
		manage("change team members"), tag), s.updateTeamMember)
	register(a, s, operation(http.MethodDelete, api.PathTeamMember, "remove-team-member", "Remove a person from a team (owners, admins and the team's maintainers), or leave it", http.StatusNoContent,
		manage("remove team members"), tag), s.removeTeamMember)
	register(a, s, operation(http.MethodGet, api.PathTeamMemberships, "list-team-memberships", "List every team membership of the organization (all teams, in pages)", http.StatusOK,
		read("list team memberships"), tag), s.listTeamMemberships)
	// In bulk, as one at a time: every member may call it, and each item is decided by its own handler
	// (a maintainer's items on their own team succeed, on another team fail with 403; anyone's removal
	// of themselves is leaving).
	type in = bulkTeamMembersInput
	registerBulk(a, s, bulkOperation(api.PathBulkTeamMembers, "bulk-team-members", "Add, change and remove a team's members in bulk (key: the person's email; owners, admins and the team's maintainers)",
		policy{org: true, roles: everyRole, action: "change team members in bulk", replayRule: stillManagesTeamInBulk}, tag),
		bulkCollection[in, api.TeamMemberCreate, api.TeamMemberUpdate, api.TeamMember]{
			noun: "team member", items: func(in *in) []api.BulkItem[api.TeamMemberCreate, api.TeamMemberUpdate] { return in.Body.Items },
			createPolicy: add, updatePolicy: manage("change team members"), deletePolicy: manage("remove team members"),
			create: func(ctx context.Context, in *in, b api.TeamMemberCreate) (api.TeamMember, error) {
				return objectOf(s.addTeamMember(ctx, &addTeamMemberInput{TeamPath: in.TeamPath, Body: b}))
			},
			update: func(ctx context.Context, in *in, email string, b api.TeamMemberUpdate) (api.TeamMember, error) {
				return objectOf(s.updateTeamMember(ctx, &updateTeamMemberInput{TeamMemberPath: TeamMemberPath{TeamPath: in.TeamPath, Email: email}, Body: b}))
			},
			delete: func(ctx context.Context, in *in, email string) error {
				_, err := s.removeTeamMember(ctx, &TeamMemberPath{TeamPath: in.TeamPath, Email: email})
				return err
			},
		})
}

// bulkTeamMembersInput is the input of a team's bulk endpoint (api.PathBulkTeamMembers).
type bulkTeamMembersInput struct {
	TeamPath
	IdempotencyHeader
	Body api.BulkRequest[api.TeamMemberCreate, api.TeamMemberUpdate]
}

type TeamPath struct {
	OrgPath
	TeamSlug string `path:"team_slug" maxLength:"63" doc:"The team's slug."`
}

type TeamMemberPath struct {
	TeamPath
	Email string `path:"email" maxLength:"254" doc:"The person's email, compared case-insensitively."`
}

const teamColumns = `t.seq, t.id, t.organization_id, t.name, t.slug, t.description, t.role, t.created_at, t.updated_at`

func scanTeam(row rowScanner) (api.Team, int64, error) {
	var t api.Team
	var seq int64
	var created, updated string
	if err := row.Scan(&seq, &t.ID, &t.OrganizationID, &t.Name, &t.Slug, &t.Description, &t.Role, &created, &updated); err != nil {
		return api.Team{}, 0, err
	}
	t.CreatedAt, t.UpdatedAt = parseTime(created), parseTime(updated)
	t.EnvironmentRoles = map[string]api.EnvironmentRole{}
	return t, seq, nil
}

// withTeamEnvironmentRoles fills in the environment roles of teams, whose seqs are seqs: one query for
// a whole page, and only that page's rows.
func withTeamEnvironmentRoles(ctx context.Context, q querier, orgID string, teams []api.Team, seqs []int64) error {
	if len(teams) == 0 {
		return nil
	}
	rows, err := q.QueryContext(ctx, `SELECT r.team_seq, r.environment_id, r.role FROM team_environment_roles r
		JOIN teams t ON t.seq = r.team_seq
		WHERE t.organization_id = ? AND t.seq BETWEEN ? AND ?`, orgID, slices.Min(seqs), slices.Max(seqs))
	if err != nil {
		return fmt.Errorf("team environment roles: %w", err)
	}
	defer rows.Close()
	index := make(map[int64]int, len(seqs))
	for i, seq := range seqs {
		index[seq] = i
	}
	for rows.Next() {
		var seq int64
		var env string
		var role api.EnvironmentRole
		if err := rows.Scan(&seq, &env, &role); err != nil {
			return err
		}
		if i, ok := index[seq]; ok {
			teams[i].EnvironmentRoles[env] = role
		}
	}
	return rows.Err()
}

// loadTeam is the organization's team with that slug, and its seq, which later statements address it
// by.
func (s *Server) loadTeam(ctx context.Context, q querier, orgID, slug string) (api.Team, int64, error) {
	t, seq, err := scanTeam(q.QueryRowContext(ctx, `SELECT `+teamColumns+` FROM teams t WHERE t.organization_id = ? AND t.slug = ?`, orgID, slug))
	if errors.Is(err, sql.ErrNoRows) {
		return api.Team{}, 0, errNotFound("team %q not found", slug)
	}
	if err != nil {
		return api.Team{}, 0, err
	}
	teams := []api.Team{t}
	if err := withTeamEnvironmentRoles(ctx, q, orgID, teams, []int64{seq}); err != nil {
		return api.Team{}, 0, err
	}
	return teams[0], seq, nil
}

// checkTeamGrant refuses a role a team may not grant: a team never makes anyone owner.
func checkTeamGrant(role api.Role) error {
	if role == "" || slices.Contains(api.TeamGrantRoles, role) {
		return nil
	}
	return invalidField("role", fmt.Errorf("a team grants admin, member or biller (or nothing, \"\"); never %s", role))
}

func checkTeamName(name string) error {
	if strings.TrimSpace(name) == "" {
		return invalidField("name", errors.New("a team's name must not be blank"))
	}
	return nil
}

// checkTeamNameFree refuses a name another team of the organization has, compared without regard to
// case (api.NameKey); exceptSeq is the team being renamed (0: none).
func checkTeamNameFree(ctx context.Context, q querier, orgID, name string, exceptSeq int64) error {
	var other string
	err := q.QueryRowContext(ctx, `SELECT name FROM teams WHERE organization_id = ? AND name_key = ? AND seq != ?`, orgID, api.NameKey(name), exceptSeq).Scan(&other)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return err
	}
	return errConflict("the organization already has a team named %q; team names are unique without regard to case", other)
}

func setTeamEnvironmentRoles(ctx context.Context, tx *sql.Tx, teamSeq int64, roles map[string]api.EnvironmentRole) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM team_environment_roles WHERE team_seq = ?`, teamSeq); err != nil {
		return fmt.Errorf("clear team environment roles: %w", err)
	}
	for env, role := range roles {
		if _, err := tx.ExecContext(ctx, `INSERT INTO team_environment_roles (team_seq, environment_id, role) VALUES (?, ?, ?)`,
			teamSeq, env, role); err != nil {
			return fmt.Errorf("set team environment role: %w", err)
		}
	}
	return nil
}

type listTeamsInput struct {
	OrgPath
	PageParams
}

func (s *Server) listTeams(ctx context.Context, in *listTeamsInput) (*pageOutput[api.Team], error) {
	after, err := in.cursor()
	if err != nil {
		return nil, err
	}
	items, seqs, err := queryPage(ctx, s.reader, scanTeam, `SELECT `+teamColumns+` FROM teams t WHERE t.organization_id = ? AND t.seq > ? ORDER BY t.seq LIMIT ?`,
		in.OrgID, after, in.PageSize+1)
	if err != nil {
		return nil, err
	}
	if err := withTeamEnvironmentRoles(ctx, s.reader, in.OrgID, items, seqs); err != nil {
		return nil, err
	}
	return &pageOutput[api.Team]{Body: page(items, seqs, in.PageSize)}, nil
}

type createTeamInput struct {
	OrgPath
	IdempotencyHeader
	Body api.TeamCreate
}

func (s *Server) createTeam(ctx context.Context, in *createTeamInput) (*objectOutput[api.Team], error) {
	b := in.Body
	if err := checkTeamName(b.Name); err != nil {
		return nil, err
	}
	if b.Slug != "" {
		if err := api.ValidateSlug(b.Slug); err != nil {
			return nil, invalidField("slug", err)
		}
	}
	if err := checkTeamGrant(b.Role); err != nil {
		return nil, err
	}
	var out api.Team
	err := s.writeOrg(ctx, func(tx *sql.Tx, a access) error {
		if err := checkEnvironmentRoles(ctx, tx, a.orgID, b.EnvironmentRoles); err != nil {
			return err
		}
		if err := checkTeamNameFree(ctx, tx, a.orgID, b.Name, 0); err != nil {
			return err
		}
		if err := s.checkLimit(ctx, tx, a.orgID, api.QuantityTeams); err != nil {
			return err
		}
		slug, err := chooseSlug(ctx, tx, "teams", a.orgID, b.Slug, b.Name, "team")
		if err != nil {
			return err
		}
		now := s.nowText()
		res, err := tx.ExecContext(ctx, `INSERT INTO teams (id, organization_id, name, name_key, slug, description, role, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, newID(prefixTeam), a.orgID, b.Name, api.NameKey(b.Name), slug, b.Description, b.Role, now, now)
		if store.IsUniqueViolation(err) {
			return errConflict("the organization already has a team named %q or with slug %q", b.Name, slug)
		}
		if err != nil {
			return fmt.Errorf("insert team: %w", err)
		}
		seq, err := res.LastInsertId()
		if err != nil {
			return err
		}
		if err := setTeamEnvironmentRoles(ctx, tx, seq, b.EnvironmentRoles); err != nil {
			return err
		}
		if err := s.record(ctx, tx, a.orgID, "team.create", "team", slug); err != nil {
			return err
		}
		out, _, err = s.loadTeam(ctx, tx, a.orgID, slug)
		return err
	})
	if err != nil {
		return nil, err
	}
	return newObjectOutput(out), nil
}

func (s *Server) getTeam(ctx context.Context, in *TeamPath) (*objectOutput[api.Team], error) {
	t, _, err := s.loadTeam(ctx, s.reader, in.OrgID, in.TeamSlug)
	if err != nil {
		return nil, err
	}
	return newObjectOutput(t), nil
}

type updateTeamInput struct {
	TeamPath
	IfMatchHeader
	Body api.TeamUpdate
}

func (s *Server) updateTeam(ctx context.Context, in *updateTeamInput) (*objectOutput[api.Team], error) {
	b := in.Body
	if b.Name != nil {
		if err := checkTeamName(*b.Name); err != nil {
			return nil, err
		}
	}
	if b.Role != nil {
		if err := checkTeamGrant(*b.Role); err != nil {
			return nil, err
		}
	}
	var out api.Team
	err := s.writeOrg(ctx, func(tx *sql.Tx, a access) error {
		cur, seq, err := s.loadTeam(ctx, tx, a.orgID, in.TeamSlug)
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
		if b.Description != nil {
			next.Description = *b.Description
		}
		if b.Role != nil {
			next.Role = *b.Role
		}
		envChange := b.EnvironmentRoles != nil && !maps.Equal(*b.EnvironmentRoles, cur.EnvironmentRoles)
		if next.Name == cur.Name && next.Description == cur.Description && next.Role == cur.Role && !envChange {
			out = cur
			return nil
		}
		if next.Name != cur.Name {
			if err := checkTeamNameFree(ctx, tx, a.orgID, next.Name, seq); err != nil {
				return err
			}
		}
		if envChange {
			if err := checkEnvironmentRoles(ctx, tx, a.orgID, *b.EnvironmentRoles); err != nil {
				return err
			}
			if err := setTeamEnvironmentRoles(ctx, tx, seq, *b.EnvironmentRoles); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE teams SET name = ?, name_key = ?, description = ?, role = ?, updated_at = ? WHERE seq = ?`,
			next.Name, api.NameKey(next.Name), next.Description, next.Role, s.nowText(), seq); err != nil {
			if store.IsUniqueViolation(err) {
				return errConflict("the organization already has a team named %q", next.Name)
			}
			return fmt.Errorf("update team: %w", err)
		}
		if err := s.record(ctx, tx, a.orgID, "team.update", "team", cur.Slug); err != nil {
			return err
		}
		out, _, err = s.loadTeam(ctx, tx, a.orgID, cur.Slug)
		return err
	})
	if err != nil {
		return nil, err
	}
	return newObjectOutput(out), nil
}

func (s *Server) deleteTeam(ctx context.Context, in *TeamPath) (*struct{}, error) {
	err := s.writeOrg(ctx, func(tx *sql.Tx, a access) error {
		cur, seq, err := s.loadTeam(ctx, tx, a.orgID, in.TeamSlug)
		if err != nil {
			return err
		}
		// Each membership leaves its own entry, as it would removed one by one; the rows go with the
		// team (ON DELETE CASCADE), and with them the grants of its members.
		if err := s.removeTeamMemberships(ctx, tx, a.orgID, `tm.team_seq = ?`, seq); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM teams WHERE seq = ?`, seq); err != nil {
			return fmt.Errorf("delete team: %w", err)
		}
		return s.record(ctx, tx, a.orgID, "team.delete", "team", cur.Slug)
	})
	return nil, err
}

// ---- Team members ----

// The columns of a team membership, with its team and its person.
const (
	teamMemberColumns = `tm.seq, tm.organization_id, t.slug, u.id, u.email, tm.role, tm.created_at`
	teamMembersFrom   = `team_members tm JOIN teams t ON t.seq = tm.team_seq JOIN members m ON m.seq = tm.member_seq JOIN users u ON u.id = m.user_id`
)

func scanTeamMember(row rowScanner) (api.TeamMember, int64, error) {
	var m api.TeamMember
	var seq int64
	var created string
	if err := row.Scan(&seq, &m.OrganizationID, &m.TeamSlug, &m.UserID, &m.Email, &m.Role, &created); err != nil {
		return api.TeamMember{}, 0, err
	}
	m.CreatedAt = parseTime(created)
	return m, seq, nil
}

// teamMemberObjectID is how the activity log names a team membership: the team's slug and the person's
// user id.
func teamMemberObjectID(teamSlug, userID string) string { return teamSlug + "/" + userID }

// loadTeamMember is the person's membership of the team (teamSeq), found by email, with its seq.
func (s *Server) loadTeamMember(ctx context.Context, q querier, teamSeq int64, teamSlug, email string) (api.TeamMember, int64, error) {
	m, seq, err := scanTeamMember(q.QueryRowContext(ctx, `SELECT `+teamMemberColumns+` FROM `+teamMembersFrom+`
		WHERE tm.team_seq = ? AND u.email_key = ?`, teamSeq, api.EmailKey(email)))
	if errors.Is(err, sql.ErrNoRows) {
		return api.TeamMember{}, 0, errNotFound("%s is not a member of team %q", email, teamSlug)
	}
	return m, seq, err
}

// teamRoleOf is the user's role in the team, or "" when they are not in it.
func teamRoleOf(ctx context.Context, q querier, teamSeq int64, userID string) (api.TeamRole, error) {
	var role api.TeamRole
	err := q.QueryRowContext(ctx, `SELECT tm.role FROM team_members tm JOIN members m ON m.seq = tm.member_seq
		WHERE tm.team_seq = ? AND m.user_id = ? AND m.status = 'active'`, teamSeq, userID).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return role, err
}

// mayManageTeamMembers: owners and admins manage every team's membership, and a team's maintainers that
// team's, through their own account (an organization token carries an organization role, never a
// team role). Read through q, which for a write is its transaction.
func mayManageTeamMembers(ctx context.Context, q querier, a access, teamSeq int64, action string) error {
	if a.allows(ownerAdmin) {
		return nil
	}
	if a.kind == userPrincipal {
		role, err := teamRoleOf(ctx, q, teamSeq, a.userID)
		if err != nil || role == api.TeamRoleMaintainer {
			return err
		}
	}
	return a.require(ownerAdmin, action+" (owners, admins and the team's maintainers may)")
}

// stillManagesTeam is the replay rule of adding a team member: the caller still manages the team's
// membership, as the handler decides it.
func stillManagesTeam(ctx context.Context, s *Server, a access, _ []byte) error {
	_, seq, err := s.loadTeam(ctx, s.reader, a.orgID, pathParam(ctx, "team_slug"))
	if err != nil {
		return err
	}
	return mayManageTeamMembers(ctx, s.reader, a, seq, "add team members")
}

// stillManagesTeamInBulk is the replay rule of a team's bulk endpoint: a stored response that added
// anyone is replayed only to a caller who still manages the team, as the single add's replay is.
func stillManagesTeamInBulk(ctx context.Context, s *Server, a access, body []byte) error {
	var b api.BulkRequest[api.TeamMemberCreate, api.TeamMemberUpdate]
	if err := json.Unmarshal(body, &b); err != nil {
		return err
	}
	for _, item := range b.Items {
		if item.Create != nil {
			return stillManagesTeam(ctx, s, a, body)
		}
	}
	return nil
}

// removeTeamMemberships deletes the team memberships of the organization that where (a condition on tm,
// with args) selects, each with its activity entry.
func (s *Server) removeTeamMemberships(ctx context.Context, tx *sql.Tx, orgID, where string, args ...any) error {
	found, seqs, err := queryPage(ctx, tx, scanTeamMember, `SELECT `+teamMemberColumns+` FROM `+teamMembersFrom+`
		WHERE tm.organization_id = ? AND `+where+` ORDER BY tm.seq`, append([]any{orgID}, args...)...)
	if err != nil {
		return fmt.Errorf("find team memberships: %w", err)
	}
	for i, m := range found {
		if _, err := tx.ExecContext(ctx, `DELETE FROM team_members WHERE seq = ?`, seqs[i]); err != nil {
			return fmt.Errorf("remove team membership: %w", err)
		}
		if err := s.record(ctx, tx, orgID, "team_member.delete", "team_member", teamMemberObjectID(m.TeamSlug, m.UserID)); err != nil {
			return err
		}
	}
	return nil
}

type listTeamMembersInput struct {
	TeamPath
	PageParams
}

func (s *Server) listTeamMembers(ctx context.Context, in *listTeamMembersInput) (*pageOutput[api.TeamMember], error) {
	after, err := in.cursor()
	if err != nil {
		return nil, err
	}
	_, teamSeq, err := s.loadTeam(ctx, s.reader, in.OrgID, in.TeamSlug)
	if err != nil {
		return nil, err
	}
	items, seqs, err := queryPage(ctx, s.reader, scanTeamMember, `SELECT `+teamMemberColumns+` FROM `+teamMembersFrom+`
		WHERE tm.team_seq = ? AND tm.seq > ? ORDER BY tm.seq LIMIT ?`, teamSeq, after, in.PageSize+1)
	if err != nil {
		return nil, err
	}
	return &pageOutput[api.TeamMember]{Body: page(items, seqs, in.PageSize)}, nil
}

type listTeamMembershipsInput struct {
	OrgPath
	PageParams
}

// listTeamMemberships lists every team membership of the organization, in the order they were made:
// what a refresh of many teams' memberships reads in a few pages.
func (s *Server) listTeamMemberships(ctx context.Context, in *listTeamMembershipsInput) (*pageOutput[api.TeamMember], error) {
	after, err := in.cursor()
	if err != nil {
		return nil, err
	}
	items, seqs, err := queryPage(ctx, s.reader, scanTeamMember, `SELECT `+teamMemberColumns+` FROM `+teamMembersFrom+`
		WHERE tm.organization_id = ? AND tm.seq > ? ORDER BY tm.seq LIMIT ?`, in.OrgID, after, in.PageSize+1)
	if err != nil {
		return nil, err
	}
	return &pageOutput[api.TeamMember]{Body: page(items, seqs, in.PageSize)}, nil
}

type addTeamMemberInput struct {
	TeamPath
	IdempotencyHeader
	Body api.TeamMemberCreate
}

func (s *Server) addTeamMember(ctx context.Context, in *addTeamMemberInput) (*objectOutput[api.TeamMember], error) {
	b := in.Body
	if err := api.ValidateEmail(b.Email); err != nil {
		return nil, invalidField("email", err)
	}
	role := b.Role
	if role == "" {
		role = api.TeamRoleMember
	}
	var out api.TeamMember
	err := s.writeOrg(ctx, func(tx *sql.Tx, a access) error {
		team, teamSeq, err := s.loadTeam(ctx, tx, a.orgID, in.TeamSlug)
		if err != nil {
			return err
		}
		if err := mayManageTeamMembers(ctx, tx, a, teamSeq, "add team members"); err != nil {
			return err
		}
		member, memberSeq, err := s.loadMemberRow(ctx, tx, a.orgID, b.Email)
		if isNotFound(err) {
			return invalidField("email", fmt.Errorf("%s is not a member of organization %q; only its active members join its teams", b.Email, a.orgID))
		}
		if err != nil {
			return err
		}
		if member.Status != api.MemberActive {
			return errConflict("the membership of %s in organization %q is %s, not active; only active members join teams (the membership must be accepted first)",
				member.Email, a.orgID, member.Status)
		}
		if _, _, err := s.loadTeamMember(ctx, tx, teamSeq, team.Slug, member.Email); err == nil {
			return errConflict("%s is already a member of team %q", member.Email, team.Slug)
		} else if !isNotFound(err) {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO team_members (organization_id, team_seq, member_seq, role, created_at) VALUES (?, ?, ?, ?, ?)`,
			a.orgID, teamSeq, memberSeq, role, s.nowText()); err != nil {
			if store.IsUniqueViolation(err) {
				return errConflict("%s is already a member of team %q", member.Email, team.Slug)
			}
			return fmt.Errorf("insert team member: %w", err)
		}
		if err := s.record(ctx, tx, a.orgID, "team_member.create", "team_member", teamMemberObjectID(team.Slug, member.UserID)); err != nil {
			return err
		}
		out, _, err = s.loadTeamMember(ctx, tx, teamSeq, team.Slug, member.Email)
		return err
	})
	if err != nil {
		return nil, err
	}
	return newObjectOutput(out), nil
}

func (s *Server) getTeamMember(ctx context.Context, in *TeamMemberPath) (*objectOutput[api.TeamMember], error) {
	_, teamSeq, err := s.loadTeam(ctx, s.reader, in.OrgID, in.TeamSlug)
	if err != nil {
		return nil, err
	}
	m, _, err := s.loadTeamMember(ctx, s.reader, teamSeq, in.TeamSlug, in.Email)
	if err != nil {
		return nil, err
	}
	return newObjectOutput(m), nil
}

type updateTeamMemberInput struct {
	TeamMemberPath
	IfMatchHeader
	Body api.TeamMemberUpdate
}

func (s *Server) updateTeamMember(ctx context.Context, in *updateTeamMemberInput) (*objectOutput[api.TeamMember], error) {
	b := in.Body
	var out api.TeamMember
	err := s.writeOrg(ctx, func(tx *sql.Tx, a access) error {
		team, teamSeq, err := s.loadTeam(ctx, tx, a.orgID, in.TeamSlug)
		if err != nil {
			return err
		}
		if err := mayManageTeamMembers(ctx, tx, a, teamSeq, "change team members"); err != nil {
			return err
		}
		cur, seq, err := s.loadTeamMember(ctx, tx, teamSeq, team.Slug, in.Email)
		if err != nil {
			return err
		}
		if err := checkIfMatch(in.IfMatch, cur); err != nil {
			return err
		}
		if b.Role == nil || *b.Role == cur.Role {
			out = cur
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE team_members SET role = ? WHERE seq = ?`, *b.Role, seq); err != nil {
			return fmt.Errorf("update team member: %w", err)
		}
		if err := s.record(ctx, tx, a.orgID, "team_member.update", "team_member", teamMemberObjectID(team.Slug, cur.UserID)); err != nil {
			return err
		}
		out, _, err = s.loadTeamMember(ctx, tx, teamSeq, team.Slug, cur.Email)
		return err
	})
	if err != nil {
		return nil, err
	}
	return newObjectOutput(out), nil
}

func (s *Server) removeTeamMember(ctx context.Context, in *TeamMemberPath) (*struct{}, error) {
	err := s.writeOrg(ctx, func(tx *sql.Tx, a access) error {
		team, teamSeq, err := s.loadTeam(ctx, tx, a.orgID, in.TeamSlug)
		if err != nil {
			return err
		}
		cur, seq, err := s.loadTeamMember(ctx, tx, teamSeq, team.Slug, in.Email)
		if isNotFound(err) {
			// Whether someone is in the team is no secret from those who may not manage it (every
			// member reads the team), so the order of the two answers tells nothing.
			if err := mayManageTeamMembers(ctx, tx, a, teamSeq, "remove team members"); err != nil {
				return err
			}
		}
		if err != nil {
			return err
		}
		// Anyone may leave a team; removing someone else is managing the team.
		leaving := a.kind == userPrincipal && cur.UserID == a.userID
		if !leaving {
			if err := mayManageTeamMembers(ctx, tx, a, teamSeq, "remove team members"); err != nil {
				return err
			}
		}
		return s.removeTeamMemberships(ctx, tx, a.orgID, `tm.seq = ?`, seq)
	})
	return nil, err
}
