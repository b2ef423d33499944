package server_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/servertest"
)

// Regression tests of the security findings of issue 11; contributing/threat-model.md states the rules.

// TestPreHijackGivesTheSquatterNothing (finding 1): someone signs up with a future invitee's address
// and waits. The invitation's code proves the address; the sign-up did not. Accepting makes the
// invitee's own account with its own credential, the squatter's account is discarded, and at no point
// does the squatter's credential reach the organization. Adding a member by email finds only proven
// addresses.
func TestPreHijackGivesTheSquatterNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	orgPath := path(api.PathOrganization, "org_id", org.ID)

	victim := "victim-" + h.unique("x") + "@example.test"
	squatter := h.signupUnverified(t, strings.ToUpper(victim))
	if squatter.EmailVerified {
		t.Fatalf("a sign-up reads verified before proving the address: %+v", squatter.User)
	}
	// The unproven address is nobody's: adding it invites the address, and the squatter's account gets
	// nothing.
	if m := h.addMember(t, owner.Token, org.ID, victim, api.RoleAdmin); m.Status != api.MemberInvited || m.UserID != "" {
		t.Fatalf("adding an address only a sign-up claims: %+v; want it invited, of no user", m)
	}
	h.expect(t, http.StatusNotFound, squatter.Token, http.MethodGet, orgPath, nil)
	h.expect(t, http.StatusNoContent, owner.Token, http.MethodDelete, path(api.PathMember, "org_id", org.ID, "email", victim), nil)

	_, code := h.createInvitation(t, owner.Token, org.ID, victim, api.RoleAdmin)
	h.expect(t, http.StatusNotFound, squatter.Token, http.MethodGet, orgPath, nil)
	acc := h.acceptInvitation(t, code)
	if acc.User.ID == squatter.ID || acc.Token == "" || !acc.User.EmailVerified {
		t.Fatalf("the acceptance went to the squatter's account or left the invitee without a credential: %+v", acc)
	}
	h.expect(t, http.StatusOK, acc.Token, http.MethodGet, orgPath, nil)

	// The squatter's credential is dead and never saw the organization.
	h.expectProblem(t, http.StatusUnauthorized, api.ProblemUnauthorized, squatter.Token, http.MethodGet, orgPath, nil)
	h.expectProblem(t, http.StatusUnauthorized, api.ProblemUnauthorized, squatter.Token, http.MethodGet, api.PathOrganizations, nil)
	for _, m := range h.members(t, owner.Token, org.ID) {
		if m.UserID == squatter.ID {
			t.Fatalf("the squatter's account is a member: %+v", m)
		}
	}

	// Proving the address with the sign-up code works the same way: the first to prove it holds it.
	other := "other-" + h.unique("x") + "@example.test"
	early, late := h.signupUnverified(t, other), h.signupUnverified(t, other)
	h.expect(t, http.StatusOK, late.Token, http.MethodPost, api.PathVerifyEmail, api.EmailVerification{Code: h.verificationCode(t, late.ID)})
	h.expectProblem(t, http.StatusUnauthorized, api.ProblemUnauthorized, early.Token, http.MethodGet, api.PathCurrentUser, nil)
	// Another account's code proves nothing.
	third := h.signupUnverified(t, h.email())
	h.expectProblem(t, http.StatusUnprocessableEntity, api.ProblemInvalid, third.Token, http.MethodPost, api.PathVerifyEmail,
		api.EmailVerification{Code: h.verificationCode(t, late.ID)})
	// An unproven account cannot create organizations either.
	h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, third.Token, http.MethodPost, api.PathOrganizations, h.orgCreateBody(api.PlanHobby))
}

// TestSignupRevealsNothing (finding 11): sign-up answers the same, 201 with a new unproven account, for
// an address nobody holds, one a user holds (in any case), and one someone else signed up with.
// Whether an address has an account is told only to whoever proves the address is theirs.
func TestSignupRevealsNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	holder := h.signup(t)
	pending := h.signupUnverified(t, h.email())
	shape := func(r *response) []string {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(r.Body, &m); err != nil {
			t.Fatalf("%s: %v", r, err)
		}
		var u map[string]json.RawMessage
		if err := json.Unmarshal(m["user"], &u); err != nil {
			t.Fatalf("%s: %v", r, err)
		}
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range m {
				if !yield(k) {
					return
				}
			}
			for k := range u {
				if !yield("user." + k) {
					return
				}
			}
		})
		return keys
	}
	fresh := h.expect(t, http.StatusCreated, anonymous, http.MethodPost, api.PathUsers, api.SignupRequest{Email: h.email()})
	for _, email := range []string{holder.Email, strings.ToUpper(holder.Email), pending.Email} {
		r := h.expect(t, http.StatusCreated, anonymous, http.MethodPost, api.PathUsers, api.SignupRequest{Email: email})
		if !slices.Equal(shape(r), shape(fresh)) {
			t.Errorf("sign-up with a held address answers %s, with a new one %s", r.Body, fresh.Body)
		}
		s := decode[api.SignupResponse](t, r)
		if s.User.ID == holder.ID || s.User.ID == pending.ID || s.User.EmailVerified {
			t.Errorf("sign-up with %s answered someone else's or a verified account: %s", email, r.Body)
		}
		if bytes.Contains(bytes.ToLower(r.Body), []byte("exist")) {
			t.Errorf("sign-up says the address exists: %s", r.Body)
		}
	}
	// The holder keeps the address and their account.
	me := decode[api.User](t, h.expect(t, http.StatusOK, holder.Token, http.MethodGet, api.PathCurrentUser, nil))
	if me.ID != holder.ID || !me.EmailVerified {
		t.Fatalf("the holder's account after sign-ups with their address: %+v", me)
	}
}

