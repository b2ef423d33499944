package api

import (
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
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

// ValidateEmail checks that s is a bare email address (no display name), as users and invitations need.
func ValidateEmail(s string) error {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" || len(s) > 254 {
		return fmt.Errorf("%q is not a valid email address", s)
	}
	return nil
}

// EmailKey is the form in which email addresses are compared, by the server and the provider alike:
// Unicode lower case (Go's strings.ToLower). Addresses are stored as given and compared by their keys.
func EmailKey(email string) string { return strings.ToLower(email) }

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
