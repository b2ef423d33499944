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

func (s *Server) registerInvitations(a huma.API) {
	const tag = "Invitations"
	pol := func(action string) policy { return policy{org: true, roles: ownerAdmin, action: action} }
	register(a, s, operation(http.MethodGet, api.PathInvitations, "list-invitations", "List the organization's invitations", http.StatusOK,
		pol("list invitations"), tag), s.listInvitations)
	invite := policy{org: true, roles: ownerAdmin, action: "invite", replayRule: onBody(mayInvite)}
	register(a, s, operation(http.MethodPost, api.PathInvitations, "create-invitation", "Invite an email address to the organization with a role", http.StatusCreated,
		invite, tag), s.createInvitation)
	register(a, s, operation(http.MethodGet, api.PathInvitation, "get-invitation", "Get an invitation", http.StatusOK,
		pol("read invitations"), tag), s.getInvitation)
	register(a, s, operation(http.MethodPost, api.PathInvitationResend, "resend-invitation", "Send an invitation again, with a new code and a new expiry", http.StatusOK,
		pol("resend invitations"), tag), s.resendInvitation)
	register(a, s, operation(http.MethodDelete, api.PathInvitation, "cancel-invitation", "Cancel (delete) an invitation", http.StatusNoContent,
		pol("cancel invitations"), tag), s.cancelInvitation)
	type in = bulkInput[api.InvitationCreate, api.NoUpdate]
	registerBulk(a, s, bulkOperation(api.PathBulkInvitations, "bulk-invitations", "Create and cancel invitations in bulk (key: the invitation id; invitations have no update)",
		policy{org: true, roles: ownerAdmin, action: "invite in bulk", replayRule: bulkReplay[api.InvitationCreate, api.NoUpdate](mayInvite, nil)}, tag),
		bulkCollection[in, api.InvitationCreate, api.NoUpdate, api.Invitation]{
			noun: "invitation", items: orgBulkItems[api.InvitationCreate, api.NoUpdate],
			createPolicy: invite, deletePolicy: pol("cancel invitations"),
			create: func(ctx context.Context, in *in, b api.InvitationCreate) (api.Invitation, error) {
				return objectOf(s.createInvitation(ctx, &createInvitationInput{OrgPath: in.OrgPath, Body: b}))
			},
			delete: func(ctx context.Context, in *in, id string) error {
				_, err := s.cancelInvitation(ctx, &InvitationPath{OrgPath: in.OrgPath, InvitationID: id})
				return err
			},
		})
	register(a, s, operation(http.MethodPost, api.PathInvitationAccept, "accept-invitation", "Accept an invitation with the emailed code; creates the user if new", http.StatusOK,
		policy{public: true}, tag), s.acceptInvitation)
}

type InvitationPath struct {
	OrgPath
	InvitationID string `path:"invitation_id" maxLength:"64" doc:"The invitation id."`
}

const invitationColumns = `seq, id, organization_id, email, role, invited_by, expires_at, accepted_at, created_at`

// scanInvitation reads an invitation; its status depends on the clock.
func (s *Server) scanInvitation(row rowScanner) (api.Invitation, int64, error) {
	var inv api.Invitation
	var seq int64
	var expires, created string
	var accepted sql.NullString
	if err := row.Scan(&seq, &inv.ID, &inv.OrganizationID, &inv.Email, &inv.Role, &inv.InvitedBy, &expires, &accepted, &created); err != nil {
		return api.Invitation{}, 0, err
	}
	inv.ExpiresAt, inv.CreatedAt, inv.AcceptedAt = parseTime(expires), parseTime(created), parseNullTime(accepted)
	inv.Status = invitationStatus(inv, s.now())
	return inv, seq, nil
}

func invitationStatus(inv api.Invitation, now time.Time) api.InvitationStatus {
	switch {
	case inv.AcceptedAt != nil:
		return api.InvitationAccepted
	case !now.Before(inv.ExpiresAt):
		return api.InvitationExpired
	}
	return api.InvitationPending
}