// TestNonASCIIEmails (finding 6): addresses with non-ASCII characters are one normalization
// (api.EmailKey) everywhere: sign-up, proof, membership by any case, invitations, seed users. Never a 500.
func TestNonASCIIEmails(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	email := "Ünïcödé-" + h.unique("x") + "@Exämple.test"
	u := h.signupAs(t, email)
	if u.Email != email {
		t.Errorf("stored %q, want %q as given", u.Email, email)
	}
	m := h.addMember(t, owner.Token, org.ID, strings.ToLower(email), api.RoleMember)
	if m.UserID != u.ID {
		t.Fatalf("adding %q found %+v", strings.ToLower(email), m)
	}
	for _, variant := range []string{email, strings.ToLower(email), strings.ToUpper(email)} {
		got := decode[api.Member](t, h.expect(t, http.StatusOK, owner.Token, http.MethodGet, path(api.PathMember, "org_id", org.ID, "email", variant), nil))
		if got.UserID != u.ID {
			t.Errorf("GET member %q: %+v", variant, got)
		}
	}
	invited := "Ärger-" + h.unique("x") + "@exämple.test"
	_, code := h.createInvitation(t, owner.Token, org.ID, invited, api.RoleMember)
	h.expectProblem(t, http.StatusConflict, api.ProblemConflict, owner.Token, http.MethodPost, path(api.PathInvitations, "org_id", org.ID),
		api.InvitationCreate{Email: strings.ToUpper(invited), Role: api.RoleMember})
	acc := h.acceptInvitation(t, code)
	if !strings.EqualFold(acc.Member.Email, invited) {
		t.Fatalf("acceptance: %+v", acc)
	}

	// A seed user with such an address starts like any other.
	servertest.Start(t, servertest.WithOwner("Öwner@exämple.test", "", "Ädmin@exämple.test", "ädmin@EXÄMPLE.test"))
}

// TestAddedMembershipsWaitForTheUser (finding 5): nobody but the user can spend their organization cap
// or hold them as last owner or last member. A membership added by someone else is pending: no access,
// not counted toward the cap or as an owner, counted toward the organization's seats; the user accepts
// or declines it.
func TestAddedMembershipsWaitForTheUser(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	victim := h.signup(t)
	attacker := h.signup(t)

	t.Run("throwaway organizations do not use up the cap", func(t *testing.T) {
		var added []string
		for range api.MaxOrganizationsPerUser {
			org := h.createOrg(t, attacker.Token, api.PlanTeam)
			m := h.addMember(t, attacker.Token, org.ID, victim.Email, api.RoleMember)
			if m.Status != api.MemberPending {
				t.Fatalf("a membership someone else added is %q, want pending", m.Status)
			}
			// The victim's own refusal says what the membership is and how to answer it.
			p := h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, victim.Token, http.MethodGet, path(api.PathOrganization, "org_id", org.ID), nil)
			if !strings.Contains(p.Detail, "is pending") || !strings.Contains(p.Detail, path(api.PathMembershipAccept, "org_id", org.ID)) {
				t.Errorf("a pending member reading the organization: %s", p.Detail)
			}
			added = append(added, org.ID)
		}
		own := h.createOrg(t, victim.Token, api.PlanHobby)
		orgs := listAll[api.Organization](t, h, victim.Token, api.PathOrganizations, 0)
		if len(orgs) != 1 || orgs[0].ID != own.ID {
			t.Fatalf("the victim lists %+v, want only their own organization", orgs)
		}
		pending := listAll[api.Member](t, h, victim.Token, api.PathMemberships+"?status=pending", 0)
		if len(pending) != len(added) {
			t.Fatalf("the victim has %d pending memberships, want %d", len(pending), len(added))
		}
		h.expect(t, http.StatusNoContent, victim.Token, http.MethodPost, path(api.PathMembershipDecline, "org_id", added[0]), nil)
		h.acceptMembership(t, victim.Token, added[1])
		h.expect(t, http.StatusOK, victim.Token, http.MethodGet, path(api.PathOrganization, "org_id", added[1]), nil)
		h.expect(t, http.StatusNotFound, victim.Token, http.MethodGet, path(api.PathOrganization, "org_id", added[0]), nil)
		// The routes act on the caller's own membership only: nobody else can answer for the victim.
		stranger := h.signup(t)
		h.expect(t, http.StatusNotFound, stranger.Token, http.MethodPost, path(api.PathMembershipAccept, "org_id", added[2]), nil)
		h.expect(t, http.StatusConflict, attacker.Token, http.MethodPost, path(api.PathMembershipAccept, "org_id", added[2]), nil)
	})

	t.Run("a pending owner is not an owner", func(t *testing.T) {
		attacker := h.signup(t)
		org := h.createOrg(t, attacker.Token, api.PlanTeam)
		h.addMember(t, attacker.Token, org.ID, victim.Email, api.RoleOwner)
		attackerPath := path(api.PathMember, "org_id", org.ID, "email", attacker.Email)
		h.expectProblem(t, http.StatusConflict, api.ProblemLastOwner, attacker.Token, http.MethodDelete, attackerPath, nil)
		admin := api.RoleAdmin
		h.expectProblem(t, http.StatusConflict, api.ProblemLastOwner, attacker.Token, http.MethodPatch, attackerPath, api.MemberUpdate{Role: &admin})
		// The victim is not held: declining leaves a declined membership, which gives nothing.
		h.expect(t, http.StatusNoContent, victim.Token, http.MethodPost, path(api.PathMembershipDecline, "org_id", org.ID), nil)
		m := decode[api.Member](t, h.expect(t, http.StatusOK, attacker.Token, http.MethodGet, path(api.PathMember, "org_id", org.ID, "email", victim.Email), nil))
		if m.Status != api.MemberDeclined || m.DeclinedAt == nil {
			t.Errorf("after the decline: %+v", m)
		}
		h.expect(t, http.StatusNotFound, victim.Token, http.MethodGet, path(api.PathOrganization, "org_id", org.ID), nil)
	})

	t.Run("pending memberships hold seats", func(t *testing.T) {
		owner := h.signup(t)
		org := h.createOrg(t, owner.Token, api.PlanStarter)
		for range api.PlanLimits[api.PlanStarter].Members - 1 {
			h.addMember(t, owner.Token, org.ID, h.signup(t).Email, api.RoleMember)
		}
		p := h.expectProblem(t, http.StatusConflict, api.ProblemLimitReached, owner.Token, http.MethodPost, path(api.PathMembers, "org_id", org.ID),
			api.MemberCreate{Email: h.signup(t).Email, Role: api.RoleMember})
		checkNamesLimit(t, p, api.PlanStarter, int(api.PlanLimits[api.PlanStarter].Members))
	})
}

