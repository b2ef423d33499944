package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/store"
)

// Admin does an operator's tasks directly on a server's database file, for the subcommands of
// orgs-apiserver: the same rules and the same transactions as the API, without a credential, since
// whoever can write the database file already holds everything in it. It opens the file exactly as the
// server does (WAL, a busy timeout, synchronous commits), so it works beside a server running on the
// same file.
type Admin struct {
	s *Server
}

// OperatorActor is the actor id the activity log records for a change an operator made with Admin
// (actor_type "user"): no user made it, and no user id looks like it.
const OperatorActor = "operator"

// ServerActor is the actor id the activity log records for a change the server made by itself (its
// checks of pending domains), with actor_type "user" like OperatorActor.
const ServerActor = "server"

// AdminConfig configures OpenAdmin.
type AdminConfig struct {
	DBPath        string           // an existing database file (required)
	Now           func() time.Time // nil: time.Now
	InvitationTTL time.Duration    // how long a re-sent invitation stays acceptable; 0: DefaultInvitationTTL
}

// OpenAdmin opens an existing database. A missing file is an error naming the path, not a new empty
// database. It needs no server key: none of its tasks touches a sealed secret.
func OpenAdmin(ctx context.Context, cfg AdminConfig) (*Admin, error) {
	if cfg.DBPath == "" {
		return nil, errors.New("a database path is required")
	}
	if cfg.InvitationTTL < 0 {
		return nil, errors.New("the invitation TTL must not be negative")
	}
	info, err := os.Stat(cfg.DBPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("no database at %s: start the server with -db %s once to create it, or give the path of an existing one", cfg.DBPath, cfg.DBPath)
	case err != nil:
		return nil, err
	case info.IsDir():
		return nil, fmt.Errorf("%s is a directory, not a database file", cfg.DBPath)
	}
	s := newServer(Config{DBPath: cfg.DBPath, Now: cfg.Now, InvitationTTL: cfg.InvitationTTL})
	db, err := store.Open(ctx, cfg.DBPath)
	if err != nil {
		return nil, err
	}
	s.useDatabase(db)
	if err := s.upgradeData(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return &Admin{s: s}, nil
}

// Close closes the database.
func (a *Admin) Close() error { return a.s.Close() }

// AddUser makes sure a user holds the address, creating one (proven: the operator vouches for it) when
// nobody has; created says which.
func (a *Admin) AddUser(ctx context.Context, email, name string) (u api.User, created bool, err error) {
	if err := api.ValidateEmail(email); err != nil {
		return api.User{}, false, err
	}
	err = a.s.write(ctx, func(tx *sql.Tx) error {
		u, created, err = a.s.ensureProvenUser(ctx, tx, email, name)
		return err
	})
	return u, created, err
}

// UserSummary is one user as the operator sees it.
type UserSummary struct {
	api.User
	PersonalTokens     int `json:"personal_tokens"`
	ActiveMemberships  int `json:"active_memberships"`
	PendingMemberships int `json:"pending_memberships"`
}

// Users lists every user, oldest first; unproven sign-ups included (EmailVerified false).
func (a *Admin) Users(ctx context.Context) ([]UserSummary, error) {
	rows, err := a.s.db.Reader.QueryContext(ctx, `SELECT `+userColumns+`,
		(SELECT count(*) FROM personal_tokens t WHERE t.user_id = users.id),
		(SELECT count(*) FROM members m WHERE m.user_id = users.id AND m.status = 'active'),
		(SELECT count(*) FROM members m WHERE m.user_id = users.id AND m.status = 'pending')
		FROM users ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []UserSummary
	for rows.Next() {
		var u UserSummary
		var created string
		if err := rows.Scan(&u.ID, &u.Email, &u.Name, &u.EmailVerified, &created, &u.PersonalTokens, &u.ActiveMemberships, &u.PendingMemberships); err != nil {
			return nil, err
		}
		u.CreatedAt = parseTime(created)
		out = append(out, u)
	}
	return out, rows.Err()
}

// provenUser is the user who proved the address, or an error that says there is none and how to add one.
func (a *Admin) provenUser(ctx context.Context, q querier, email string) (api.User, error) {
	u, ok, err := a.s.userByEmail(ctx, q, email)
	if err != nil {
		return api.User{}, err
	}
	if !ok {
		return api.User{}, errNotFound("no user holds the address %s (unproven sign-ups do not count); add one with: orgs-apiserver users add", email)
	}
	return u, nil
}

// CreatePersonalToken creates a personal access token for the user who holds the address. The secret
// is in the result (Token) only: the database keeps its hash.
func (a *Admin) CreatePersonalToken(ctx context.Context, email, name string, expiresAt *time.Time) (api.PersonalToken, error) {
	if err := futureTime("expires_at", expiresAt, a.s.now()); err != nil {
		return api.PersonalToken{}, err
	}
	secret := newSecret(secretPersonalToken)
	var t api.PersonalToken
	err := a.s.write(ctx, func(tx *sql.Tx) error {
		u, err := a.provenUser(ctx, tx, email)
		if err != nil {
			return err
		}
		var held int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM personal_tokens WHERE user_id = ?`, u.ID).Scan(&held); err != nil {
			return err
		}
		if held >= api.MaxPersonalTokensPerUser {
			return errLimit("%s holds %d personal access tokens, the most a user may hold; revoke one first", u.Email, held)
		}
		if err := a.s.insertPersonalToken(ctx, tx, u.ID, name, secret, expiresAt); err != nil {
			return err
		}
		t, _, err = scanPersonalToken(tx.QueryRowContext(ctx, `SELECT `+personalTokenColumns+` FROM personal_tokens WHERE hash = ?`, hashSecret(secret)))
		return err
	})
	if err != nil {
		return api.PersonalToken{}, err
	}
	t.Token = secret
	return t, nil
}

