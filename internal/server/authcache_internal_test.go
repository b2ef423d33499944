package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// The cache must remember what it was given in the current generation: otherwise every request reads
// its credential and membership again, which is what it exists to avoid (TestAuthCacheForgetsOnTheNextRequest
// proves the other half: that it forgets). Both kinds of entry, several at once.
func TestAuthCacheRemembersWithinAGeneration(t *testing.T) {
	c := newAuthCache()
	gen := c.generation()
	c.putCredential(gen, "hash-a", cachedCredential{p: principal{userID: "usr_a"}})
	c.putCredential(gen, "hash-b", cachedCredential{p: principal{userID: "usr_b"}})
	c.putRoles(gen, "org_1", "usr_a", []api.Role{api.RoleAdmin})
	c.putRoles(gen, "org_1", "usr_b", []api.Role{api.RoleMember, api.RoleBiller})
	for hash, user := range map[string]string{"hash-a": "usr_a", "hash-b": "usr_b"} {
		if e, ok := c.credential(hash); !ok || e.p.userID != user {
			t.Errorf("credential %s: got %+v, %v; want user %s", hash, e.p, ok, user)
		}
	}
	for user, want := range map[string][]api.Role{"usr_a": {api.RoleAdmin}, "usr_b": {api.RoleMember, api.RoleBiller}} {
		if roles, ok := c.rolesOf("org_1", user); !ok || !slices.Equal(roles, want) {
			t.Errorf("roles of %s: got %q, %v; want %q", user, roles, ok, want)
		}
	}
	if _, ok := c.rolesOf("org_2", "usr_a"); ok {
		t.Error("a membership never stored was found")
	}

	// A value read in a generation that has since moved on is not kept, and what was kept is no
	// longer used.
	c.invalidate()
	c.putRoles(gen, "org_1", "usr_c", []api.Role{api.RoleOwner})
	if _, ok := c.rolesOf("org_1", "usr_c"); ok {
		t.Error("a role read before the generation moved was kept")
	}
	if _, ok := c.credential("hash-a"); ok {
		t.Error("a credential of an older generation was used")
	}
	if _, ok := c.rolesOf("org_1", "usr_a"); ok {
		t.Error("a role of an older generation was used")
	}
}

// Each map holds at most maxAuthEntries: the one past it starts the map over.
func TestAuthCacheIsBounded(t *testing.T) {
	c := newAuthCache()
	gen := c.generation()
	for i := range maxAuthEntries + 1 {
		c.putCredential(gen, fmt.Sprint("hash-", i), cachedCredential{})
		c.putRoles(gen, "org_1", fmt.Sprint("usr_", i), []api.Role{api.RoleMember})
	}
	if n := len(c.credentials); n > maxAuthEntries {
		t.Errorf("%d credentials kept, more than %d", n, maxAuthEntries)
	}
	if n := len(c.roles); n > maxAuthEntries {
		t.Errorf("%d roles kept, more than %d", n, maxAuthEntries)
	}
	if _, ok := c.credential(fmt.Sprint("hash-", maxAuthEntries)); !ok {
		t.Error("the credential that started the map over was not kept")
	}
}

// Only what was found is kept: an unknown credential is refused every time, read again each time, and
// never fills the cache (guessing fills no memory).
func TestAuthCacheKeepsOnlyWhatWasFound(t *testing.T) {
	s := newTestServer(t)
	for range 2 {
		if p, err := s.credential(t.Context(), "no-such-hash"); err == nil {
			t.Fatalf("an unknown credential was accepted, as %+v", p)
		}
	}
	if _, ok := s.auth.credential("no-such-hash"); ok {
		t.Error("an unknown credential was remembered")
	}
	if roles, err := s.rolesIn(t.Context(), s.reader, "org_none", "usr_none"); err == nil && len(roles) != 0 {
		t.Errorf("a membership that does not exist has roles %q", roles)
	}
	if _, ok := s.auth.rolesOf("org_none", "usr_none"); ok {
		t.Error("a membership that does not exist was remembered")
	}
}

// The read path remembers the credential and the membership it read; a write transaction never uses what
// was remembered: it reads the transaction, which is what the write decides on.
func TestAuthCacheServesReadsNotWrites(t *testing.T) {
	s := newTestServer(t)
	const token = "owner-token-of-at-least-32-characters"
	if err := s.Bootstrap(t.Context(), "owner@example.test", token, nil); err != nil {
		t.Fatal(err)
	}
	call := func(method, path, body string) []byte {
		rec := serve(s, token, method, path, body)
		if rec.Code >= 300 {
			t.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
		}
		return rec.Body.Bytes()
	}
	var org api.Organization
	if err := json.Unmarshal(call(http.MethodPost, api.PathOrganizations, `{"name":"o","plan":"hobby","admin_contact_emails":["o@example.test"]}`), &org); err != nil {
		t.Fatal(err)
	}
	var user api.User
	if err := json.Unmarshal(call(http.MethodGet, api.PathCurrentUser, ""), &user); err != nil {
		t.Fatal(err)
	}
	// The token's first use is written in the background (last_used_at), and that write empties the
	// cache: have it written now, so that it cannot land between the read below and the check.
	if err := s.FlushLastUsed(t.Context()); err != nil {
		t.Fatal(err)
	}
	call(http.MethodGet, strings.ReplaceAll(api.PathOrganization, "{org_id}", org.ID), "")
	if roles, ok := s.auth.rolesOf(org.ID, user.ID); !ok || !slices.Equal(roles, []api.Role{api.RoleOwner}) {
		t.Errorf("after a read of the organization the cache holds %q, %v for its owner; want owner", roles, ok)
	}
	if len(s.auth.credentials) == 0 {
		t.Error("after a read the cache holds no credential")
	}

	// A role the cache holds for a membership the database does not have: a write transaction must
	// not see it.
	s.auth.putRoles(s.auth.generation(), org.ID, "usr_cached_only", []api.Role{api.RoleOwner})
	tx, err := s.db.Writer.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	if roles, err := s.rolesIn(t.Context(), tx, org.ID, "usr_cached_only"); err != nil || len(roles) != 0 {
		t.Errorf("in a write transaction rolesIn answered %q, %v from the cache; want no role", roles, err)
	}
}
