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
	add := policy{org: true, roles: ownerAdmin, action: "add members", replayRule: onBody(mayAddMember)}
	change := policy{org: true, roles: ownerAdmin, action: "change members"}
	// Every role may call it to leave; removing someone else is checked in the handler.
	remove := policy{org: true, roles: everyRole, action: "remove members"}
	register(a, s, operation(http.MethodPost, api.PathMembers, "add-member", "Add an address to the organization: active at once in a verified domain, pending for another account, invited when it has none", http.StatusCreated,
		add, tag), s.addMember)
	register(a, s, operation(http.MethodGet, api.PathMember, "get-member", "Get a member by email (case-insensitive)", http.StatusOK,
		policy{org: true, roles: everyRole, action: "read members"}, tag), s.getMember)
	register(a, s, operation(http.MethodPatch, api.PathMember, "update-member", "Change a member's role or environment roles", http.StatusOK,
		change, tag), s.updateMember)
	register(a, s, operation(http.MethodPost, api.PathMemberResend, "resend-member", "Offer an invited, pending, expired or declined membership again: a new expiry (and a new code for an invited address)", http.StatusOK,
		policy{org: true, roles: ownerAdmin, action: "resend memberships"}, tag), s.resendMember)
	register(a, s, operation(http.MethodDelete, api.PathMember, "remove-member", "Remove a member, or leave the organization (remove yourself)", http.StatusNoContent,
		remove, tag), s.removeMember)
	register(a, s, operation(http.MethodGet, api.PathMemberships, "list-memberships", "List the current user's memberships, pending ones included", http.StatusOK,
		policy{userOnly: true, action: "list memberships"}, tag), s.listMemberships)
	register(a, s, operation(http.MethodPost, api.PathMembershipAccept, "accept-membership", "Accept a pending membership someone added you to; it then counts toward your organization cap", http.StatusOK,
		policy{userOnly: true, action: "accept memberships", replayRule: stillMember}, tag), s.acceptMembership)
	register(a, s, operation(http.MethodPost, api.PathMembershipDecline, "decline-membership", "Decline a pending membership someone added you to (the organization cannot ask again for a while)", http.StatusNoContent,
		policy{userOnly: true, action: "decline memberships"}, tag), s.declineMembership)
	type in = bulkInput[api.MemberCreate, api.MemberUpdate]
	registerBulk(a, s, bulkOperation(api.PathBulkMembers, "bulk-members", "Add, change and remove members in bulk (key: the member's email)",
		policy{org: true, roles: ownerAdmin, action: "change members in bulk", replayRule: bulkReplay(mayAddMember, mayUpdateMember)}, tag),
		bulkCollection[in, api.MemberCreate, api.MemberUpdate, api.Member]{
			noun: "member", items: orgBulkItems[api.MemberCreate, api.MemberUpdate],
			createPolicy: add, updatePolicy: change, deletePolicy: remove,
			create: func(ctx context.Context, in *in, b api.MemberCreate) (api.Member, error) {
				return objectOf(s.addMember(ctx, &addMemberInput{OrgPath: in.OrgPath, Body: b}))
			},
			update: func(ctx context.Context, in *in, email string, b api.MemberUpdate) (api.Member, error) {
				return objectOf(s.updateMember(ctx, &updateMemberInput{MemberPath: MemberPath{OrgPath: in.OrgPath, Email: email}, Body: b}))
			},
			delete: func(ctx context.Context, in *in, email string) error {
				_, err := s.removeMember(ctx, &MemberPath{OrgPath: in.OrgPath, Email: email})
				return err
			},
		})
}

type MemberPath struct {
	OrgPath
	Email string `path:"email" maxLength:"254" doc:"The member's email, compared case-insensitively."`
}

// The columns of a membership and its user (none while invited: the membership's own email then).
const (
	memberColumns = `m.seq, m.organization_id, COALESCE(u.id, ''), COALESCE(u.email, m.email), COALESCE(u.name, ''), m.role, m.status, m.expires_at, m.declined_at, m.created_at`
	membersFrom   = `members m LEFT JOIN users u ON u.id = m.user_id`
	// memberByEmail finds a membership by address, whether the address is an account's or invited.
	memberByEmail = `m.organization_id = ? AND (u.email_key = ? OR (m.user_id IS NULL AND m.email_key = ?))`
)