// InvitationFilter selects invitations; the zero value selects every pending invitation.
type InvitationFilter struct {
	OrganizationID string // "" for every organization
	Email          string // "" for every invitee; compared like every address
	All            bool   // accepted and expired ones too
}

// Invitations lists invitations, oldest first. Their codes cannot be listed: the database holds only
// their hashes (ResendInvitation makes a new one).
func (a *Admin) Invitations(ctx context.Context, f InvitationFilter) ([]api.Invitation, error) {
	query := `SELECT ` + invitationColumns + ` FROM invitations WHERE 1 = 1`
	var args []any
	if f.OrganizationID != "" {
		query += ` AND organization_id = ?`
		args = append(args, f.OrganizationID)
	}
	if f.Email != "" {
		query += ` AND email_key = ?`
		args = append(args, api.EmailKey(f.Email))
	}
	if !f.All {
		query += ` AND accepted_at IS NULL AND expires_at > ?`
		args = append(args, a.s.nowText())
	}
	items, _, err := queryPage(ctx, a.s.db.Reader, a.s.scanInvitation, query+` ORDER BY seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("list invitations: %w", err)
	}
	return items, nil
}

func (a *Admin) loadInvitation(ctx context.Context, q querier, id string) (api.Invitation, error) {
	inv, _, err := a.s.scanInvitation(q.QueryRowContext(ctx, `SELECT `+invitationColumns+` FROM invitations WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return api.Invitation{}, errNotFound("invitation %q not found (list them with: orgs-apiserver invitations list)", id)
	}
	return inv, err
}