func (s *Server) loadInvitation(ctx context.Context, q querier, orgID, id string) (api.Invitation, error) {
	inv, _, err := s.scanInvitation(q.QueryRowContext(ctx, `SELECT `+invitationColumns+` FROM invitations WHERE organization_id = ? AND id = ?`, orgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return api.Invitation{}, errNotFound("invitation %q not found", id)
	}
	return inv, err
}

// sendInvitation hands the code to the configured hook once the invitation is committed: a rolled-back
// invitation must not have been "emailed".
func (s *Server) sendInvitation(ctx context.Context, inv api.Invitation, code string) {
	afterCommit(ctx, func() {
		s.log.Info("invitation sent", "organization_id", inv.OrganizationID, "invitation_id", inv.ID, "to", inv.Email)
		if s.cfg.OnInvitation != nil {
			s.cfg.OnInvitation(api.InvitationEmail{To: inv.Email, OrganizationID: inv.OrganizationID, InvitationID: inv.ID, Code: code})
		}
	})
}

type listInvitationsInput struct {
	OrgPath
	PageParams
}

func (s *Server) listInvitations(ctx context.Context, in *listInvitationsInput) (*pageOutput[api.Invitation], error) {
	after, err := in.cursor()
	if err != nil {
		return nil, err
	}
	items, seqs, err := queryPage(ctx, s.reader, s.scanInvitation, `SELECT `+invitationColumns+` FROM invitations WHERE organization_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
		in.OrgID, after, in.PageSize+1)
	if err != nil {
		return nil, err
	}
	return &pageOutput[api.Invitation]{Body: page(items, seqs, in.PageSize)}, nil
}

type createInvitationInput struct {
	OrgPath
	IdempotencyHeader
	Body api.InvitationCreate
}

// mayInvite: only owners invite owners.
func mayInvite(a access, b api.InvitationCreate) error {
	if b.Role == api.RoleOwner {
		return a.require(ownerOnly, "invite an owner (only owners make owners)")
	}
	return nil
}

func (s *Server) createInvitation(ctx context.Context, in *createInvitationInput) (*objectOutput[api.Invitation], error) {
	b := in.Body
	if err := api.ValidateEmail(b.Email); err != nil {
		return nil, invalidField("email", err)
	}
	code := newSecret(secretInvitation)
	var inv api.Invitation
	err := s.writeOrg(ctx, func(tx *sql.Tx, a access) error {
		if err := mayInvite(a, b); err != nil {
			return err
		}
		if cur, err := s.loadMember(ctx, tx, a.orgID, b.Email); err == nil {
			return alreadyMember(cur)
		} else if !isNotFound(err) {
			return err
		}
		if u, ok, err := s.userByEmail(ctx, tx, b.Email); err != nil {
			return err
		} else if ok {
			if err := s.checkDeclineCooldown(ctx, tx, a.orgID, u); err != nil {
				return err
			}
		}
		now := s.now()
		var pending int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM invitations WHERE organization_id = ? AND email_key = ? AND accepted_at IS NULL AND expires_at > ?`,
			a.orgID, api.EmailKey(b.Email), store.FormatTime(now)).Scan(&pending); err != nil {
			return err
		}
		if pending > 0 {
			return errConflict("%s already has a pending invitation to the organization; resend or cancel it", b.Email)
		}
		// A pending invitation holds a seat: otherwise an organization could invite far past its plan.
		if err := s.checkSeat(ctx, tx, a.orgID, ""); err != nil {
			return err
		}
		id := newID(prefixInvitation)
		if _, err := tx.ExecContext(ctx, `INSERT INTO invitations (id, organization_id, email, email_key, role, invited_by, code_hash, expires_at, sent_at, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, a.orgID, b.Email, api.EmailKey(b.Email), b.Role, a.userID, hashSecret(code),
			store.FormatTime(now.Add(s.cfg.InvitationTTL)), store.FormatTime(now), store.FormatTime(now)); err != nil {
			return fmt.Errorf("insert invitation: %w", err)
		}
		if err := s.record(ctx, tx, a.orgID, "invitation.create", "invitation", id); err != nil {
			return err
		}
		var err error
		inv, err = s.loadInvitation(ctx, tx, a.orgID, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.sendInvitation(ctx, inv, code)
	return newObjectOutput(inv), nil
}

func (s *Server) getInvitation(ctx context.Context, in *InvitationPath) (*objectOutput[api.Invitation], error) {
	inv, err := s.loadInvitation(ctx, s.reader, in.OrgID, in.InvitationID)
	if err != nil {
		return nil, err
	}
	return newObjectOutput(inv), nil
}

type resendInvitationInput struct {
	InvitationPath
	IdempotencyHeader
}

func (s *Server) resendInvitation(ctx context.Context, in *resendInvitationInput) (*objectOutput[api.Invitation], error) {
	code := newSecret(secretInvitation)
	var inv api.Invitation
	err := s.writeOrg(ctx, func(tx *sql.Tx, a access) error {
		cur, err := s.loadInvitation(ctx, tx, a.orgID, in.InvitationID)
		if err != nil {
			return err
		}
		if cur.Role == api.RoleOwner {
			if err := a.require(ownerOnly, "resend an invitation to become owner (only owners make owners)"); err != nil {
				return err
			}
		}
		// A pending invitation waits api.InvitationResendInterval between sends.
		if cur.Status == api.InvitationPending {
			var sent string
			if err := tx.QueryRowContext(ctx, `SELECT sent_at FROM invitations WHERE id = ?`, cur.ID).Scan(&sent); err != nil {
				return err
			}
			if wait := parseTime(sent).Add(api.InvitationResendInterval).Sub(s.now()); wait > 0 {
				return errTooSoon(wait, "invitation %q was sent less than %s ago; it can be re-sent in %s", cur.ID, api.InvitationResendInterval, wait.Round(time.Second))
			}
		}
		if err := s.renewInvitation(ctx, tx, cur, code); err != nil {
			return err
		}
		if err := s.record(ctx, tx, a.orgID, "invitation.resend", "invitation", cur.ID); err != nil {
			return err
		}
		inv, err = s.loadInvitation(ctx, tx, a.orgID, cur.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.sendInvitation(ctx, inv, code)
	return newObjectOutput(inv), nil
}

// renewInvitation gives an invitation that was not accepted a new code and a new expiry; the old code
// stops working. An expired invitation becomes acceptable again this way, and so holds a seat again.
func (s *Server) renewInvitation(ctx context.Context, tx *sql.Tx, cur api.Invitation, code string) error {
	if cur.Status == api.InvitationAccepted {
		return errConflict("invitation %q was already accepted", cur.ID)
	}
	if cur.Status == api.InvitationExpired {
		if err := s.checkSeat(ctx, tx, cur.OrganizationID, cur.ID); err != nil {
			return err
		}
	}
	now := s.now()
	if _, err := tx.ExecContext(ctx, `UPDATE invitations SET code_hash = ?, expires_at = ?, sent_at = ? WHERE id = ?`,
		hashSecret(code), store.FormatTime(now.Add(s.cfg.InvitationTTL)), store.FormatTime(now), cur.ID); err != nil {
		return fmt.Errorf("resend invitation: %w", err)
	}
	return nil
}

func (s *Server) cancelInvitation(ctx context.Context, in *InvitationPath) (*struct{}, error) {
	err := s.writeOrg(ctx, func(tx *sql.Tx, a access) error {
		cur, err := s.loadInvitation(ctx, tx, a.orgID, in.InvitationID)
		if err != nil {
			return err
		}
		if cur.Role == api.RoleOwner {
			if err := a.require(ownerOnly, "cancel an invitation to become owner (only owners make or unmake owners)"); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM invitations WHERE id = ?`, cur.ID); err != nil {
			return fmt.Errorf("cancel invitation: %w", err)
		}
		return s.record(ctx, tx, a.orgID, "invitation.delete", "invitation", cur.ID)
	})
	return nil, err
}

