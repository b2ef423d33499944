package server

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/store"
)

// Upgrades of stored data that the SQL migrations (package store) cannot make, because they compute
// values in Go: each runs once, at the first start of the version that brings it, in one transaction,
// and records that it ran in server_settings.

// emailKeyVersion is the version of api.EmailKey whose keys the database holds: 2 since the domain is
// compared by IDNA and no non-ASCII character folds onto an ASCII one (security round two, finding 1).
const (
	settingEmailKeyVersion = "email_key_version"
	emailKeyVersion        = "2"
)

// upgradeData runs the upgrades the database has not had yet, and removes the sign-ups that expired
// while the server was stopped.
func (s *Server) upgradeData(ctx context.Context) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM users WHERE email_verified_at IS NULL AND verification_expires_at <= ?`, s.nowText())
		return err
	})
	if err != nil {
		return fmt.Errorf("remove expired sign-ups: %w", err)
	}
	// Pending memberships from before they expired (migration 0007) are offered from now on.
	err = s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE members SET expires_at = ?, sent_at = COALESCE(sent_at, created_at)
			WHERE status = 'pending' AND expires_at IS NULL`, store.FormatTime(s.now().Add(s.cfg.InvitationTTL)))
		return err
	})
	if err != nil {
		return fmt.Errorf("give pending memberships an expiry: %w", err)
	}
	done, err := s.setting(ctx, settingEmailKeyVersion)
	if err != nil || done == emailKeyVersion {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		for _, table := range []string{"users", "invitations"} {
			if err := rekeyEmails(ctx, tx, table); err != nil {
				return err
			}
		}
		return setSetting(ctx, tx, settingEmailKeyVersion, emailKeyVersion)
	})
}

// rekeyEmails recomputes table's email_key from each row's address as given.
func rekeyEmails(ctx context.Context, tx *sql.Tx, table string) error {
	changed, err := changedEmailKeys(ctx, tx, table)
	if err != nil {
		return err
	}
	for id, key := range changed {
		_, err := tx.ExecContext(ctx, `UPDATE `+table+` SET email_key = ? WHERE id = ?`, key, id)
		if store.IsUniqueViolation(err) {
			return fmt.Errorf("two proven users' addresses are now one address: the key of user %s cannot change to %q, "+
				"which another user holds; remove one of the two accounts with the previous version, then start this one", id, key)
		}
		if err != nil {
			return fmt.Errorf("rekey %s %s: %w", table, id, err)
		}
	}
	return nil
}

// changedEmailKeys maps the id of each row of table whose key api.EmailKey now computes differently to
// its new key.
func changedEmailKeys(ctx context.Context, tx *sql.Tx, table string) (map[string]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, email, email_key FROM `+table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	changed := map[string]string{}
	for rows.Next() {
		var id, email, old string
		if err := rows.Scan(&id, &email, &old); err != nil {
			return nil, err
		}
		if key := api.EmailKey(email); key != old {
			changed[id] = key
		}
	}
	return changed, rows.Err()
}