// scanMember reads a membership; an invited or pending one whose expiry has passed reads as expired.
func (s *Server) scanMember(row rowScanner) (api.Member, int64, error) {
	var m api.Member
	var seq int64
	var created string
	var expires, declined sql.NullString
	if err := row.Scan(&seq, &m.OrganizationID, &m.UserID, &m.Email, &m.Name, &m.Role, &m.Status, &expires, &declined, &created); err != nil {
		return api.Member{}, 0, err
	}
	m.CreatedAt = parseTime(created)
	m.ExpiresAt, m.DeclinedAt = parseNullTime(expires), parseNullTime(declined)
	if (m.Status == api.MemberPending || m.Status == api.MemberInvited) && m.ExpiresAt != nil && !s.now().Before(*m.ExpiresAt) {
		m.Status = api.MemberExpired
	}
	m.EnvironmentRoles = map[string]api.EnvironmentRole{}
	return m, seq, nil
}

// environmentRoles returns, by membership seq, the environment roles of the organization's memberships
// whose seq lies in [fromSeq, toSeq]: one query for a whole page of members, and only that page's rows,
// so refreshing thousands of members stays linear.
func environmentRoles(ctx context.Context, q querier, orgID string, fromSeq, toSeq int64) (map[int64]map[string]api.EnvironmentRole, error) {
	rows, err := q.QueryContext(ctx, `SELECT r.member_seq, r.environment_id, r.role FROM member_environment_roles r
		JOIN members m ON m.seq = r.member_seq
		WHERE m.organization_id = ? AND m.seq BETWEEN ? AND ?`, orgID, fromSeq, toSeq)
	if err != nil {
		return nil, fmt.Errorf("environment roles: %w", err)
	}
	defer rows.Close()
	out := map[int64]map[string]api.EnvironmentRole{}
	for rows.Next() {
		var seq int64
		var env string
		var role api.EnvironmentRole
		if err := rows.Scan(&seq, &env, &role); err != nil {
			return nil, err
		}
		if out[seq] == nil {
			out[seq] = map[string]api.EnvironmentRole{}
		}
		out[seq][env] = role
	}
	return out, rows.Err()
}

// withEnvironmentRoles fills in the environment roles of items, whose seqs are seqs.
func withEnvironmentRoles(ctx context.Context, q querier, orgID string, items []api.Member, seqs []int64) error {
	if len(items) == 0 {
		return nil
	}
	roles, err := environmentRoles(ctx, q, orgID, slices.Min(seqs), slices.Max(seqs))
	if err != nil {
		return err
	}
	for i := range items {
		if r := roles[seqs[i]]; r != nil {
			items[i].EnvironmentRoles = r
		}
	}
	return nil
}

func (s *Server) loadMember(ctx context.Context, q querier, orgID, email string) (api.Member, error) {
	m, _, err := s.loadMemberRow(ctx, q, orgID, email)
	return m, err
}