// TestAutoAcceptMemberships: the switch for local and CI setups makes direct adds of verified users
// active at once.
func TestAutoAcceptMemberships(t *testing.T) {
	t.Parallel()
	h := newHarness(t, servertest.WithAutoAcceptMemberships())
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	u := h.signup(t)
	if m := h.addMember(t, owner.Token, org.ID, u.Email, api.RoleAdmin); m.Status != api.MemberActive {
		t.Fatalf("with auto-accept a member is %q, want active", m.Status)
	}
	h.expect(t, http.StatusOK, u.Token, http.MethodGet, path(api.PathOrganization, "org_id", org.ID), nil)
}

// TestAutoAcceptMembershipsStopAtTheCap: even where a membership would start active (auto-accept, or
// a verified domain), a user already active in as many organizations as the cap allows is added as
// pending, for them to choose, never made active past the cap; one below the cap is made active.
func TestAutoAcceptMembershipsStopAtTheCap(t *testing.T) {
	t.Parallel()
	h := newHarness(t, servertest.WithAutoAcceptMemberships())
	owner := h.signup(t)
	u := h.signup(t)
	for range api.MaxOrganizationsPerUser - 1 {
		h.createOrg(t, u.Token, api.PlanHobby)
	}
	below := h.createOrg(t, owner.Token, api.PlanTeam)
	if m := h.addMember(t, owner.Token, below.ID, u.Email, api.RoleMember); m.Status != api.MemberActive {
		t.Fatalf("a user active in %d organizations, one below the cap, was added as %q, want active", api.MaxOrganizationsPerUser-1, m.Status)
	}
	atCap := h.createOrg(t, owner.Token, api.PlanTeam)
	if m := h.addMember(t, owner.Token, atCap.ID, u.Email, api.RoleMember); m.Status != api.MemberPending {
		t.Fatalf("a user active in %d organizations, the cap, was added as %q, want pending", api.MaxOrganizationsPerUser, m.Status)
	}
}

// TestRegistrySecretsSealedAtRest (finding 4): no registry secret the server was ever given, rotated
// ones included, is in the database file, its write-ahead log or its shared-memory file; the files and
// the key file are readable by their owner only.
func TestRegistrySecretsSealedAtRest(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	var secrets []string
	github, body := h.createRegistry(t, owner.Token, org.ID)
	secrets = append(secrets, body.Password)
	for range 3 {
		p := h.unique("rotated-password")
		secrets = append(secrets, p)
		h.expect(t, http.StatusOK, owner.Token, http.MethodPatch, path(api.PathContainerRegistry, "org_id", org.ID, "registry_id", github.ID), api.ContainerRegistryUpdate{Password: &p})
	}
	ecr := api.ContainerRegistryCreate{Name: h.unique("ecr"), Kind: api.RegistryECR, URL: "https://" + h.unique("ecr") + ".example.test",
		AccessKeyID: h.unique("AKIA"), SecretAccessKey: h.unique("secret-access-key")}
	secrets = append(secrets, ecr.SecretAccessKey)
	created := decode[api.ContainerRegistry](t, h.expect(t, http.StatusCreated, owner.Token, http.MethodPost, path(api.PathContainerRegistries, "org_id", org.ID), ecr))
	rotated := h.unique("rotated-secret-access-key")
	secrets = append(secrets, rotated)
	h.expect(t, http.StatusOK, owner.Token, http.MethodPatch, path(api.PathContainerRegistry, "org_id", org.ID, "registry_id", created.ID), api.ContainerRegistryUpdate{SecretAccessKey: &rotated})
	// A PATCH that sends the current secret again is no change: the server can still compare.
	before := h.expect(t, http.StatusOK, owner.Token, http.MethodGet, path(api.PathContainerRegistry, "org_id", org.ID, "registry_id", created.ID), nil)
	after := h.expect(t, http.StatusOK, owner.Token, http.MethodPatch, path(api.PathContainerRegistry, "org_id", org.ID, "registry_id", created.ID), api.ContainerRegistryUpdate{SecretAccessKey: &rotated})
	if before.Header.Get(api.HeaderETag) != after.Header.Get(api.HeaderETag) {
		t.Errorf("sending the current secret again changed the registry")
	}

	files := map[string][]byte{}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		data, err := os.ReadFile(h.DBPath + suffix)
		if err != nil {
			t.Fatalf("read %s: %v", filepath.Base(h.DBPath+suffix), err)
		}
		files[suffix] = data
	}
	for suffix, data := range files {
		for _, s := range secrets {
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("the database file %q holds the registry secret %q in the clear", "orgs.db"+suffix, s)
			}
		}
	}
	for _, p := range []string{h.DBPath, h.DBPath + "-wal", h.DBPath + "-shm", h.DBPath + ".key"} {
		info, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm&0o077 != 0 {
			t.Errorf("%s has mode %v; want no access for group and others", filepath.Base(p), perm)
		}
	}
}

