// Package seal seals the secrets the reference server must be able to use again (registry passwords and
// secret access keys), which cannot be hashed like tokens: AES-256-GCM with the server key, bound to the
// place each value is stored. It also loads the server key from the environment or its key file.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Secrets the platform must be able to use again (registry passwords and secret access keys) cannot be
// hashed like tokens; they are sealed with the server key (AES-256-GCM) before they reach the database,
// so neither the database file nor its write-ahead log ever holds them in the clear. The key lives
// outside the database: in the environment (ORGS_SECRET_KEY) or in a key file the server creates on
// first start, readable by its owner only. A copy of the database without the key reveals no secret.

// KeySize is the length of the server key in bytes (AES-256).
const KeySize = 32

// Prefix marks a sealed value in a text column; rows written before sealing existed hold plaintext,
// which the server seals when it starts.
const Prefix = "sealed:v1:"

// Sealer seals and opens values with one server key.
type Sealer struct{ aead cipher.AEAD }

// New returns the sealer of key, which must be KeySize bytes.
func New(key []byte) (*Sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("the server key must be %d bytes, not %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plain for the place it is stored (context: which row and column), so a sealed value
// copied into another row does not open there. The empty string stays empty: it means "not set".
func (s *Sealer) Seal(plain, context string) string {
	if plain == "" {
		return ""
	}
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce)
	return Prefix + base64.RawStdEncoding.EncodeToString(s.aead.Seal(nonce, nonce, []byte(plain), []byte(context)))
}

// Open decrypts a value Seal made for the same context.
func (s *Sealer) Open(stored, context string) (string, error) {
	if stored == "" {
		return "", nil
	}
	raw, ok := strings.CutPrefix(stored, Prefix)
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

// ReadKeyFile returns the key held in the file at path; an error wrapping fs.ErrNotExist when there is
// no such file.
func ReadKeyFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the server key file %s: %w", path, err)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(key) != KeySize {
		return nil, fmt.Errorf("the server key file %s must hold %d bytes in base64", path, KeySize)
	}
	if info, err := os.Stat(path); err == nil && info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("the server key file %s is readable by others (mode %v); chmod 600 it", path, info.Mode().Perm())
	}
	return key, nil
}

// NewKey is a new random server key.
func NewKey() []byte {
	key := make([]byte, KeySize)
	rand.Read(key)
	return key
}

// WriteKeyFile writes key to a new file at path, readable by its owner only, and syncs it; it refuses
// to overwrite an existing file.
func WriteKeyFile(path string, key []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("create the server key file %s: %w", path, err)
	}
	_, err = f.WriteString(EncodeKey(key) + "\n")
	if err == nil {
		err = f.Sync()
	}
	if err = errors.Join(err, f.Close()); err != nil {
		return fmt.Errorf("write the server key file %s: %w", path, err)
	}
	return nil
}

// EncodeKey is the base64 form of a key, as ORGS_SECRET_KEY and key files hold it.
func EncodeKey(key []byte) string { return base64.StdEncoding.EncodeToString(key) }

// KeyID names a key without revealing it: the start of a hash of the key, so that an operator can tell
// which key a database expects and which one they gave.
func KeyID(key []byte) string {
	sum := sha256.Sum256(append([]byte("orgs server key id\n"), key...))
	return hex.EncodeToString(sum[:8])
}

// ParseKey decodes a server key given as base64 (ORGS_SECRET_KEY).
func ParseKey(s string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(key) != KeySize {
		return nil, fmt.Errorf("the server key must be %d bytes in base64 (for example: head -c %d /dev/urandom | base64)", KeySize, KeySize)
	}
	return key, nil
}