// loadMemberRow is loadMember with the membership's seq, which later statements address it by.
func (s *Server) loadMemberRow(ctx context.Context, q querier, orgID, email string) (api.Member, int64, error) {
	key := api.EmailKey(email)
	m, seq, err := s.scanMember(q.QueryRowContext(ctx, `SELECT `+memberColumns+` FROM `+membersFrom+` WHERE `+memberByEmail, orgID, key, key))
	if errors.Is(err, sql.ErrNoRows) {
		return api.Member{}, 0, errNotFound("%s is not a member of organization %q", email, orgID)
	}
	if err != nil {
		return api.Member{}, 0, err
	}
	items := []api.Member{m}
	if err := withEnvironmentRoles(ctx, q, orgID, items, []int64{seq}); err != nil {
		return api.Member{}, 0, err
	}
	return items[0], seq, nil
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

func setEnvironmentRoles(ctx context.Context, tx *sql.Tx, memberSeq int64, roles map[string]api.EnvironmentRole) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM member_environment_roles WHERE member_seq = ?`, memberSeq); err != nil {
		return fmt.Errorf("clear environment roles: %w", err)
	}
	for env, role := range roles {
		if _, err := tx.ExecContext(ctx, `INSERT INTO member_environment_roles (member_seq, environment_id, role) VALUES (?, ?, ?)`,
			memberSeq, env, role); err != nil {
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

// insertMember makes a user a member with status, enforcing the plan's seats and, for an active
// membership, the user's organization cap (a pending one does not count toward it). A pending
// membership is offered until the invitation TTL from now. It returns the membership's seq.
func (s *Server) insertMember(ctx context.Context, tx *sql.Tx, orgID string, u api.User, role api.Role, status api.MemberStatus) (int64, error) {
	var exists int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM members WHERE organization_id = ? AND user_id = ?`, orgID, u.ID).Scan(&exists); err != nil {
		return 0, err
	}
	if exists > 0 {
		return 0, errConflict("%s is already a member of organization %q", u.Email, orgID)
	}
	if err := s.checkSeat(ctx, tx, orgID, ""); err != nil {
		return 0, err
	}
	var expires, sent sql.NullString
	if status == api.MemberActive {
		if err := checkOrganizationCap(ctx, tx, u.ID, u.Email); err != nil {
			return 0, err
		}
	} else {
		expires = sql.NullString{String: store.FormatTime(s.now().Add(s.cfg.InvitationTTL)), Valid: true}
		sent = sql.NullString{String: s.nowText(), Valid: true}
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO members (organization_id, user_id, role, status, expires_at, sent_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		orgID, u.ID, role, status, expires, sent, s.nowText())
	if store.IsUniqueViolation(err) {
		return 0, errConflict("%s is already a member of organization %q", u.Email, orgID)
	}
	if err != nil {
		return 0, fmt.Errorf("insert member: %w", err)
	}
	return res.LastInsertId()
}

// insertInvitedMember makes a membership of an address that has no account yet: the code that
// accepts it is emailed once the request is committed.
func (s *Server) insertInvitedMember(ctx context.Context, tx *sql.Tx, orgID, email string, role api.Role) (int64, error) {
	if err := s.checkSeat(ctx, tx, orgID, ""); err != nil {
		return 0, err
	}
	code := newSecret(secretInvitation)
	res, err := tx.ExecContext(ctx, `INSERT INTO members (organization_id, email, email_key, role, status, code_hash, expires_at, sent_at, created_at)
		VALUES (?, ?, ?, ?, 'invited', ?, ?, ?, ?)`,
		orgID, email, api.EmailKey(email), role, hashSecret(code), store.FormatTime(s.now().Add(s.cfg.InvitationTTL)), s.nowText(), s.nowText())
	if store.IsUniqueViolation(err) {
		return 0, errConflict("%s is already a member of organization %q", email, orgID)
	}
	if err != nil {
		return 0, fmt.Errorf("insert invited member: %w", err)
	}
	s.emailMembershipCode(ctx, orgID, email, code)
	return res.LastInsertId()
}

