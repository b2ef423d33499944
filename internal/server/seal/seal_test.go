package seal

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

// TestSealerOpen: a sealed value opens with its key and its context only; what could not have been
// sealed at all is reported as damaged, and what was sealed otherwise as not opening with this key.
func TestSealerOpen(t *testing.T) {
	t.Parallel()
	key := bytes.Repeat([]byte{1}, KeySize)
	s, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed := s.Seal("hunter2", "registries/r1/password")
	if !strings.HasPrefix(sealed, Prefix) || strings.Contains(sealed, "hunter2") {
		t.Fatalf("sealed value %q", sealed)
	}
	if got, err := s.Open(sealed, "registries/r1/password"); err != nil || got != "hunter2" {
		t.Fatalf("open = %q, %v; want the plain value", got, err)
	}
	if got, err := s.Open("", "registries/r1/password"); err != nil || got != "" || s.Seal("", "x") != "" {
		t.Fatalf(`the empty value ("not set") must stay empty: open = %q, %v`, got, err)
	}

	// The same value sealed with another key, and an empty value sealed with it: a nonce and a tag, the
	// shortest anything sealed can be.
	otherKey := bytes.Repeat([]byte{2}, KeySize)
	other, err := New(otherKey)
	if err != nil {
		t.Fatal(err)
	}
	nonce := make([]byte, other.aead.NonceSize())
	emptySealedElsewhere := Prefix + base64.RawStdEncoding.EncodeToString(other.aead.Seal(nonce, nonce, nil, []byte("c")))

	data, _ := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(sealed, Prefix))
	truncated := func(n int) string { return Prefix + base64.RawStdEncoding.EncodeToString(data[:n]) }
	for _, c := range []struct {
		name, stored, context, want string
	}{
		{"plaintext", "hunter2", "registries/r1/password", "not sealed"},
		{"not base64", Prefix + "%%%", "registries/r1/password", "damaged"},
		{"a nonce without a tag", truncated(s.aead.NonceSize()), "registries/r1/password", "damaged"},
		{"one byte short of a nonce and a tag", truncated(s.aead.NonceSize() + s.aead.Overhead() - 1), "registries/r1/password", "damaged"},
		{"a byte cut off the end", truncated(len(data) - 1), "registries/r1/password", "does not open with this server key"},
		{"another row's context", sealed, "registries/r2/password", "does not open with this server key"},
		{"sealed with another key", other.Seal("hunter2", "registries/r1/password"), "registries/r1/password", "does not open with this server key"},
		{"an empty value sealed with another key", emptySealedElsewhere, "c", "does not open with this server key"},
	} {
		if got, err := s.Open(c.stored, c.context); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: open = %q, %v; want an error saying %q", c.name, got, err, c.want)
		}
	}
}

// ParseKey takes the server key as base64 of exactly KeySize bytes, spaces around it
// allowed (a key file or a variable often ends in a newline).
func TestParseKey(t *testing.T) {
	t.Parallel()
	key := bytes.Repeat([]byte{7}, KeySize)
	encoded := base64.StdEncoding.EncodeToString(key)
	for _, s := range []string{encoded, " " + encoded + "\n"} {
		if got, err := ParseKey(s); err != nil || !bytes.Equal(got, key) {
			t.Errorf("ParseKey(%q) = %x, %v; want the key", s, got, err)
		}
	}
	for _, s := range []string{
		base64.StdEncoding.EncodeToString(key[:KeySize-1]),
		base64.StdEncoding.EncodeToString(append(key, 7)),
		"not base64!",
		"",
	} {
		if _, err := ParseKey(s); err == nil || !strings.Contains(err.Error(), "must be 32 bytes in base64") {
			t.Errorf("ParseKey(%q): error %v, want one saying what a key is", s, err)
		}
	}
}