// TestCapsOnResendsAndPersonalTokens (finding 8): a pending invitation's re-sends are throttled (an
// expired one may be re-sent at once), and a user holds at most api.MaxPersonalTokensPerUser personal
// tokens. (Pending invitations holding seats: TestMemberLimitByInvitation.) The interval is written
// out as the docs give it, 10 minutes, not through its constant: a changed interval must fail here.
func TestCapsOnResendsAndPersonalTokens(t *testing.T) {
	t.Parallel()
	const ttl = time.Hour
	h := newHarness(t, servertest.WithInvitationTTL(ttl))
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	inv, _ := h.createInvitation(t, owner.Token, org.ID, h.email(), api.RoleMember)
	resend := path(api.PathInvitationResend, "org_id", org.ID, "invitation_id", inv.ID)
	sent := len(h.invitationEmails())
	for range 3 {
		h.expectProblem(t, http.StatusTooManyRequests, api.ProblemRateLimited, owner.Token, http.MethodPost, resend, nil)
	}
	if n := len(h.invitationEmails()) - sent; n != 0 {
		t.Fatalf("refused re-sends sent %d emails", n)
	}
	h.Clock.Advance(10*time.Minute - time.Second)
	early := h.expectProblem(t, http.StatusTooManyRequests, api.ProblemRateLimited, owner.Token, http.MethodPost, resend, nil)
	if !strings.Contains(early.Detail, "sent less than 10m0s ago; it can be re-sent in 1s") {
		t.Errorf("a resend after 9m59s: %q, want it to name the 10 minutes and the 1 second left", early.Detail)
	}
	h.Clock.Advance(time.Second)
	h.expect(t, http.StatusOK, owner.Token, http.MethodPost, resend, nil)
	h.expectProblem(t, http.StatusTooManyRequests, api.ProblemRateLimited, owner.Token, http.MethodPost, resend, nil)
	h.Clock.Advance(ttl + time.Second)
	h.expect(t, http.StatusOK, owner.Token, http.MethodPost, resend, nil)

	for range api.MaxPersonalTokensPerUser - 1 { // sign-up issued the first
		h.createPersonalToken(t, owner.Token)
	}
	p := h.expectProblem(t, http.StatusConflict, api.ProblemLimitReached, owner.Token, http.MethodPost, api.PathPersonalTokens, api.PersonalTokenCreate{Name: "one too many"})
	if !strings.Contains(p.Detail, "50") {
		t.Errorf("the refusal does not name the cap: %q", p.Detail)
	}
	if n := len(listAll[api.PersonalToken](t, h, owner.Token, api.PathPersonalTokens, 0)); n != api.MaxPersonalTokensPerUser {
		t.Fatalf("%d personal tokens, want %d", n, api.MaxPersonalTokensPerUser)
	}
}

// TestReplayIsAuthorizedLikeAFreshRequest (finding 9): a request with an Idempotency-Key already used
// is authorized as if it were new before its stored response is replayed: a removed or demoted user,
// or a replay into a deleted organization, gets the refusal, never the stored response with its
// secret. Without a credential nothing of someone else's can be replayed: sign-up takes no key, and an
// invitation acceptance replays only to the very same body, which carries the single-use code.
func TestReplayIsAuthorizedLikeAFreshRequest(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)

	t.Run("a removed user", func(t *testing.T) {
		org := h.createOrg(t, owner.Token, api.PlanTeam)
		admin := h.newMember(t, owner.Token, org.ID, api.RoleAdmin)
		tokens := path(api.PathAPITokens, "org_id", org.ID)
		key, body := h.unique("key"), api.APITokenCreate{Name: "ci", Role: api.RoleMember}
		first := decode[api.APIToken](t, h.expect(t, http.StatusCreated, admin.Token, http.MethodPost, tokens, body, api.HeaderIdempotencyKey, key))
		h.expect(t, http.StatusNoContent, owner.Token, http.MethodDelete, path(api.PathMember, "org_id", org.ID, "email", admin.Email), nil)
		r := h.expect(t, http.StatusNotFound, admin.Token, http.MethodPost, tokens, body, api.HeaderIdempotencyKey, key)
		if bytes.Contains(r.Body, []byte(first.Token)) {
			t.Fatalf("the replay showed the token's secret: %s", r)
		}
	})

	t.Run("a demoted user", func(t *testing.T) {
		org := h.createOrg(t, owner.Token, api.PlanTeam)
		admin := h.newMember(t, owner.Token, org.ID, api.RoleAdmin)
		tokens := path(api.PathAPITokens, "org_id", org.ID)
		key, body := h.unique("key"), api.APITokenCreate{Name: "ci", Role: api.RoleMember}
		first := decode[api.APIToken](t, h.expect(t, http.StatusCreated, admin.Token, http.MethodPost, tokens, body, api.HeaderIdempotencyKey, key))
		member := api.RoleMember
		h.expect(t, http.StatusOK, owner.Token, http.MethodPatch, path(api.PathMember, "org_id", org.ID, "email", admin.Email), api.MemberUpdate{Role: &member})
		r := h.expect(t, http.StatusForbidden, admin.Token, http.MethodPost, tokens, body, api.HeaderIdempotencyKey, key)
		if bytes.Contains(r.Body, []byte(first.Token)) {
			t.Fatalf("the replay showed the token's secret: %s", r)
		}
	})

	t.Run("a deleted organization", func(t *testing.T) {
		org := h.createOrg(t, owner.Token, api.PlanTeam)
		tokens := path(api.PathAPITokens, "org_id", org.ID)
		key, body := h.unique("key"), api.APITokenCreate{Name: "ci", Role: api.RoleMember}
		first := decode[api.APIToken](t, h.expect(t, http.StatusCreated, owner.Token, http.MethodPost, tokens, body, api.HeaderIdempotencyKey, key))
		h.expect(t, http.StatusNoContent, owner.Token, http.MethodDelete, path(api.PathOrganization, "org_id", org.ID), nil)
		r := h.expect(t, http.StatusGone, owner.Token, http.MethodPost, tokens, body, api.HeaderIdempotencyKey, key)
		if bytes.Contains(r.Body, []byte(first.Token)) {
			t.Fatalf("the replay showed the token's secret: %s", r)
		}
	})

	t.Run("anonymous callers behind one address", func(t *testing.T) {
		key := h.unique("key")
		body := api.SignupRequest{Email: h.email()}
		first := decode[api.SignupResponse](t, h.expect(t, http.StatusCreated, anonymous, http.MethodPost, api.PathUsers, body, api.HeaderIdempotencyKey, key))
		second := h.expect(t, http.StatusCreated, anonymous, http.MethodPost, api.PathUsers, body, api.HeaderIdempotencyKey, key)
		if bytes.Contains(second.Body, []byte(first.Token)) {
			t.Fatalf("a second anonymous caller got the first one's token: %s", second)
		}

		org := h.createOrg(t, owner.Token, api.PlanTeam)
		_, code := h.createInvitation(t, owner.Token, org.ID, h.email(), api.RoleMember)
		acc := decode[api.InvitationAcceptance](t, h.expect(t, acceptStatus, anonymous, http.MethodPost, api.PathInvitationAccept, api.InvitationAccept{Code: code}, api.HeaderIdempotencyKey, key))
		// Same key, without the code: nothing to replay.
		r := h.expect(t, http.StatusNotFound, anonymous, http.MethodPost, api.PathInvitationAccept, api.InvitationAccept{Code: "orgs_inv_" + h.unique("guess")}, api.HeaderIdempotencyKey, key)
		if bytes.Contains(r.Body, []byte(acc.Token)) {
			t.Fatalf("an anonymous caller without the code got the acceptance's token: %s", r)
		}
		// With the code (a retry by the invitee), the acceptance replays.
		again := decode[api.InvitationAcceptance](t, h.expect(t, acceptStatus, anonymous, http.MethodPost, api.PathInvitationAccept, api.InvitationAccept{Code: code}, api.HeaderIdempotencyKey, key))
		if again.Token != acc.Token {
			t.Fatalf("the invitee's retry did not replay the acceptance: %+v", again)
		}
	})
}

