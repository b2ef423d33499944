package server

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// Authentication cache. Every request reads its credential, and every request on an organization the
// caller's membership, before anything else: on the read path these reads were half the server's work.
// The read path (authenticate, checkAccess) now remembers what it read, in memory, and forgets all of
// it whenever a write batch that changed a credential or a membership is committed:
//
//   - The writer connection reports every row written to the tables these reads use (authTables), by
//     a statement, a trigger or a cascade (store.Change). After each batch that did, and before any
//     request of the batch is answered, the committer moves the generation on; entries of an older
//     generation are never used. A revocation, a removal, a role change or a creator leaving thus
//     takes effect for every request that starts after the write was acknowledged, as before.
//   - An entry is kept only if the generation did not move while it was read: a read that raced a
//     commit may have seen the state before it.
//   - Expiry is checked on every use, against the server's clock.
//   - Only what was found is kept: an unknown credential or an organization the caller is not in is
//     read again each time (and costs the caller's rate budget), so guessing fills no memory. Access
//     granted is therefore seen at once, from wherever it was granted.
//   - Another process writing the same file (orgs-apiserver's operator subcommands, through Admin)
//     is not seen by this process's writer connection. Its tasks today only grant access, which the
//     point above covers; so that a later one that takes access away is not ignored, an entry is
//     also used for at most authEntryLife after it was read.
//
// Writes never use it: writeOrg and write read the credential and the membership again through their
// own transaction, which is what decides.

// authTables are the tables lookupCredential and memberRoles read: a read that uses another table must
// add it here. (Deleting a user or an organization deletes their rows in these tables, and so is seen.)
// A team's grant, or a person's membership of a team, is part of their roles.
var authTables = []string{"personal_tokens", "api_tokens", "members", "teams", "team_members"}

// maxAuthEntries bounds each of the cache's maps; past it a map starts over.
const maxAuthEntries = 1 << 16

// authEntryLife bounds how long an entry is used, for changes made by another process (wall clock,
// not Config.Now: a test's frozen clock must not keep entries forever).
const authEntryLife = time.Second

type authCache struct {
	gen atomic.Uint64

	mu          sync.RWMutex
	at          uint64 // the generation the entries below were read in
	credentials map[string]cachedCredential
	roles       map[membership]cachedRoles
}

type cachedCredential struct {
	p       principal
	expires time.Time // zero: never
	until   time.Time // the end of the entry's life (monotonic)
}

type cachedRoles struct {
	roles []api.Role
	until time.Time
}

type membership struct{ orgID, userID string }

func newAuthCache() *authCache {
	return &authCache{credentials: map[string]cachedCredential{}, roles: map[membership]cachedRoles{}}
}

// invalidate forgets everything read before now. The committer calls it after a batch that changed a
// watched table, before answering the batch's requests.
func (c *authCache) invalidate() { c.gen.Add(1) }

// generation is read before a lookup whose result is to be kept.
func (c *authCache) generation() uint64 { return c.gen.Load() }

func (c *authCache) credential(hash string) (cachedCredential, bool) {
	gen := c.gen.Load()
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.at != gen {
		return cachedCredential{}, false
	}
	e, ok := c.credentials[hash]
	if !ok || !time.Now().Before(e.until) {
		return cachedCredential{}, false
	}
	return e, true
}

func (c *authCache) rolesOf(orgID, userID string) ([]api.Role, bool) {
	gen := c.gen.Load()
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.at != gen {
		return nil, false
	}
	r, ok := c.roles[membership{orgID, userID}]
	if !ok || !time.Now().Before(r.until) {
		return nil, false
	}
	return r.roles, true
}

// store runs put on the maps if the generation is still gen, the one the value was read in.
func (c *authCache) store(gen uint64, put func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen.Load() != gen {
		return
	}
	if c.at != gen {
		clear(c.credentials)
		clear(c.roles)
		c.at = gen
	}
	put()
}

func (c *authCache) putCredential(gen uint64, hash string, e cachedCredential) {
	c.store(gen, func() {
		if len(c.credentials) >= maxAuthEntries {
			clear(c.credentials)
		}
		e.until = time.Now().Add(authEntryLife)
		c.credentials[hash] = e
	})
}

func (c *authCache) putRoles(gen uint64, orgID, userID string, roles []api.Role) {
	c.store(gen, func() {
		if len(c.roles) >= maxAuthEntries {
			clear(c.roles)
		}
		c.roles[membership{orgID, userID}] = cachedRoles{roles: roles, until: time.Now().Add(authEntryLife)}
	})
}

// credential is lookupCredential on the read pool, through the cache.
func (s *Server) credential(ctx context.Context, hash string) (principal, error) {
	if e, ok := s.auth.credential(hash); ok {
		if !e.expires.IsZero() && !s.now().Before(e.expires) {
			return principal{}, errDeadCredential()
		}
		return e.p, nil
	}
	gen := s.auth.generation()
	p, err := s.lookupCredential(ctx, s.reader, hash)
	if err != nil {
		return p, err
	}
	e := cachedCredential{p: p}
	if p.expires != nil {
		e.expires = *p.expires
	}
	s.auth.putCredential(gen, hash, e)
	return p, nil
}

// rolesIn is memberRoles; on the read pool, through the cache. In a write transaction it reads the
// transaction: that is what a write decides on.
func (s *Server) rolesIn(ctx context.Context, q querier, orgID, userID string) ([]api.Role, error) {
	if q != querier(s.reader) {
		return memberRoles(ctx, q, orgID, userID)
	}
	if roles, ok := s.auth.rolesOf(orgID, userID); ok {
		return roles, nil
	}
	gen := s.auth.generation()
	roles, err := memberRoles(ctx, q, orgID, userID)
	if err == nil && len(roles) > 0 {
		s.auth.putRoles(gen, orgID, userID, roles)
	}
	return roles, err
}