type acceptInvitationInput struct {
	IdempotencyHeader
	Body api.InvitationAccept
}

type acceptInvitationOutput struct {
	Body api.InvitationAcceptance
}

func (s *Server) acceptInvitation(ctx context.Context, in *acceptInvitationInput) (*acceptInvitationOutput, error) {
	var out api.InvitationAcceptance
	err := s.write(ctx, func(tx *sql.Tx) error {
		inv, _, err := s.scanInvitation(tx.QueryRowContext(ctx, `SELECT `+invitationColumns+` FROM invitations WHERE code_hash = ?`, hashSecret(in.Body.Code)))
		if errors.Is(err, sql.ErrNoRows) {
			// Not an invitation's code: perhaps an invited membership's (orgs_member of an address
			// without an account).
			out, err = s.joinByMembershipCode(ctx, tx, in.Body.Code, in.Body.Name)
			return err
		}
		if err != nil {
			return err
		}
		out, err = s.joinByInvitation(ctx, tx, inv, in.Body.Name, true)
		if err != nil {
			return err
		}
		return s.recordAs(ctx, tx, inv.OrganizationID, "user", out.User.ID, "invitation.accept", "invitation", inv.ID)
	})
	if err != nil {
		return nil, err
	}
	return &acceptInvitationOutput{Body: out}, nil
}

