package api

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestEmailKey (security round two, finding 1): addresses that differ only in ASCII case, or in how
// their domain is written, are one address; an address that only looks like another, because a
// non-ASCII character would fold onto an ASCII one, is another address.
func TestEmailKey(t *testing.T) {
	t.Parallel()
	same := [][2]string{
		{"Kevin@Example.TEST", "kevin@example.test"},
		{"a@bücher.example", "a@xn--bcher-kva.example"},
		{"a@BÜCHER.example", "a@bücher.example"},
		{"Ärger@exämple.test", "ärger@EXÄMPLE.test"},
		{"x@\u212Abm.example", "x@kbm.example"}, // IDNA maps the Kelvin sign in a domain: that name is kbm.example
	}
	for _, c := range same {
		if EmailKey(c[0]) != EmailKey(c[1]) {
			t.Errorf("EmailKey(%q) = %q and EmailKey(%q) = %q: want one key", c[0], EmailKey(c[0]), c[1], EmailKey(c[1]))
		}
	}
	different := [][2]string{
		{"x@İbm.example", "x@ibm.example"},
		{"\u212Aevin@example.test", "kevin@example.test"},
		{"İsa@example.test", "isa@example.test"},
		{"x@exаmple.test", "x@example.test"}, // Cyrillic а
		{"аlice@example.test", "alice@example.test"},
		{"\u212A@example.test", "K@example.test"}, // NFC would map the Kelvin sign onto K: no normalization
	}
	for _, c := range different {
		if EmailKey(c[0]) == EmailKey(c[1]) {
			t.Errorf("%q and %q share the key %q: a look-alike address must not be taken for another", c[0], c[1], EmailKey(c[0]))
		}
	}
}

// TestValidateEmailRefusesInvisibleCharacters: controls, invisible and bidirectional formatting
// characters and non-ASCII spaces are refused with a message naming the character; a domain that is not
// a valid domain name is refused.
func TestValidateEmailRefusesInvisibleCharacters(t *testing.T) {
	t.Parallel()
	for _, r := range []rune{0x200B, 0x200D, 0x202E, 0x2066, 0x00AD, 0xFEFF, 0x3164, 0x00A0, 0xFE0F} {
		for _, addr := range []string{"al" + string(r) + "ice@example.test", "alice@exa" + string(r) + "mple.test"} {
			err := ValidateEmail(addr)
			if err == nil || !strings.Contains(err.Error(), "invisible or formatting character") {
				t.Errorf("ValidateEmail(%q) = %v, want a refusal naming the character %U", addr, err, r)
			}
		}
	}
	if err := ValidateEmail("alice@-example-.test"); err == nil || !strings.Contains(err.Error(), "not a valid domain name") {
		t.Errorf("a domain with a hyphen at the ends of a label: %v", err)
	}
	for _, ok := range []string{"alice@example.test", "Ärger-İ@Exämple.test", "\u212Aevin@example.test", "a+b@xn--bcher-kva.example"} {
		if err := ValidateEmail(ok); err != nil {
			t.Errorf("ValidateEmail(%q) = %v, want it accepted", ok, err)
		}
	}
}

// FuzzEmailKey: for every address ValidateEmail accepts, the key is stable (a key is its own key),
// ignores ASCII case, and keeps every non-ASCII character of the local part outside ASCII.
func FuzzEmailKey(f *testing.F) {
	for _, s := range []string{"alice@example.test", "x@İbm.example", "\u212Aevin@example.test", "x@\u212Abm.example",
		"аlice@example.test", "x@exаmple.test", "ſ@example.test", "ǅ@example.test", "e\u0301@exämple.test", "Σ@ΣΣ.example",
		"al\u200bice@example.test", "\u202eevil@example.test"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidateEmail(s) != nil {
			return
		}
		key := EmailKey(s)
		if again := EmailKey(key); again != key {
			t.Fatalf("EmailKey(%q) = %q, whose own key is %q", s, key, again)
		}
		if upper := EmailKey(strings.ToUpper(asciiOnly(s))); asciiOnly(s) == s && upper != key {
			t.Fatalf("EmailKey(%q) = %q but its ASCII upper case has %q", s, key, upper)
		}
		local := s[:strings.LastIndexByte(s, '@')]
		keyLocal := key[:strings.LastIndexByte(key, '@')]
		if nonASCII(local) != nonASCII(keyLocal) {
			t.Fatalf("EmailKey(%q) = %q: the local part's non-ASCII characters went from %d to %d", s, key, nonASCII(local), nonASCII(keyLocal))
		}
	})
}

func asciiOnly(s string) string {
	for _, r := range s {
		if r >= utf8.RuneSelf {
			return ""
		}
	}
	return s
}

func nonASCII(s string) int {
	n := 0
	for _, r := range s {
		if r >= utf8.RuneSelf {
			n++
		}
	}
	return n
}
