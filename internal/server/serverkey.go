package server

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/orgs-dev/terraform-provider-orgs/internal/server/seal"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/store"
)

// The server key seals the secrets the server must use again (package seal). The database records the
// id of the key that sealed it (server_settings.seal_key_id), and the server refuses to start with
// another key, or without its key file when the database holds sealed secrets: a wrong key would answer
// 500 on every sealed secret and seal new ones with a key that cannot open the old, and a key file made
// anew would lose every secret for good.

const settingSealKeyID = "seal_key_id"

// keyFilePath is where the server key is kept when it is not configured directly.
func keyFilePath(cfg Config) string {
	if cfg.KeyFile != "" {
		return cfg.KeyFile
	}
	return cfg.DBPath + ".key"
}

// useServerKey finds the server key (the configured one, or the key file's, created only for a database
// that holds nothing sealed), checks it against the database's record, and seals what an older version
// left unsealed.
func (s *Server) useServerKey(ctx context.Context) error {
	recorded, err := s.setting(ctx, settingSealKeyID)
	if err != nil {
		return err
	}
	key, err := s.serverKey(ctx, recorded != "")
	if err != nil {
		return err
	}
	if s.sealer, err = seal.New(key); err != nil {
		return err
	}
	idem := sha256.Sum256(append([]byte("orgs idempotency responses\n"), key...))
	s.idemSecret = idem[:]
	id := seal.KeyID(key)
	switch {
	case recorded == id:
	case recorded != "":
		return s.wrongKeyError(recorded, id)
	default:
		// A database from before the record: the key must open what is already sealed.
		if err := s.proveKeyOnSealedRows(ctx); err != nil {
			return s.wrongKeyError("", id)
		}
		if err := s.write(ctx, func(tx *sql.Tx) error { return setSetting(ctx, tx, settingSealKeyID, id) }); err != nil {
			return fmt.Errorf("record the server key's id: %w", err)
		}
	}
	return s.sealLegacySecrets(ctx)
}

// serverKey is the configured key, or the key file's. A missing key file is created with a new key only
// when the database holds nothing sealed.
func (s *Server) serverKey(ctx context.Context, sealed bool) ([]byte, error) {
	if len(s.cfg.SecretKey) > 0 {
		return s.cfg.SecretKey, nil
	}
	path := keyFilePath(s.cfg)
	key, err := seal.ReadKeyFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if !sealed {
		if sealed, err = s.holdsSealedSecrets(ctx); err != nil {
			return nil, err
		}
	}
	if sealed {
		return nil, fmt.Errorf("the server key file %s does not exist, but the database %s holds secrets sealed with a server key: "+
			"restore the key file from the backup you made with the database, or give the key in ORGS_SECRET_KEY "+
			"(a new key would open none of them; the server made none)", path, s.cfg.DBPath)
	}
	key = seal.NewKey()
	if err := seal.WriteKeyFile(path, key); err != nil {
		return nil, err
	}
	return key, nil
}

func (s *Server) wrongKeyError(recorded, given string) error {
	source := "the key file " + keyFilePath(s.cfg)
	if len(s.cfg.SecretKey) > 0 {
		source = "ORGS_SECRET_KEY"
	}
	expected := "the key that sealed its secrets"
	if recorded != "" {
		expected = "the key with id " + recorded
	}
	msg := fmt.Sprintf("the server key from %s (id %s) does not open the database %s, which expects %s: "+
		"start the server with that key (ORGS_SECRET_KEY, or the key file: -key-file). "+
		"To change the key, start with the old one, stop, and run `orgs-apiserver keys rotate`", source, given, s.cfg.DBPath, expected)
	if len(s.cfg.SecretKey) == 0 {
		if _, err := os.Stat(keyFilePath(s.cfg) + ".new"); err == nil {
			msg += fmt.Sprintf(". A key rotation was interrupted after its commit: %s.new holds the new key; move it over %s",
				keyFilePath(s.cfg), keyFilePath(s.cfg))
		}
	}
	return errors.New(msg)
}