// joinByInvitation accepts a pending invitation: the invitee becomes an active member with its role,
// taking the seat it held. The acceptance proves the address (the code reached it, or the operator
// vouches for it): whoever proved it before keeps their account; otherwise the account is made now,
// proven (with its first personal token when withToken), and sign-ups that never proved the address
// are discarded. A squatter who signed up with it gets nothing. The caller records the activity.
func (s *Server) joinByInvitation(ctx context.Context, tx *sql.Tx, inv api.Invitation, name string, withToken bool) (api.InvitationAcceptance, error) {
	var out api.InvitationAcceptance
	switch inv.Status {
	case api.InvitationAccepted:
		return out, errConflict("this invitation was already accepted")
	case api.InvitationExpired:
		return out, newProblem(http.StatusConflict, api.ProblemInvitationExpired,
			"the invitation expired at %s; ask an owner or admin of the organization to resend it", inv.ExpiresAt.UTC().Format(time.RFC3339))
	}
	u, exists, err := s.userByEmail(ctx, tx, inv.Email)
	if err != nil {
		return out, err
	}
	if !exists {
		u, out.Token, _, err = s.createUser(ctx, tx, inv.Email, name, true, withToken)
		if err != nil {
			return out, err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE invitations SET accepted_at = ? WHERE id = ?`, s.nowText(), inv.ID); err != nil {
		return out, fmt.Errorf("accept invitation: %w", err)
	}
	if _, err := s.insertMember(ctx, tx, inv.OrganizationID, u, inv.Role, api.MemberActive); err != nil {
		return out, err
	}
	out.User = u
	out.Member, err = s.loadMember(ctx, tx, inv.OrganizationID, u.Email)
	return out, err
}

// joinByMembershipCode accepts an invited membership with the code emailed to its address: like an
// invitation's, the acceptance proves the address, making the account if there is none, and the
// membership becomes active.
func (s *Server) joinByMembershipCode(ctx context.Context, tx *sql.Tx, code, name string) (api.InvitationAcceptance, error) {
	var out api.InvitationAcceptance
	var seq int64
	var orgID, email string
	err := tx.QueryRowContext(ctx, `SELECT seq, organization_id, email FROM members WHERE code_hash = ? AND user_id IS NULL`, hashSecret(code)).Scan(&seq, &orgID, &email)
	if errors.Is(err, sql.ErrNoRows) {
		return out, errNotFound("no invitation has this code; it may have been cancelled or re-sent with a new code, or, if you have "+
			"since signed up with this address, the membership waits among your pending memberships (GET %s)", api.PathMemberships)
	}
	if err != nil {
		return out, err
	}
	cur, err := s.loadMember(ctx, tx, orgID, email)
	if err != nil {
		return out, err
	}
	if cur.Status == api.MemberExpired {
		return out, newProblem(http.StatusConflict, api.ProblemInvitationExpired,
			"the invitation expired at %s; ask an owner or admin of the organization to offer it again", cur.ExpiresAt.UTC().Format(time.RFC3339))
	}
	u, exists, err := s.userByEmail(ctx, tx, email)
	if err != nil {
		return out, err
	}
	if !exists {
		// Making the proven account links the invited membership to it (pending, or active in a
		// verified domain): accepting then makes it active.
		if u, out.Token, _, err = s.createUser(ctx, tx, email, name, true, true); err != nil {
			return out, err
		}
	}
	if err := checkOrganizationCap(ctx, tx, u.ID, u.Email); err != nil {
		return out, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE members SET user_id = ?, email = NULL, email_key = NULL, code_hash = NULL, status = 'active',
		expires_at = NULL, sent_at = NULL WHERE seq = ?`, u.ID, seq); err != nil {
		return out, fmt.Errorf("accept membership: %w", err)
	}
	if err := s.recordAs(ctx, tx, orgID, "user", u.ID, "member.accept", "member", u.ID); err != nil {
		return out, err
	}
	out.User = u
	out.Member, err = s.loadMember(ctx, tx, orgID, u.Email)
	return out, err
}