// TestEveryErrorIsAProblem (finding 12): invalid UTF-8 in a body (raw, or as an escaped lone
// surrogate) is refused instead of stored as U+FFFD; a path net/http cannot parse (%ZZ) and a path
// with '..' segments get problem documents, not plain text or a bare redirect.
func TestEveryErrorIsAProblem(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	orgPath := path(api.PathOrganization, "org_id", org.ID)
	h.expectProblem(t, http.StatusBadRequest, api.ProblemMalformed, owner.Token, http.MethodPatch, orgPath, []byte("{\"name\": \"bad \xff\xfe name\"}"))
	h.expectProblem(t, http.StatusUnprocessableEntity, api.ProblemInvalid, owner.Token, http.MethodPatch, orgPath, `{"name": "lone \ud800 surrogate"}`)
	h.expectProblem(t, http.StatusBadRequest, api.ProblemMalformed, anonymous, http.MethodPost, api.PathUsers, []byte("{\"email\": \"\xc3(@example.test\"}"))
	got := decode[api.Organization](t, h.expect(t, http.StatusOK, owner.Token, http.MethodGet, orgPath, nil))
	if got.Name != org.Name {
		t.Fatalf("a refused name was stored: %q", got.Name)
	}

	// Raw requests: the client would clean or refuse these paths itself.
	for _, target := range []string{api.BasePath + "/orgs/%ZZ", api.BasePath + "/orgs/" + org.ID + "/../" + org.ID, api.BasePath + "//orgs", api.BasePath + "/./orgs"} {
		t.Run(target, func(t *testing.T) {
			r := rawRequest(t, h, "GET "+target+" HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer "+owner.Token+"\r\nConnection: close\r\n\r\n")
			checkResponse(t, r)
			if r.Status != http.StatusBadRequest {
				t.Fatalf("want 400, got %s", r)
			}
		})
	}
}