// holdsSealedSecrets reports whether any row holds a sealed value.
func (s *Server) holdsSealedSecrets(ctx context.Context) (bool, error) {
	var found bool
	err := s.db.Writer.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM container_registries
		WHERE password LIKE 'sealed:%' OR secret_access_key LIKE 'sealed:%') OR EXISTS (SELECT 1 FROM webhooks)`).Scan(&found)
	return found, err
}

// proveKeyOnSealedRows opens one sealed secret, if there is any, with the server's key.
func (s *Server) proveKeyOnSealedRows(ctx context.Context) error {
	var id, password, secret string
	err := s.db.Writer.QueryRowContext(ctx, `SELECT id, password, secret_access_key FROM container_registries
		WHERE password LIKE 'sealed:%' OR secret_access_key LIKE 'sealed:%' LIMIT 1`).Scan(&id, &password, &secret)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	if strings.HasPrefix(password, seal.Prefix) {
		_, err = s.sealer.Open(password, registrySecretContext(id, "password"))
	} else {
		_, err = s.sealer.Open(secret, registrySecretContext(id, "secret_access_key"))
	}
	return err
}

func (s *Server) setting(ctx context.Context, name string) (string, error) {
	var value string
	err := s.db.Writer.QueryRowContext(ctx, `SELECT value FROM server_settings WHERE name = ?`, name).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the server setting %s: %w", name, err)
	}
	return value, nil
}

func setSetting(ctx context.Context, tx *sql.Tx, name, value string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO server_settings (name, value) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, value)
	return err
}

// RotateKey re-seals every sealed secret of the database, sealed with oldKey, with newKey, and records
// newKey's id, in one transaction: afterwards the server starts with newKey only. Stored idempotent
// responses are encrypted with a secret derived from the key and cannot be carried over: they are
// deleted, so rotate while no client is retrying a create. It refuses while a server runs on the
// database (store.LockExclusive).
func (a *Admin) RotateKey(ctx context.Context, oldKey, newKey []byte) (resealed int, err error) {
	s := a.s
	lock, err := store.LockExclusive(s.cfg.DBPath)
	if errors.Is(err, store.ErrServerRunning) {
		return 0, fmt.Errorf("a server is running on %s: stop it first (it holds the old key and would answer 500 for every sealed secret after the rotation), then rotate, then start it with the new key", s.cfg.DBPath)
	}
	if err != nil {
		return 0, err
	}
	defer func() { err = errors.Join(err, lock.Release()) }()
	recorded, err := s.setting(ctx, settingSealKeyID)
	if err != nil {
		return 0, err
	}
	if recorded != "" && recorded != seal.KeyID(oldKey) {
		return 0, fmt.Errorf("the current key given (id %s) is not the database's (id %s): give the key the server runs with", seal.KeyID(oldKey), recorded)
	}
	oldSealer, err := seal.New(oldKey)
	if err != nil {
		return 0, err
	}
	newSealer, err := seal.New(newKey)
	if err != nil {
		return 0, err
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		all, err := registrySecrets(ctx, tx, "")
		if err != nil {
			return err
		}
		for _, r := range all {
			if err := resealRegistry(ctx, tx, r, oldSealer, newSealer); err != nil {
				return err
			}
			resealed++
		}
		webhooks, err := resealWebhookSecrets(ctx, tx, oldSealer, newSealer)
		if err != nil {
			return err
		}
		resealed += webhooks
		if _, err := tx.ExecContext(ctx, `DELETE FROM idempotency`); err != nil {
			return err
		}
		return setSetting(ctx, tx, settingSealKeyID, seal.KeyID(newKey))
	})
	if err != nil {
		return 0, fmt.Errorf("rotate the server key: %w", err)
	}
	return resealed, nil
}