// emailMembershipCode "emails" the code that accepts an invited membership, once the write commits.
func (s *Server) emailMembershipCode(ctx context.Context, orgID, email, code string) {
	afterCommit(ctx, func() {
		s.log.Info("membership invitation sent", "organization_id", orgID, "to", email)
		if s.cfg.OnInvitation != nil {
			s.cfg.OnInvitation(api.InvitationEmail{To: email, OrganizationID: orgID, Code: code})
		}
	})
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
	items, seqs, err := queryPage(ctx, s.reader, s.scanMember, `SELECT `+memberColumns+` FROM `+membersFrom+`
		WHERE m.organization_id = ? AND m.seq > ? ORDER BY m.seq LIMIT ?`, in.OrgID, after, in.PageSize+1)
	if err != nil {
		return nil, err
	}
	if err := withEnvironmentRoles(ctx, s.reader, in.OrgID, items, seqs); err != nil {
		return nil, err
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

// mayUpdateMember: only owners make owners (the replay rule of a bulk update; the handler decides the
// rest, which depends on the member's current role).
func mayUpdateMember(a access, b api.MemberUpdate) error {
	if b.Role != nil && *b.Role == api.RoleOwner {
		return a.require(ownerOnly, "make a member owner (only owners make owners)")
	}
	return nil
}

// stillMember is the replay rule of accepting a membership: the membership accepted is still active.
// Once the user was removed, a replayed accept meets what a fresh one would: there is nothing to accept.
func stillMember(ctx context.Context, s *Server, a access, _ []byte) error {
	roles, err := s.rolesIn(ctx, s.reader, a.orgID, a.userID)
	if err == nil && len(roles) == 0 {
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
		if cur, err := s.loadMember(ctx, tx, a.orgID, b.Email); err == nil {
			return alreadyMember(cur)
		} else if !isNotFound(err) {
			return err
		}
		u, ok, err := s.userByEmail(ctx, tx, b.Email)
		if err != nil {
			return err
		}
		var seq int64
		if ok {
			if err := s.checkDeclineCooldown(ctx, tx, a.orgID, u); err != nil {
				return err
			}
			status, err := s.joiningStatus(ctx, tx, a.orgID, u)
			if err != nil {
				return err
			}
			if seq, err = s.insertMember(ctx, tx, a.orgID, u, b.Role, status); err != nil {
				return err
			}
		} else if seq, err = s.insertInvitedMember(ctx, tx, a.orgID, b.Email, b.Role); err != nil {
			return err
		}
		if err := setEnvironmentRoles(ctx, tx, seq, b.EnvironmentRoles); err != nil {
			return err
		}
		if err := s.record(ctx, tx, a.orgID, "member.create", "member", memberObjectID(u.ID, b.Email)); err != nil {
			return err
		}
		m, err = s.loadMember(ctx, tx, a.orgID, b.Email)
		return err
	})
	if err != nil {
		return nil, err
	}
	return newObjectOutput(m), nil
}

// joiningStatus is how a proven user's new membership starts: active at once when their address is in
// one of the organization's verified domains (and their organization cap has room) or when the server
// was told to skip consent (Config.AutoAcceptMemberships, for local and CI setups); pending otherwise,
// since being added is not consenting.
func (s *Server) joiningStatus(ctx context.Context, q querier, orgID string, u api.User) (api.MemberStatus, error) {
	joins := s.cfg.AutoAcceptMemberships
	if !joins {
		var err error
		if joins, err = inVerifiedDomain(ctx, q, orgID, u.Email); err != nil {
			return "", err
		}
	}
	if !joins {
		return api.MemberPending, nil
	}
	// A full organization cap leaves the choice to the user: pending.
	n, err := activeMemberships(ctx, q, u.ID)
	if err != nil || n >= api.MaxOrganizationsPerUser {
		return api.MemberPending, err
	}
	return api.MemberActive, nil
}

// alreadyMember is the refusal to add an address that already has a membership, saying what to do
// with it.
func alreadyMember(cur api.Member) error {
	switch cur.Status {
	case api.MemberDeclined:
		return errConflict("%s declined a membership of this organization; offer it again with POST %s", cur.Email, api.PathMemberResend)
	case api.MemberExpired:
		return errConflict("%s has an expired membership of this organization; offer it again with POST %s", cur.Email, api.PathMemberResend)
	}
	return errConflict("%s is already a member of organization %q (%s)", cur.Email, cur.OrganizationID, cur.Status)
}

// memberObjectID is how the activity log names a membership: its user, or the address while invited.
func memberObjectID(userID, email string) string {
	if userID != "" {
		return userID
	}
	return api.EmailKey(email)
}

func isNotFound(err error) bool {
	var p *problem
	return errors.As(err, &p) && p.Status == http.StatusNotFound
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
		cur, seq, err := s.loadMemberRow(ctx, tx, a.orgID, in.Email)
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
			if _, err := tx.ExecContext(ctx, `UPDATE members SET role = ? WHERE seq = ?`, *b.Role, seq); err != nil {
				return fmt.Errorf("update member: %w", err)
			}
		}
		envChange := false
		if b.EnvironmentRoles != nil && !maps.Equal(*b.EnvironmentRoles, cur.EnvironmentRoles) {
			envChange = true
			if err := checkEnvironmentRoles(ctx, tx, a.orgID, *b.EnvironmentRoles); err != nil {
				return err
			}
			if err := setEnvironmentRoles(ctx, tx, seq, *b.EnvironmentRoles); err != nil {
				return err
			}
		}
		if roleChange || envChange {
			if err := s.record(ctx, tx, a.orgID, "member.update", "member", memberObjectID(cur.UserID, cur.Email)); err != nil {
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

type resendMemberInput struct {
	MemberPath
}

// resendMember offers a membership again: an invited address gets a new code (the old one stops
// working), and an invited, pending, expired or declined membership a new expiry. A membership that
// still holds its seat may be re-sent once per api.InvitationResendInterval; one that holds none
// (expired, declined) takes a seat again, and a declined one only after api.DeclineCooldown.
func (s *Server) resendMember(ctx context.Context, in *resendMemberInput) (*objectOutput[api.Member], error) {
	var m api.Member
	err := s.writeOrg(ctx, func(tx *sql.Tx, a access) error {
		cur, seq, err := s.loadMemberRow(ctx, tx, a.orgID, in.Email)
		if err != nil {
			return err
		}
		if cur.Role == api.RoleOwner {
			if err := a.require(ownerOnly, "offer a membership as owner again (only owners make owners)"); err != nil {
				return err
			}
		}
		switch cur.Status {
		case api.MemberActive:
			return errConflict("%s is already an active member; there is nothing to resend", cur.Email)
		case api.MemberDeclined:
			u, err := s.loadUser(ctx, tx, cur.UserID)
			if err != nil {
				return err
			}
			if err := s.checkDeclineCooldown(ctx, tx, a.orgID, u); err != nil {
				return err
			}
		case api.MemberPending, api.MemberInvited:
			var sent sql.NullString
			if err := tx.QueryRowContext(ctx, `SELECT sent_at FROM members WHERE seq = ?`, seq).Scan(&sent); err != nil {
				return err
			}
			if sent.Valid {
				if wait := parseTime(sent.String).Add(api.InvitationResendInterval).Sub(s.now()); wait > 0 {
					return errTooSoon(wait, "the membership of %s was offered at %s; it can be offered again in %s", cur.Email,
						parseTime(sent.String).UTC().Format(time.RFC3339), wait.Round(time.Second))
				}
			}
		}
		if cur.Status == api.MemberDeclined || cur.Status == api.MemberExpired {
			if err := s.checkSeat(ctx, tx, a.orgID, ""); err != nil {
				return err
			}
		}
		expires := store.FormatTime(s.now().Add(s.cfg.InvitationTTL))
		if cur.UserID == "" {
			code := newSecret(secretInvitation)
			if _, err := tx.ExecContext(ctx, `UPDATE members SET code_hash = ?, expires_at = ?, sent_at = ? WHERE seq = ?`,
				hashSecret(code), expires, s.nowText(), seq); err != nil {
				return fmt.Errorf("resend membership: %w", err)
			}
			s.emailMembershipCode(ctx, a.orgID, cur.Email, code)
		} else if _, err := tx.ExecContext(ctx, `UPDATE members SET status = 'pending', expires_at = ?, sent_at = ?, declined_at = NULL WHERE seq = ?`,
			expires, s.nowText(), seq); err != nil {
			return fmt.Errorf("resend membership: %w", err)
		}
		if err := s.record(ctx, tx, a.orgID, "member.resend", "member", memberObjectID(cur.UserID, cur.Email)); err != nil {
			return err
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
	query := `SELECT ` + memberColumns + ` FROM ` + membersFrom + ` WHERE m.user_id = ? AND m.seq > ?`
	args := []any{principalFrom(ctx).userID, after}
	items, seqs, err := queryPage(ctx, s.reader, s.scanMember, query+` ORDER BY m.seq LIMIT ?`, append(args, in.PageSize+1)...)
	if err != nil {
		return nil, err
	}
	out := page(items, seqs, in.PageSize)
	kept := []api.Member{}
	for i := range out.Items {
		// The status filter applies to the status as read (expiry included), so it is applied here: a
		// page may hold fewer items than its size, and still be followed by another.
		if in.Status != "" && items[i].Status != in.Status {
			continue
		}
		if err := withEnvironmentRoles(ctx, s.reader, items[i].OrganizationID, items[i:i+1], seqs[i:i+1]); err != nil {
			return nil, err
		}
		kept = append(kept, items[i])
	}
	out.Items = kept
	return &pageOutput[api.Member]{Body: out}, nil
}

// pendingMembership is the current user's pending membership of the organization, read through tx,
// with its seq.
func (s *Server) pendingMembership(ctx context.Context, tx *sql.Tx, orgID string) (api.Member, int64, api.User, error) {
	u, err := s.loadUser(ctx, tx, principalFrom(ctx).userID)
	if err != nil {
		return api.Member{}, 0, api.User{}, err
	}
	notFound := errNotFound("you have no membership of organization %q", orgID)
	m, seq, err := s.loadMemberRow(ctx, tx, orgID, u.Email)
	switch {
	case isNotFound(err):
		return api.Member{}, 0, api.User{}, notFound
	case err != nil:
		return api.Member{}, 0, api.User{}, err
	case m.UserID != u.ID:
		return api.Member{}, 0, api.User{}, notFound
	}
	switch m.Status {
	case api.MemberPending:
		return m, seq, u, nil
	case api.MemberExpired:
		return api.Member{}, 0, api.User{}, newProblem(http.StatusConflict, api.ProblemInvitationExpired,
			"your membership of organization %q expired at %s; ask an owner or admin of the organization to offer it again", orgID, m.ExpiresAt.UTC().Format(time.RFC3339))
	case api.MemberDeclined:
		return api.Member{}, 0, api.User{}, errConflict("you declined your membership of organization %q; only the organization can offer it again", orgID)
	}
	return api.Member{}, 0, api.User{}, errConflict("your membership of organization %q is already active", orgID)
}

func (s *Server) acceptMembership(ctx context.Context, in *OrgPath) (*objectOutput[api.Member], error) {
	var m api.Member
	err := s.write(ctx, func(tx *sql.Tx) error {
		cur, seq, u, err := s.pendingMembership(ctx, tx, in.OrgID)
		if err != nil {
			return err
		}
		if err := activateMembership(ctx, tx, seq, u); err != nil {
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

// activateMembership makes u's pending membership (seq) active; from now on it counts toward u's
// organization cap, which must have room.
func activateMembership(ctx context.Context, tx *sql.Tx, seq int64, u api.User) error {
	if err := checkOrganizationCap(ctx, tx, u.ID, u.Email); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE members SET status = 'active', expires_at = NULL, sent_at = NULL WHERE seq = ? AND status = 'pending'`, seq); err != nil {
		return fmt.Errorf("accept membership: %w", err)
	}
	return nil
}

// linkInvitedMemberships gives a user whose address is now proven the memberships invited to that
// address: pending, for them to accept, or active at once in a verified domain of the organization
// (cap permitting). An expired one stays expired, and the organization may offer it again.
func (s *Server) linkInvitedMemberships(ctx context.Context, tx *sql.Tx, u api.User) error {
	key := api.EmailKey(u.Email)
	found, seqs, err := queryPage(ctx, tx, s.scanMember, `SELECT `+memberColumns+` FROM `+membersFrom+`
		WHERE m.user_id IS NULL AND m.email_key = ? ORDER BY m.seq`, key)
	if err != nil {
		return err
	}
	for i, invited := range found {
		status, err := s.joiningStatus(ctx, tx, invited.OrganizationID, u)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE members SET user_id = ?, email = NULL, email_key = NULL, code_hash = NULL, status = ?,
			expires_at = CASE WHEN ? = 'active' THEN NULL ELSE expires_at END WHERE seq = ?`, u.ID, status, status, seqs[i]); err != nil {
			return fmt.Errorf("link invited membership: %w", err)
		}
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
		_, seq, u, err := s.pendingMembership(ctx, tx, in.OrgID)
		if err != nil {
			return err
		}
		// The membership stays, declined, so that the organization sees the answer (a plan says it
		// instead of adding the person again); it holds no seat.
		if _, err := tx.ExecContext(ctx, `UPDATE members SET status = 'declined', declined_at = ?, expires_at = NULL WHERE seq = ?`, s.nowText(), seq); err != nil {
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
		cur, seq, err := s.loadMemberRow(ctx, tx, a.orgID, in.Email)
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
		// Their team memberships go first, each with its activity entry (and with them what the teams
		// granted).
		if err := s.removeTeamMemberships(ctx, tx, a.orgID, `tm.member_seq = ?`, seq); err != nil {
			return err
		}
		// The organization tokens this user created stop working (their active flag is computed from
		// the membership), and work again if the user rejoins.
		if _, err := tx.ExecContext(ctx, `DELETE FROM members WHERE seq = ?`, seq); err != nil {
			return fmt.Errorf("remove member: %w", err)
		}
		action := "member.delete"
		if leaving {
			action = "member.leave"
		}
		return s.record(ctx, tx, a.orgID, action, "member", memberObjectID(cur.UserID, cur.Email))
	})
	return nil, err
}
