package server

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
)

// ID prefixes say what an id names, which helps people reading logs and state files.
const (
	prefixOrganization    = "org_"
	prefixUser            = "usr_"
	prefixInvitation      = "inv_"
	prefixAPIToken        = "tok_"
	prefixPersonalToken   = "pat_"
	prefixRegistry        = "reg_"
	prefixEnvironment     = "env_"
	prefixActivity        = "act_"
	prefixDomain          = "dom_"
	prefixTeam            = "team_"
	prefixWebhook         = "wh_"
	prefixWebhookDelivery = "whd_"

	// Secret prefixes let secret scanners recognise a leaked token.
	secretPersonalToken = "orgs_pat_"
	secretAPIToken      = "orgs_ot_"
	secretInvitation    = "orgs_inv_"
	secretVerification  = "orgs_ver_"
)

var lowerBase32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

func randomString(n int) string {
	b := make([]byte, (n*5+7)/8)
	rand.Read(b) // crypto/rand.Read never fails (it crashes the program instead)
	return lowerBase32.EncodeToString(b)[:n]
}

// newID returns prefix followed by 20 random characters (100 bits).
func newID(prefix string) string { return prefix + randomString(20) }

// newSecret returns prefix followed by 52 random characters (260 bits).
func newSecret(prefix string) string { return prefix + randomString(52) }

// hashSecret is what the database holds instead of a token or invitation code.
func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
