package server

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/store"
)

func (s *Server) registerOrganizations(a huma.API) {
	const tag = "Organizations"
	register(a, s, operation(http.MethodGet, api.PathOrganizations, "list-organizations", "List the organizations the caller belongs to", http.StatusOK,
		policy{action: "list organizations"}, tag), s.listOrganizations)
	register(a, s, operation(http.MethodPost, api.PathOrganizations, "create-organization", "Create an organization; the caller becomes its owner", http.StatusCreated,
		policy{userOnly: true, action: "create organizations"}, tag), s.createOrganization)
	register(a, s, operation(http.MethodGet, api.PathOrganization, "get-organization", "Get an organization", http.StatusOK,
		policy{org: true, roles: everyRole, action: "read the organization"}, tag), s.getOrganization)
	register(a, s, operation(http.MethodPatch, api.PathOrganization, "update-organization", "Update an organization (changing the plan is billing: owners and billers)", http.StatusOK,
		policy{org: true, roles: orgEditors, action: "update the organization"}, tag), s.updateOrganization)
	register(a, s, operation(http.MethodDelete, api.PathOrganization, "delete-organization", "Delete an organization and everything it holds", http.StatusNoContent,
		policy{org: true, roles: ownerOnly, action: "delete the organization"}, tag), s.deleteOrganization)
}

const orgColumns = `o.seq, o.id, o.name, o.description, o.website, o.admin_contact_emails, o.plan,
	o.artifacts_storage_limit_gb, o.ai_hints_enabled, o.mask_webhook_urls, o.created_at, o.updated_at`

func scanOrganization(row rowScanner) (api.Organization, int64, error) {
	var o api.Organization
	var seq int64
	var contacts, created, updated string
	if err := row.Scan(&seq, &o.ID, &o.Name, &o.Description, &o.Website, &contacts, &o.Plan,
		&o.Settings.ArtifactsStorageLimitGB, &o.Settings.AIHintsEnabled, &o.Settings.MaskWebhookURLs, &created, &updated); err != nil {
		return api.Organization{}, 0, err
	}
	if err := json.Unmarshal([]byte(contacts), &o.AdminContactEmails); err != nil {
		return api.Organization{}, 0, fmt.Errorf("organization %s: admin contact emails: %w", o.ID, err)
	}
	if o.AdminContactEmails == nil {
		o.AdminContactEmails = []string{}
	}
	o.CreatedAt, o.UpdatedAt = parseTime(created), parseTime(updated)
	return o, seq, nil
}

