package api

import (
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// The syntax rules below are shared: the server enforces them and the provider checks them at plan time,
// so both give the same answer.

var (
	labelName   = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`)
	dnsLabel    = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	labelValue  = regexp.MustCompile(`^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$`)
	slugPattern = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
)

// ValidateLabelKey checks Kubernetes label-key syntax: an optional prefix (a DNS subdomain of at most
// 253 characters) and '/', then a name of 1 to 63 characters, alphanumeric at both ends, with '-', '_'
// and '.' inside.
func ValidateLabelKey(key string) error {
	name := key
	if i := strings.LastIndexByte(key, '/'); i >= 0 {
		prefix := key[:i]
		name = key[i+1:]
		if prefix == "" || len(prefix) > 253 {
			return fmt.Errorf("label key %q: the prefix before '/' must be a DNS subdomain of 1 to 253 characters", key)
		}
		for _, part := range strings.Split(prefix, ".") {
			if len(part) > 63 || !dnsLabel.MatchString(part) {
				return fmt.Errorf("label key %q: the prefix %q is not a lowercase DNS subdomain", key, prefix)
			}
		}
	}
	if name == "" || len(name) > 63 {
		return fmt.Errorf("label key %q: the name must be 1 to 63 characters", key)
	}
	if !labelName.MatchString(name) {
		return fmt.Errorf("label key %q: the name must start and end with a letter or digit and hold only letters, digits, '-', '_' and '.'", key)
	}
	return nil
}

// ValidateLabelValue checks Kubernetes label-value syntax: empty, or at most 63 characters,
// alphanumeric at both ends, with '-', '_' and '.' inside.
func ValidateLabelValue(value string) error {
	if len(value) > 63 || !labelValue.MatchString(value) {
		return fmt.Errorf("label value %q: must be empty or at most 63 characters, start and end with a letter or digit, and hold only letters, digits, '-', '_' and '.'", value)
	}
	return nil
}

// ValidateEmail checks that s is a bare email address (no display name), as users and invitations need,
// whose domain is a valid (internationalized) domain name, and which holds no character a reader cannot
// see: controls, invisible and bidirectional formatting characters, and spaces other than ASCII's.
func ValidateEmail(s string) error {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" || len(s) > 254 {
		return fmt.Errorf("%q is not a valid email address", s)
	}
	for i, r := range s {
		if invisible(r) {
			return fmt.Errorf("%q is not a valid email address: it holds the invisible or formatting character %U at byte %d", s, r, i)
		}
	}
	at := strings.LastIndexByte(s, '@')
	if _, err := idna.Lookup.ToASCII(s[at+1:]); err != nil {
		return fmt.Errorf("%q is not a valid email address: its domain is not a valid domain name: %w", s, err)
	}
	return nil
}

// invisible reports the characters an address must not hold: they render as nothing (or reorder what
// is around them), so two addresses that look the same could differ by them.
func invisible(r rune) bool {
	if r < utf8.RuneSelf {
		return r < 0x20 || r == 0x7f
	}
	return !unicode.IsGraphic(r) || unicode.Is(unicode.Cf, r) || unicode.IsSpace(r) ||
		unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) || unicode.Is(unicode.Variation_Selector, r)
}

// EmailKey is the form in which email addresses are compared, by the server and the provider alike, so
// that one address has one key and two people's addresses never share one. Addresses are stored as
// given and compared by their keys:
//   - the domain in its ASCII form by IDNA (UTS #46, the lookup profile): the name DNS and mail use, so
//     that the ways of writing one domain are one domain;
//   - the local part lower-cased, except that a character outside ASCII is never lower-cased onto an
//     ASCII one (the Kelvin sign stays itself, and so does the dotted capital I): such a fold would let
//     someone who receives mail at a look-alike address be taken for another. It is not normalized
//     either, since NFC, too, maps the Kelvin sign onto K.
func EmailKey(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return foldLocalPart(email)
	}
	domain := email[at+1:]
	if ascii, err := idna.Lookup.ToASCII(domain); err == nil {
		domain = ascii
	} else {
		domain = foldLocalPart(domain) // not a valid address; never stored, but still one key
	}
	return foldLocalPart(email[:at]) + "@" + domain
}

// NameKey is the form a name that must be unique without regard to case (a team's) is compared in:
// lower-cased the way EmailKey lower-cases the local part of an address.
func NameKey(name string) string { return foldLocalPart(name) }

func foldLocalPart(s string) string {
	var b strings.Builder
	for _, r := range s {
		lower := unicode.ToLower(r)
		if r >= utf8.RuneSelf && lower < utf8.RuneSelf {
			lower = r
		}
		b.WriteRune(lower)
	}
	return b.String()
}

// DomainKey is the form a domain is stored and compared in: ASCII, by IDNA (UTS #46), as EmailKey
// compares the domain of an address.
func DomainKey(domain string) (string, error) {
	ascii, err := idna.Lookup.ToASCII(strings.TrimSuffix(domain, "."))
	if err != nil {
		return "", fmt.Errorf("%q is not a valid domain name: %w", domain, err)
	}
	if !strings.Contains(ascii, ".") {
		return "", fmt.Errorf("%q is not a domain an address can be in (it has no dot)", domain)
	}
	return ascii, nil
}

// ValidateHTTPURL checks that s is an absolute http or https URL with a host.
func ValidateHTTPURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http or https URL", s)
	}
	return nil
}

// ValidateSlug checks an environment slug: lowercase letters, digits and '-', at most 63 characters.
func ValidateSlug(s string) error {
	if len(s) > 63 || !slugPattern.MatchString(s) {
		return fmt.Errorf("slug %q: must be 1 to 63 lowercase letters, digits and '-', starting and ending with a letter or digit", s)
	}
	return nil
}