// ResendInvitation gives an invitation that was not accepted a new code and a new expiry, as the API's
// resend does, and returns the code, which is nowhere else: the code sent before stops working, and
// nothing is emailed. Unlike the API it does not wait between sends: nobody's mailbox is flooded.
func (a *Admin) ResendInvitation(ctx context.Context, id string) (api.Invitation, string, error) {
	code := newSecret(secretInvitation)
	var inv api.Invitation
	err := a.s.write(ctx, func(tx *sql.Tx) error {
		cur, err := a.loadInvitation(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := a.s.renewInvitation(ctx, tx, cur, code); err != nil {
			return err
		}
		if err := a.s.recordAs(ctx, tx, cur.OrganizationID, "user", OperatorActor, "invitation.resend", "invitation", cur.ID); err != nil {
			return err
		}
		inv, err = a.loadInvitation(ctx, tx, id)
		return err
	})
	if err != nil {
		return api.Invitation{}, "", err
	}
	return inv, code, nil
}

// AcceptInvitation accepts a pending invitation on the invitee's behalf, as if they had sent its code:
// the operator vouches that the address is the invitee's. A user is created (proven, without a token)
// when nobody holds the address; name is theirs. The plan's member limit and the user's organization
// cap hold as always.
func (a *Admin) AcceptInvitation(ctx context.Context, id, name string) (api.InvitationAcceptance, error) {
	var out api.InvitationAcceptance
	err := a.s.write(ctx, func(tx *sql.Tx) error {
		inv, err := a.loadInvitation(ctx, tx, id)
		if err != nil {
			return err
		}
		if inv.Status == api.InvitationExpired {
			return errConflict("invitation %q expired at %s; resend it first (orgs-apiserver invitations resend %s)",
				inv.ID, inv.ExpiresAt.UTC().Format(time.RFC3339), inv.ID)
		}
		if out, err = a.s.joinByInvitation(ctx, tx, inv, name, false); err != nil {
			return err
		}
		return a.s.recordAs(ctx, tx, inv.OrganizationID, "user", OperatorActor, "invitation.accept", "invitation", inv.ID)
	})
	return out, err
}

// Memberships lists the memberships of the user who holds the address (every user when email is ""),
// pending ones only unless all.
func (a *Admin) Memberships(ctx context.Context, email string, all bool) ([]api.Member, error) {
	query := `SELECT ` + memberColumns + ` FROM ` + membersFrom + ` WHERE m.user_id IS NOT NULL`
	var args []any
	if email != "" {
		u, err := a.provenUser(ctx, a.s.db.Reader, email)
		if err != nil {
			return nil, err
		}
		query += ` AND m.user_id = ?`
		args = append(args, u.ID)
	}
	if !all {
		query += ` AND m.status = 'pending'`
	}
	items, _, err := queryPage(ctx, a.s.db.Reader, a.s.scanMember, query+` ORDER BY m.seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("list memberships: %w", err)
	}
	return items, nil
}

// AcceptMembership accepts, on the user's behalf, the pending membership of the organization that
// someone added the user holding the address to. It then counts toward their organization cap.
func (a *Admin) AcceptMembership(ctx context.Context, orgID, email string) (api.Member, error) {
	var m api.Member
	err := a.s.write(ctx, func(tx *sql.Tx) error {
		u, err := a.provenUser(ctx, tx, email)
		if err != nil {
			return err
		}
		cur, seq, err := a.s.loadMemberRow(ctx, tx, orgID, u.Email)
		if err != nil {
			return err
		}
		if cur.Status != api.MemberPending {
			return errConflict("the membership of %s in organization %q is already %s; only a pending one can be accepted", u.Email, orgID, cur.Status)
		}
		if err := activateMembership(ctx, tx, seq, u); err != nil {
			return err
		}
		if err := a.s.recordAs(ctx, tx, orgID, "user", OperatorActor, "member.accept", "member", u.ID); err != nil {
			return err
		}
		m, err = a.s.loadMember(ctx, tx, orgID, u.Email)
		return err
	})
	return m, err
}

// OrganizationSummary is one organization as the operator sees it.
type OrganizationSummary struct {
	ID                 string    `json:"id"`
	Name               string    `json:"name"`
	Plan               api.Plan  `json:"plan"`
	CreatedAt          time.Time `json:"created_at"`
	ActiveMembers      int       `json:"active_members"`
	PendingMembers     int       `json:"pending_members"` // added by someone else, not yet accepted
	PendingInvitations int       `json:"pending_invitations"`
}

// Organizations lists every organization, oldest first, with its member counts.
func (a *Admin) Organizations(ctx context.Context) ([]OrganizationSummary, error) {
	rows, err := a.s.db.Reader.QueryContext(ctx, `SELECT o.id, o.name, o.plan, o.created_at,
		(SELECT count(*) FROM members m WHERE m.organization_id = o.id AND m.status = 'active'),
		(SELECT count(*) FROM members m WHERE m.organization_id = o.id AND m.status = 'pending'),
		(SELECT count(*) FROM invitations i WHERE i.organization_id = o.id AND i.accepted_at IS NULL AND i.expires_at > ?)
		FROM organizations o ORDER BY o.seq`, a.s.nowText())
	if err != nil {
		return nil, fmt.Errorf("list organizations: %w", err)
	}
	defer rows.Close()
	var out []OrganizationSummary
	for rows.Next() {
		var o OrganizationSummary
		var created string
		if err := rows.Scan(&o.ID, &o.Name, &o.Plan, &created, &o.ActiveMembers, &o.PendingMembers, &o.PendingInvitations); err != nil {
			return nil, err
		}
		o.CreatedAt = parseTime(created)
		out = append(out, o)
	}
	return out, rows.Err()
}

// VerifyDomain marks the organization's claimed domain verified without looking its record up, for
// local setups where no DNS can prove it: the operator vouches that the organization owns it.
func (a *Admin) VerifyDomain(ctx context.Context, orgID, domain string) (api.Domain, error) {
	var d api.Domain
	err := a.s.write(ctx, func(tx *sql.Tx) error {
		cur, err := a.s.loadDomain(ctx, tx, orgID, domain)
		if err != nil {
			return err
		}
		if err := a.s.markVerified(ctx, tx, cur, "user", OperatorActor); err != nil {
			return err
		}
		d, err = a.s.loadDomain(ctx, tx, orgID, domain)
		return err
	})
	return d, err
}

// CreateOrganization creates an organization owned by the user who holds ownerEmail, as the API's
// create does when that user asks: the same defaults and checks, the owner's proven address and
// organization cap, the default environment. The activity log records it as done by the operator.
func (a *Admin) CreateOrganization(ctx context.Context, ownerEmail string, b api.OrganizationCreate) (api.Organization, error) {
	org, err := a.s.newOrganization(b)
	if err != nil {
		return api.Organization{}, err
	}
	err = a.s.write(ctx, func(tx *sql.Tx) error {
		owner, err := a.provenUser(ctx, tx, ownerEmail)
		if err != nil {
			return err
		}
		return a.s.insertOrganization(ctx, tx, org, owner, "user", OperatorActor)
	})
	if err != nil {
		return api.Organization{}, err
	}
	return org, nil
}