func (s *Server) loadOrganization(ctx context.Context, q querier, id string) (api.Organization, error) {
	o, _, err := scanOrganization(q.QueryRowContext(ctx, `SELECT `+orgColumns+` FROM organizations o WHERE o.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		// Deleted after the caller's access was checked (reads check it on another connection).
		return api.Organization{}, s.absentOrganization(ctx, q, principalFrom(ctx), id)
	}
	return o, err
}

func validateContactEmails(emails []string) error {
	for i, e := range emails {
		if err := api.ValidateEmail(e); err != nil {
			return invalidField(fmt.Sprintf("admin_contact_emails[%d]", i), err)
		}
	}
	return nil
}

func validateWebsite(website string) error {
	if website == "" {
		return nil
	}
	if err := api.ValidateHTTPURL(website); err != nil {
		return invalidField("website", err)
	}
	return nil
}

// checkOrganizationCap refuses an active membership that would put the user in more organizations
// than api.MaxOrganizationsPerUser. Pending memberships do not count: only the user spends their cap.
func checkOrganizationCap(ctx context.Context, q querier, userID, email string) error {
	n, err := activeMemberships(ctx, q, userID)
	if err != nil {
		return err
	}
	if n >= api.MaxOrganizationsPerUser {
		return errLimit("a user may belong to at most %d organizations; %s already belongs to %d", api.MaxOrganizationsPerUser, email, n)
	}
	return nil
}

// activeMemberships is how many organizations the user is an active member of.
func activeMemberships(ctx context.Context, q querier, userID string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM members WHERE user_id = ? AND status = 'active'`, userID).Scan(&n)
	return n, err
}

type listOrganizationsInput struct {
	PageParams
	Name string `query:"name" maxLength:"100" doc:"Only organizations with exactly this name."`
}

func (s *Server) listOrganizations(ctx context.Context, in *listOrganizationsInput) (*pageOutput[api.Organization], error) {
	after, err := in.cursor()
	if err != nil {
		return nil, err
	}
	p := principalFrom(ctx)
	query := `SELECT ` + orgColumns + ` FROM organizations o WHERE o.seq > ?`
	args := []any{after}
	if p.kind == tokenPrincipal {
		query += ` AND o.id = ?`
		args = append(args, p.orgID)
	} else {
		query += ` AND o.id IN (SELECT organization_id FROM members WHERE user_id = ? AND status = 'active')`
		args = append(args, p.userID)
	}
	if in.Name != "" {
		query += ` AND o.name = ?`
		args = append(args, in.Name)
	}
	query += ` ORDER BY o.seq LIMIT ?`
	args = append(args, in.PageSize+1)
	items, seqs, err := queryPage(ctx, s.reader, scanOrganization, query, args...)
	if err != nil {
		return nil, err
	}
	return &pageOutput[api.Organization]{Body: page(items, seqs, in.PageSize)}, nil
}

type createOrganizationInput struct {
	IdempotencyHeader
	Body api.OrganizationCreate
}

func (s *Server) createOrganization(ctx context.Context, in *createOrganizationInput) (*objectOutput[api.Organization], error) {
	org, err := s.newOrganization(in.Body)
	if err != nil {
		return nil, err
	}
	p := principalFrom(ctx)
	err = s.write(ctx, func(tx *sql.Tx) error {
		u, err := s.loadUser(ctx, tx, p.userID)
		if err != nil {
			return err
		}
		actorType, actorID := p.actor()
		return s.insertOrganization(ctx, tx, org, u, actorType, actorID)
	})
	if err != nil {
		return nil, err
	}
	return newObjectOutput(org), nil
}

// newOrganization is the organization a create makes, not yet stored: its defaults filled in (plan
// hobby, each setting left out at its default) and its fields checked. The API's schema checks the
// lengths and the plan first; they are checked here too for the operator's `orgs create`, which has
// no schema in front of it.
func (s *Server) newOrganization(b api.OrganizationCreate) (api.Organization, error) {
	if n := utf8.RuneCountInString(b.Name); n < 1 || n > 100 {
		return api.Organization{}, invalidField("name", errors.New("must be 1 to 100 characters"))
	}
	if utf8.RuneCountInString(b.Description) > 1000 {
		return api.Organization{}, invalidField("description", errors.New("must be at most 1000 characters"))
	}
	if len(b.Website) > 2048 {
		return api.Organization{}, invalidField("website", errors.New("must be at most 2048 characters"))
	}
	if n := len(b.AdminContactEmails); n < 1 || n > 20 {
		return api.Organization{}, invalidField("admin_contact_emails", errors.New("must hold 1 to 20 addresses"))
	}
	if err := validateContactEmails(b.AdminContactEmails); err != nil {
		return api.Organization{}, err
	}
	if err := validateWebsite(b.Website); err != nil {
		return api.Organization{}, err
	}
	if b.Plan == "" {
		b.Plan = api.PlanHobby
	}
	if !slices.Contains(api.Plans, b.Plan) {
		return api.Organization{}, invalidField("plan", fmt.Errorf("%q is not a plan; the plans are %v", b.Plan, api.Plans))
	}
	settings := api.DefaultOrganizationSettings
	if b.Settings != nil {
		settings = b.Settings.Apply(settings)
	}
	if v := settings.ArtifactsStorageLimitGB; v < 0 || v > 100000 {
		return api.Organization{}, invalidField("settings.artifacts_storage_limit_gb", errors.New("must be 0 to 100000"))
	}
	now := s.now().UTC()
	return api.Organization{
		ID: newID(prefixOrganization), Name: b.Name, Description: b.Description, Website: b.Website,
		AdminContactEmails: b.AdminContactEmails, Plan: b.Plan, Settings: settings, CreatedAt: now, UpdatedAt: now,
	}, nil
}

// insertOrganization stores org, owned by owner, with its default environment, in tx, and records
// both in the activity log as done by actorType/actorID. The owner must have proven their address and
// have room under the organization cap, whoever creates it.
func (s *Server) insertOrganization(ctx context.Context, tx *sql.Tx, org api.Organization, owner api.User, actorType, actorID string) error {
	if !owner.EmailVerified {
		return errForbidden("verify your email address first (POST %s with the code emailed at sign-up): an account whose address is not proven cannot create organizations", api.PathVerifyEmail)
	}
	if err := checkOrganizationCap(ctx, tx, owner.ID, owner.Email); err != nil {
		return err
	}
	contacts, _ := json.Marshal(org.AdminContactEmails)
	ts := store.FormatTime(org.CreatedAt)
	settings := org.Settings
	if _, err := tx.ExecContext(ctx, `INSERT INTO organizations (id, name, description, website, admin_contact_emails, plan,
			artifacts_storage_limit_gb, ai_hints_enabled, mask_webhook_urls, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		org.ID, org.Name, org.Description, org.Website, string(contacts), org.Plan,
		settings.ArtifactsStorageLimitGB, settings.AIHintsEnabled, settings.MaskWebhookURLs, ts, ts); err != nil {
		return fmt.Errorf("insert organization: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO members (organization_id, user_id, role, status, created_at) VALUES (?, ?, 'owner', 'active', ?)`,
		org.ID, owner.ID, ts); err != nil {
		return fmt.Errorf("insert owner: %w", err)
	}
	envID := newID(prefixEnvironment)
	if _, err := tx.ExecContext(ctx, `INSERT INTO environments (id, organization_id, name, slug, status, is_default, created_at)
			VALUES (?, ?, 'Default', 'default', 'disconnected', 1, ?)`, envID, org.ID, ts); err != nil {
		return fmt.Errorf("insert default environment: %w", err)
	}
	if err := s.recordAs(ctx, tx, org.ID, actorType, actorID, "organization.create", "organization", org.ID); err != nil {
		return err
	}
	return s.recordAs(ctx, tx, org.ID, actorType, actorID, "environment.create", "environment", envID)
}

func (s *Server) getOrganization(ctx context.Context, in *OrgPath) (*objectOutput[api.Organization], error) {
	o, err := s.loadOrganization(ctx, s.reader, in.OrgID)
	if err != nil {
		return nil, err
	}
	return newObjectOutput(o), nil
}

type updateOrganizationInput struct {
	OrgPath
	IfMatchHeader
	Body api.OrganizationUpdate
}

func (s *Server) updateOrganization(ctx context.Context, in *updateOrganizationInput) (*objectOutput[api.Organization], error) {
	b := in.Body
	if b.AdminContactEmails != nil {
		if err := validateContactEmails(b.AdminContactEmails); err != nil {
			return nil, err
		}
	}
	if b.Website != nil {
		if err := validateWebsite(*b.Website); err != nil {
			return nil, err
		}
	}
	var org api.Organization
	err := s.writeOrg(ctx, func(tx *sql.Tx, a access) error {
		cur, err := s.loadOrganization(ctx, tx, in.OrgID)
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
		if b.Website != nil {
			next.Website = *b.Website
		}
		if b.AdminContactEmails != nil {
			next.AdminContactEmails = b.AdminContactEmails
		}
		if b.Settings != nil {
			next.Settings = b.Settings.Apply(next.Settings)
		}
		if b.Plan != nil {
			next.Plan = *b.Plan
		}
		// A field sent with its current value is not a change, so a client may send the whole object
		// and still only need the permission for what it actually changes.
		planChange := next.Plan != cur.Plan
		otherChange := next.Name != cur.Name || next.Description != cur.Description || next.Website != cur.Website ||
			!slices.Equal(next.AdminContactEmails, cur.AdminContactEmails) || next.Settings != cur.Settings
		if planChange {
			if err := a.require(ownerBiller, "change the plan (billing is for owners and billers)"); err != nil {
				return err
			}
		}
		if otherChange {
			if err := a.require(ownerAdmin, "change the organization's settings (billers may only change the plan)"); err != nil {
				return err
			}
		}
		if planChange {
			if err := s.checkPlanFits(ctx, tx, cur.ID, next.Plan); err != nil {
				return err
			}
		}
		if !planChange && !otherChange {
			org = cur
			return nil
		}
		next.UpdatedAt = s.now().UTC()
		contacts, _ := json.Marshal(next.AdminContactEmails)
		if _, err := tx.ExecContext(ctx, `UPDATE organizations SET name = ?, description = ?, website = ?, admin_contact_emails = ?, plan = ?,
				artifacts_storage_limit_gb = ?, ai_hints_enabled = ?, mask_webhook_urls = ?, updated_at = ? WHERE id = ?`,
			next.Name, next.Description, next.Website, string(contacts), next.Plan,
			next.Settings.ArtifactsStorageLimitGB, next.Settings.AIHintsEnabled, next.Settings.MaskWebhookURLs,
			store.FormatTime(next.UpdatedAt), cur.ID); err != nil {
			return fmt.Errorf("update organization: %w", err)
		}
		if planChange {
			if err := s.record(ctx, tx, cur.ID, "organization.plan_change", "organization", cur.ID); err != nil {
				return err
			}
		}
		if otherChange {
			if err := s.record(ctx, tx, cur.ID, "organization.update", "organization", cur.ID); err != nil {
				return err
			}
		}
		org = next
		return nil
	})
	if err != nil {
		return nil, err
	}
	return newObjectOutput(org), nil
}

func (s *Server) deleteOrganization(ctx context.Context, in *OrgPath) (*struct{}, error) {
	err := s.writeOrg(ctx, func(tx *sql.Tx, _ access) error {
		// The tombstone remembers who could see the organization, so that they, and only they, are told
		// from now on that it was deleted rather than that they cannot see it (absentOrganization).
		if _, err := tx.ExecContext(ctx, `INSERT INTO organization_tombstones (organization_id, deleted_at) VALUES (?, ?)`,
			in.OrgID, store.FormatTime(s.now())); err != nil {
			return fmt.Errorf("record the deletion of organization %s: %w", in.OrgID, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO organization_tombstone_viewers (organization_id, user_id)
				SELECT organization_id, user_id FROM members WHERE organization_id = ? AND status = 'active'`, in.OrgID); err != nil {
			return fmt.Errorf("record who could see organization %s: %w", in.OrgID, err)
		}
		// Everything the organization holds goes with it through ON DELETE CASCADE.
		res, err := tx.ExecContext(ctx, `DELETE FROM organizations WHERE id = ?`, in.OrgID)
		if err != nil {
			return fmt.Errorf("delete organization: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errOrganizationNotFound(in.OrgID)
		}
		return nil
	})
	return nil, err
}
