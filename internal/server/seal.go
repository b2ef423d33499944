package server

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// Secrets the platform must be able to use again (registry passwords and secret access keys) cannot be
// hashed like tokens; they are sealed with the server key (AES-256-GCM) before they reach the database,
// so neither the database file nor its write-ahead log ever holds them in the clear. The key lives
// outside the database: in the environment (ORGS_SECRET_KEY) or in a key file the server creates on
// first start, readable by its owner only. A copy of the database without the key reveals no secret.

// SecretKeySize is the length of the server key in bytes (AES-256).
const SecretKeySize = 32

// sealedPrefix marks a sealed value in a text column; rows written before sealing existed hold
// plaintext, which the server seals when it starts.
const sealedPrefix = "sealed:v1:"

type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (*sealer, error) {
	if len(key) != SecretKeySize {
		return nil, fmt.Errorf("the server key must be %d bytes, not %d", SecretKeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

// seal encrypts plain for the place it is stored (context: which row and column), so a sealed value
// copied into another row does not open there. The empty string stays empty: it means "not set".
func (s *sealer) seal(plain, context string) string {
	if plain == "" {
		return ""
	}
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce)
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(s.aead.Seal(nonce, nonce, []byte(plain), []byte(context)))
}

func (s *sealer) open(stored, context string) (string, error) {
	if stored == "" {
		return "", nil
	}
	raw, ok := strings.CutPrefix(stored, sealedPrefix)
	if !ok {
		return "", errors.New("a stored secret is not sealed")
	}
	data, err := base64.RawStdEncoding.DecodeString(raw)
	// Shorter than a nonce and a tag, it cannot be anything sealed, whatever the key.
	if err != nil || len(data) < s.aead.NonceSize()+s.aead.Overhead() {
		return "", errors.New("a stored secret is damaged")
	}
	plain, err := s.aead.Open(nil, data[:s.aead.NonceSize()], data[s.aead.NonceSize():], []byte(context))
	if err != nil {
		return "", errors.New("a stored secret does not open with this server key (was the key changed?)")
	}
	return string(plain), nil
}

// loadKey returns the configured key, or the key file's (created with mode 0600 and a new random key
// when it does not exist).
func loadKey(cfg Config) ([]byte, error) {
	if len(cfg.SecretKey) > 0 {
		return cfg.SecretKey, nil
	}
	path := cfg.KeyFile
	if path == "" {
		path = cfg.DBPath + ".key"
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return createKeyFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("read the server key file %s: %w", path, err)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(key) != SecretKeySize {
		return nil, fmt.Errorf("the server key file %s must hold %d bytes in base64", path, SecretKeySize)
	}
	if info, err := os.Stat(path); err == nil && info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("the server key file %s is readable by others (mode %v); chmod 600 it", path, info.Mode().Perm())
	}
	return key, nil
}

func createKeyFile(path string) ([]byte, error) {
	key := make([]byte, SecretKeySize)
	rand.Read(key)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create the server key file %s: %w", path, err)
	}
	_, err = f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if err == nil {
		err = f.Sync()
	}
	if err = errors.Join(err, f.Close()); err != nil {
		return nil, fmt.Errorf("write the server key file %s: %w", path, err)
	}
	return key, nil
}

// ParseSecretKey decodes a server key given as base64 (ORGS_SECRET_KEY).
func ParseSecretKey(s string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(key) != SecretKeySize {
		return nil, fmt.Errorf("the server key must be %d bytes in base64 (for example: head -c %d /dev/urandom | base64)", SecretKeySize, SecretKeySize)
	}
	return key, nil
}

func registrySecretContext(registryID, column string) string {
	return "container_registries/" + registryID + "/" + column
}

// sealLegacySecrets seals the registry secrets of rows written before sealing existed. secure_delete
// has SQLite overwrite the plaintext it frees, and the checkpoint moves the change out of the
// write-ahead log, so the old values do not linger on disk.
func (s *Server) sealLegacySecrets(ctx context.Context) error {
	found, err := s.unsealedRegistrySecrets(ctx)
	if err != nil {
		return err
	}
	if len(found) == 0 {
		return nil
	}
	if _, err := s.db.Writer.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
		return err
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		for _, l := range found {
			password, secret := l.password, l.secret
			if !strings.HasPrefix(password, sealedPrefix) {
				password = s.sealer.seal(password, registrySecretContext(l.id, "password"))
			}
			if !strings.HasPrefix(secret, sealedPrefix) {
				secret = s.sealer.seal(secret, registrySecretContext(l.id, "secret_access_key"))
			}
			if _, err := tx.ExecContext(ctx, `UPDATE container_registries SET password = ?, secret_access_key = ? WHERE id = ?`, password, secret, l.id); err != nil {
				return fmt.Errorf("seal registry secrets: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = s.db.Writer.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}

// legacySecret is a registry row whose secrets an older version stored unsealed.
type legacySecret struct{ id, password, secret string }

func (s *Server) unsealedRegistrySecrets(ctx context.Context) ([]legacySecret, error) {
	rows, err := s.db.Writer.QueryContext(ctx, `SELECT id, password, secret_access_key FROM container_registries
		WHERE (password != '' AND password NOT LIKE 'sealed:%') OR (secret_access_key != '' AND secret_access_key NOT LIKE 'sealed:%')`)
	if err != nil {
		return nil, fmt.Errorf("find unsealed registry secrets: %w", err)
	}
	defer rows.Close()
	var found []legacySecret
	for rows.Next() {
		var l legacySecret
		if err := rows.Scan(&l.id, &l.password, &l.secret); err != nil {
			return nil, err
		}
		found = append(found, l)
	}
	return found, rows.Err()
}