// rawRequest writes request bytes as they are on a new connection and reads the response.
func rawRequest(tb testing.TB, h *harness, raw string) *response {
	tb.Helper()
	u, err := url.Parse(h.URL)
	if err != nil {
		tb.Fatal(err)
	}
	conn, err := net.DialTimeout("tcp", u.Host, 10*time.Second)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
		tb.Fatal(err)
	}
	if _, err := io.WriteString(conn, raw); err != nil {
		tb.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		tb.Fatalf("read the response: %v", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return &response{Method: "RAW", Path: strings.SplitN(raw, "\r\n", 2)[0], Status: res.StatusCode, Header: res.Header, Body: body}
}

// TestMigrationFromTheFirstSchema: a database written before the hardening (migration 0001 only, with
// a registry secret in the clear) opens with its data intact: its users count as proven, its members
// as active, its tokens work, and its registry secret is sealed and gone from the files.
func TestMigrationFromTheFirstSchema(t *testing.T) {
	t.Parallel()
	dbPath := filepath.Join(t.TempDir(), "orgs.db")
	schema, err := os.ReadFile(filepath.Join("store", "migrations", "0001_init.sql"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	const token = "orgs_pat_legacy-token-0123456789abcdef0123456789"
	const secret = "legacy-registry-password-5f1e"
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000000000Z")
	sum := sha256.Sum256([]byte(token))
	for _, stmt := range []string{
		string(schema),
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`,
		`INSERT INTO schema_migrations VALUES (1, '` + now + `')`,
		`INSERT INTO users (id, email, email_lower, name, created_at) VALUES ('usr_legacy', 'Legacy@Example.test', 'legacy@example.test', 'L', '` + now + `')`,
		`INSERT INTO personal_tokens (id, user_id, name, hash, created_at) VALUES ('pat_legacy', 'usr_legacy', 'old', '` + hex.EncodeToString(sum[:]) + `', '` + now + `')`,
		`INSERT INTO organizations (id, name, admin_contact_emails, plan, artifacts_storage_limit_gb, ai_hints_enabled, mask_webhook_urls, created_at, updated_at)
			VALUES ('org_legacy', 'legacy', '["legacy@example.test"]', 'team', 10, 0, 0, '` + now + `', '` + now + `')`,
		`INSERT INTO members (organization_id, user_id, role, created_at) VALUES ('org_legacy', 'usr_legacy', 'owner', '` + now + `')`,
		`INSERT INTO container_registries (id, organization_id, name, kind, url, username, password, created_at, updated_at)
			VALUES ('reg_legacy', 'org_legacy', 'ghcr', 'github', 'https://ghcr.example.test', 'robot', '` + secret + `', '` + now + `', '` + now + `')`,
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("%.60s: %v", stmt, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s := servertest.Start(t, servertest.WithDatabase(dbPath))
	h := &harness{URL: s.URL, DBPath: dbPath, Server: s.Server, client: &http.Client{}}
	me := decode[api.User](t, h.expect(t, http.StatusOK, token, http.MethodGet, api.PathCurrentUser, nil))
	if !me.EmailVerified {
		t.Errorf("a user from before the hardening reads unverified: %+v", me)
	}
	m := decode[api.Member](t, h.expect(t, http.StatusOK, token, http.MethodGet, path(api.PathMember, "org_id", "org_legacy", "email", "legacy@example.test"), nil))
	if m.Status != api.MemberActive || m.Role != api.RoleOwner {
		t.Errorf("a member from before the hardening: %+v", m)
	}
	same := secret
	regPath := path(api.PathContainerRegistry, "org_id", "org_legacy", "registry_id", "reg_legacy")
	before := h.expect(t, http.StatusOK, token, http.MethodGet, regPath, nil)
	after := h.expect(t, http.StatusOK, token, http.MethodPatch, regPath, api.ContainerRegistryUpdate{Password: &same})
	if before.Header.Get(api.HeaderETag) != after.Header.Get(api.HeaderETag) {
		t.Errorf("the sealed legacy secret no longer compares equal to itself")
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		data, err := os.ReadFile(dbPath + suffix)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("orgs.db%s still holds the legacy registry secret in the clear", suffix)
		}
	}
	h.createOrg(t, token, api.PlanHobby)
}

// TestDeadTokensReadAlike (round two, finding 4): every organization API token that no longer works
// gets one answer, whatever became of its organization: a removed admin's token while the organization
// exists and once it is deleted, a revoked token and an expired one read the same as a token that never
// existed, on every route family: its organization's routes and another organization's, the token
// routes, the user routes, the organizations listing and a public route. So a dead token never tells
// whether its organization still exists, and it is refused when it authenticates, not later: only its
// own organization's routes would refuse a removed creator's token by themselves (for another
// organization's the token would get a 404, on a user route a 403, and on the listing and a public route
// it would be let through).
func TestDeadTokensReadAlike(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	other := h.createOrg(t, owner.Token, api.PlanTeam)
	admin := h.newMember(t, owner.Token, org.ID, api.RoleAdmin)
	departed := h.createAPIToken(t, admin.Token, org.ID, api.RoleMember)
	revoked := h.createAPIToken(t, owner.Token, org.ID, api.RoleMember)
	h.expect(t, http.StatusNoContent, owner.Token, http.MethodDelete, path(api.PathAPIToken, "org_id", org.ID, "token_id", revoked.ID), nil)
	expiring := h.expect(t, http.StatusCreated, owner.Token, http.MethodPost, path(api.PathAPITokens, "org_id", org.ID),
		api.APITokenCreate{Name: h.unique("token"), Role: api.RoleMember, ExpiresAt: new(h.Clock.Now().Add(time.Hour))})
	expired := decode[api.APIToken](t, expiring)
	h.Clock.Advance(2 * time.Hour)
	h.expect(t, http.StatusNoContent, owner.Token, http.MethodDelete, path(api.PathMember, "org_id", org.ID, "email", admin.Email), nil)

	routes := []struct{ family, route string }{
		{"its organization", path(api.PathOrganization, "org_id", org.ID)},
		{"its organization", path(api.PathLabels, "org_id", org.ID)},
		{"another organization", path(api.PathOrganization, "org_id", other.ID)},
		{"token routes", path(api.PathAPITokens, "org_id", org.ID)},
		{"token routes", path(api.PathAPIToken, "org_id", org.ID, "token_id", departed.ID)},
		{"token routes", api.PathPersonalTokens},
		{"user routes", api.PathCurrentUser},
		{"user routes", api.PathMemberships},
		{"organizations listing", api.PathOrganizations},
		{"public route", api.PathOpenAPI},
	}
	// answers is what each route answers the token, by route.
	answers := func(token string) map[string]string {
		all := map[string]string{}
		for _, r := range routes {
			res := h.do(t, token, http.MethodGet, r.route, nil)
			answer := fmt.Sprintf("%d %.100s", res.Status, res.Body)
			if res.Status >= 400 {
				p := res.problem(t)
				answer = fmt.Sprintf("%d %s %s", res.Status, p.Type, p.Detail)
			}
			all[r.route] = answer
		}
		return all
	}
	want := answers("orgs_ot_" + strings.Repeat("x", 52)) // a token that never existed
	for _, r := range routes {
		if !strings.HasPrefix(want[r.route], "401 ") {
			t.Fatalf("%s (%s): a token that never existed is answered %s; want 401", r.family, r.route, want[r.route])
		}
	}
	compare := func(name, token string) {
		t.Helper()
		got := answers(token)
		for _, r := range routes {
			if got[r.route] != want[r.route] {
				t.Errorf("%s token, %s (GET %s): answered\n%s\nwant the answer of a token that never existed\n%s", name, r.family, r.route, got[r.route], want[r.route])
			}
		}
	}
	for name, token := range map[string]string{"revoked": revoked.Token, "expired": expired.Token, "creator removed": departed.Token} {
		compare(name, token)
	}
	h.expect(t, http.StatusNoContent, owner.Token, http.MethodDelete, path(api.PathOrganization, "org_id", org.ID), nil)
	compare("once the organization is deleted, the removed admin's", departed.Token)
}

// TestLookAlikeAddressesAreOtherPeople (round two, finding 1): someone who proves an address that
// only folds onto another's (a dotted capital I in the domain, a Kelvin sign in the local part) is
// another person: the real owner still signs up and proves theirs, adding the real address as a member
// reaches the real owner, and their invitation is theirs to accept. An address with an invisible
// character is refused, naming it.
func TestLookAlikeAddressesAreOtherPeople(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	for _, pair := range [][2]string{
		{"x-" + h.unique("a") + "@İbm.example", "x-" + h.unique("a") + "@ibm.example"},
		{"\u212Aevin-" + h.unique("k") + "@example.test", "kevin-" + h.unique("k") + "@example.test"},
	} {
		// The same local part on both sides of the pair, once the look-alike is set aside.
		attackerAddr := pair[0]
		realAddr := strings.Replace(strings.Replace(attackerAddr, "İ", "i", 1), "\u212A", "k", 1)
		attacker := h.signupAs(t, attackerAddr)
		real := h.signupAs(t, realAddr)
		if attacker.ID == real.ID {
			t.Fatalf("%q and %q are one user", attackerAddr, realAddr)
		}
		m := h.addMember(t, owner.Token, org.ID, realAddr, api.RoleMember)
		if m.UserID != real.ID {
			t.Fatalf("adding %q made a membership of user %s, not of its owner %s", realAddr, m.UserID, real.ID)
		}
	}
	invited := "carol-" + h.unique("c") + "@ibm.example"
	_, code := h.createInvitation(t, owner.Token, org.ID, invited, api.RoleMember)
	h.signupAs(t, strings.Replace(invited, "ibm", "İbm", 1))
	acc := h.acceptInvitation(t, code)
	if acc.Member.Email != invited {
		t.Fatalf("the invitation to %q was accepted as %+v", invited, acc.Member)
	}
	p := h.expectProblem(t, http.StatusUnprocessableEntity, api.ProblemInvalid, anonymous, http.MethodPost, api.PathUsers,
		api.SignupRequest{Email: "mal\u202eory@example.test"})
	if !strings.Contains(p.Detail, "U+202E") {
		t.Errorf("an address with a right-to-left override: %s; want the character named", p.Detail)
	}
}

// TestEmailKeysRekeyedOnStart: a database whose keys were computed the old way (Go's Unicode lower
// case, which folds İ onto i) gets every key recomputed once at start.
func TestEmailKeysRekeyedOnStart(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	lookAlike := "x-" + h.unique("r") + "@İbm.example"
	u := h.signupAs(t, lookAlike)
	if err := h.Server.Close(); err != nil {
		t.Fatal(err)
	}
	oldKey := strings.ToLower(lookAlike)
	keyOf := func(t *testing.T, stmts ...string) string {
		t.Helper()
		db, err := sql.Open("sqlite", "file:"+h.DBPath+"?_pragma=busy_timeout(10000)")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		for _, stmt := range stmts {
			if _, err := db.Exec(stmt, oldKey, u.ID); err != nil {
				t.Fatalf("%s: %v", stmt, err)
			}
		}
		var key string
		if err := db.QueryRow(`SELECT email_key FROM users WHERE id = ?`, u.ID).Scan(&key); err != nil {
			t.Fatal(err)
		}
		return key
	}
	if got := keyOf(t, `UPDATE users SET email_key = ? WHERE id = ?`, `DELETE FROM server_settings WHERE name = 'email_key_version' AND ? != ?`); got != oldKey {
		t.Fatalf("the key written the old way: %q", got)
	}
	restart(t, h.DBPath)
	if got := keyOf(t); got != api.EmailKey(lookAlike) {
		t.Fatalf("after the restart the key is %q, want %q", got, api.EmailKey(lookAlike))
	}
}

// TestReplaysObeyTodaysRules (round two, finding 3): a replayed request meets the handler's own rules
// with the caller's standing of now, not only the route's policy. An owner demoted to admin replays
// "create a biller token" and "add an owner" and gets the 403 a fresh request gets, with no secret and
// nothing made; a removed user's replayed accept gets the 404 a fresh accept gets, not a stale "active".
func TestReplaysObeyTodaysRules(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	second := h.newMember(t, owner.Token, org.ID, api.RoleOwner)
	tokenKey, ownerKey := h.unique("key"), h.unique("key")
	tokenBody := api.APITokenCreate{Name: h.unique("token"), Role: api.RoleBiller}
	h.expect(t, http.StatusCreated, second.Token, http.MethodPost, path(api.PathAPITokens, "org_id", org.ID), tokenBody, api.HeaderIdempotencyKey, tokenKey)
	newOwner := h.signup(t)
	ownerBody := api.MemberCreate{Email: newOwner.Email, Role: api.RoleOwner}
	h.expect(t, http.StatusCreated, second.Token, http.MethodPost, path(api.PathMembers, "org_id", org.ID), ownerBody, api.HeaderIdempotencyKey, ownerKey)
	h.expect(t, http.StatusNoContent, owner.Token, http.MethodDelete, path(api.PathMember, "org_id", org.ID, "email", newOwner.Email), nil)
	admin := api.RoleAdmin
	h.expect(t, http.StatusOK, owner.Token, http.MethodPatch, path(api.PathMember, "org_id", org.ID, "email", second.Email), api.MemberUpdate{Role: &admin})

	replay := h.expect(t, http.StatusForbidden, second.Token, http.MethodPost, path(api.PathAPITokens, "org_id", org.ID), tokenBody, api.HeaderIdempotencyKey, tokenKey)
	if strings.Contains(replay.String(), "orgs_ot_") || replay.Header.Get(server.HeaderIdempotentReplayed) != "" {
		t.Fatalf("the demoted owner's replay of a biller token: %s", replay)
	}
	h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, second.Token, http.MethodPost, path(api.PathMembers, "org_id", org.ID), ownerBody, api.HeaderIdempotencyKey, ownerKey)
	if ms := h.members(t, owner.Token, org.ID); slices.ContainsFunc(ms, func(m api.Member) bool { return m.UserID == newOwner.ID }) {
		t.Fatal("the demoted owner's replay made an owner again")
	}

	pending := h.signup(t)
	h.addMember(t, owner.Token, org.ID, pending.Email, api.RoleMember)
	acceptKey := h.unique("key")
	accept := path(api.PathMembershipAccept, "org_id", org.ID)
	h.expect(t, http.StatusOK, pending.Token, http.MethodPost, accept, nil, api.HeaderIdempotencyKey, acceptKey)
	h.expect(t, http.StatusNoContent, owner.Token, http.MethodDelete, path(api.PathMember, "org_id", org.ID, "email", pending.Email), nil)
	h.expectProblem(t, http.StatusNotFound, api.ProblemNotFound, pending.Token, http.MethodPost, accept, nil, api.HeaderIdempotencyKey, acceptKey)
}

// TestDeclinedMembershipCoolsDown (round two, item 5): a declined membership stays, declined, so the
// organization sees the answer; adding the person again is refused, and offering it again (resend) or
// inviting them is refused for seven days, saying when it can be; after that it can ask again.
func TestDeclinedMembershipCoolsDown(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	u := h.signup(t)
	h.addMember(t, owner.Token, org.ID, u.Email, api.RoleMember)
	h.expect(t, http.StatusNoContent, u.Token, http.MethodPost, path(api.PathMembershipDecline, "org_id", org.ID), nil)

	members := path(api.PathMembers, "org_id", org.ID)
	resend := path(api.PathMemberResend, "org_id", org.ID, "email", u.Email)
	p := h.expectProblem(t, http.StatusConflict, api.ProblemConflict, owner.Token, http.MethodPost, members, api.MemberCreate{Email: u.Email, Role: api.RoleMember})
	if !strings.Contains(p.Detail, "declined a membership of this organization") || !strings.Contains(p.Detail, "/resend") {
		t.Errorf("re-adding a user who declined: %s", p.Detail)
	}
	p = h.expectProblem(t, http.StatusConflict, api.ProblemConflict, owner.Token, http.MethodPost, resend, nil)
	if !strings.Contains(p.Detail, "cannot be added or invited again before") || !strings.Contains(p.Detail, "7 days after a decline") {
		t.Errorf("offering it again at once: %s", p.Detail)
	}
	h.expectProblem(t, http.StatusConflict, api.ProblemConflict, owner.Token, http.MethodPost, path(api.PathInvitations, "org_id", org.ID),
		api.InvitationCreate{Email: strings.ToUpper(u.Email), Role: api.RoleMember})

	h.Clock.Advance(7*24*time.Hour - time.Minute)
	h.expectProblem(t, http.StatusConflict, api.ProblemConflict, owner.Token, http.MethodPost, resend, nil)
	h.Clock.Advance(time.Minute)
	if m := decode[api.Member](t, h.expect(t, http.StatusOK, owner.Token, http.MethodPost, resend, nil)); m.Status != api.MemberPending || m.DeclinedAt != nil {
		t.Fatalf("seven days after the decline, offered again: %+v", m)
	}
}

// TestExpiredSignupsAreRemoved (round two, item 5): a sign-up whose address was never proven is removed
// once its code has expired, with its token: by the next sign-up, or by a restart.
func TestExpiredSignupsAreRemoved(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	first := h.signupUnverified(t, h.email())
	second := h.signupUnverified(t, h.email())
	h.expect(t, http.StatusOK, first.Token, http.MethodGet, api.PathCurrentUser, nil)
	h.Clock.Advance(24*time.Hour + time.Second)
	h.signupUnverified(t, h.email())
	h.expectProblem(t, http.StatusUnauthorized, api.ProblemUnauthorized, first.Token, http.MethodGet, api.PathCurrentUser, nil)
	if n := countRows(t, h, "users"); n != 2 {
		t.Errorf("%d users after the sweep, want the bootstrapped owner and the new sign-up", n)
	}
	h.expectProblem(t, http.StatusUnauthorized, api.ProblemUnauthorized, second.Token, http.MethodGet, api.PathCurrentUser, nil)
	third := h.signupUnverified(t, h.email())
	if err := h.Server.Close(); err != nil {
		t.Fatal(err)
	}
	h.Clock.Advance(24*time.Hour + time.Second)
	after := servertest.Start(t, servertest.WithDatabase(h.DBPath), servertest.WithClock(h.Clock.Now))
	restarted := &harness{URL: after.URL, DBPath: h.DBPath, Server: after.Server, Clock: h.Clock, client: &http.Client{}}
	restarted.expectProblem(t, http.StatusUnauthorized, api.ProblemUnauthorized, third.Token, http.MethodGet, api.PathCurrentUser, nil)
}
