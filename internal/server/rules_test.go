package server_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/servertest"
)

// The domain rules of SPEC.md, each with the refusal it must give.

func TestOrganizationCap(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	u := h.signup(t)
	var orgs []api.Organization
	for range api.MaxOrganizationsPerUser {
		orgs = append(orgs, h.createOrg(t, u.Token, api.PlanHobby))
	}
	p := h.expectProblem(t, http.StatusConflict, api.ProblemLimitReached, u.Token, http.MethodPost, api.PathOrganizations, h.orgCreateBody(api.PlanHobby))
	if !strings.Contains(p.Detail, strconv.Itoa(api.MaxOrganizationsPerUser)) {
		t.Errorf("the refusal does not name the limit of %d: %q", api.MaxOrganizationsPerUser, p.Detail)
	}

	// Joining a sixth organization is refused the same way, whether invited or added: being added
	// leaves the membership pending (it does not count), and accepting it is refused.
	other := h.signup(t)
	sixth := h.createOrg(t, other.Token, api.PlanTeam)
	seventh := h.createOrg(t, other.Token, api.PlanTeam)
	if m := h.addMember(t, other.Token, seventh.ID, u.Email, api.RoleMember); m.Status != api.MemberPending {
		t.Fatalf("a member added by someone else is %s, want pending", m.Status)
	}
	h.expectProblem(t, http.StatusConflict, api.ProblemLimitReached, u.Token, http.MethodPost, path(api.PathMembershipAccept, "org_id", seventh.ID), nil)
	_, code := h.createInvitation(t, other.Token, sixth.ID, u.Email, api.RoleMember)
	h.expectProblem(t, http.StatusConflict, api.ProblemLimitReached, anonymous, http.MethodPost, api.PathInvitationAccept, api.InvitationAccept{Code: code})
	for _, m := range h.members(t, other.Token, sixth.ID) {
		if strings.EqualFold(m.Email, u.Email) {
			t.Fatalf("a user at the cap became a member of a sixth organization: %+v", m)
		}
	}

	// Deleting one of the five makes room again.
	h.expect(t, http.StatusNoContent, u.Token, http.MethodDelete, path(api.PathOrganization, "org_id", orgs[0].ID), nil)
	h.acceptInvitation(t, code)
	h.expectProblem(t, http.StatusConflict, api.ProblemLimitReached, u.Token, http.MethodPost, api.PathOrganizations, h.orgCreateBody(api.PlanHobby))
}

// memberLimits are SPEC.md's member limits, which api.PlanLimits must hold.
var memberLimits = []struct {
	plan  api.Plan
	limit int
}{
	{api.PlanHobby, 1},
	{api.PlanStarter, 3},
	{api.PlanStartup, 6},
}

func TestMemberLimitByDirectAdd(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, tc := range memberLimits {
		t.Run(string(tc.plan), func(t *testing.T) {
			t.Parallel()
			if got := api.PlanLimits[tc.plan].Members; got != int64(tc.limit) {
				t.Fatalf("api.PlanLimits[%s].Members = %d, SPEC says %d", tc.plan, got, tc.limit)
			}
			owner := h.signup(t)
			org := h.createOrg(t, owner.Token, tc.plan)
			for range tc.limit - 1 {
				h.newMember(t, owner.Token, org.ID, api.RoleMember)
			}
			extra := h.signup(t)
			p := h.expectProblem(t, http.StatusConflict, api.ProblemLimitReached, owner.Token, http.MethodPost,
				path(api.PathMembers, "org_id", org.ID), api.MemberCreate{Email: extra.Email, Role: api.RoleMember})
			checkNamesLimit(t, p, tc.plan, tc.limit)
			if n := len(h.members(t, owner.Token, org.ID)); n != tc.limit {
				t.Fatalf("%d members on %s, want %d", n, tc.plan, tc.limit)
			}
			checkUsage(t, h, owner.Token, org.ID, api.QuantityMembers, int64(tc.limit), int64(tc.limit))
		})
	}
}

// TestMemberLimitByInvitation: a pending invitation holds a seat, so an organization cannot invite past
// its plan (finding 8); accepting moves the seat from the invitation to the member; an expired
// invitation frees its seat and takes it back when re-sent.
func TestMemberLimitByInvitation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, tc := range memberLimits {
		t.Run(string(tc.plan), func(t *testing.T) {
			t.Parallel()
			owner := h.signup(t)
			org := h.createOrg(t, owner.Token, tc.plan)
			invitations := path(api.PathInvitations, "org_id", org.ID)
			codes := make([]string, tc.limit-1)
			for i := range codes {
				_, codes[i] = h.createInvitation(t, owner.Token, org.ID, h.email(), api.RoleMember)
			}
			p := h.expectProblem(t, http.StatusConflict, api.ProblemLimitReached, owner.Token, http.MethodPost, invitations, api.InvitationCreate{Email: h.email(), Role: api.RoleMember})
			checkNamesLimit(t, p, tc.plan, tc.limit)
			checkUsage(t, h, owner.Token, org.ID, api.QuantityMembers, int64(tc.limit), int64(tc.limit))
			for _, code := range codes {
				h.acceptInvitation(t, code)
			}
			if n := len(h.members(t, owner.Token, org.ID)); n != tc.limit {
				t.Fatalf("%d members on %s, want %d", n, tc.plan, tc.limit)
			}
			checkUsage(t, h, owner.Token, org.ID, api.QuantityMembers, int64(tc.limit), int64(tc.limit))
			h.expectProblem(t, http.StatusConflict, api.ProblemLimitReached, owner.Token, http.MethodPost, invitations, api.InvitationCreate{Email: h.email(), Role: api.RoleMember})
		})
	}
}

// checkNamesLimit: going over a limit is refused with an error that names the limit and the plan.
func checkNamesLimit(tb testing.TB, p api.Problem, plan api.Plan, limit int) {
	tb.Helper()
	if !strings.Contains(p.Detail, string(plan)) || !strings.Contains(p.Detail, strconv.Itoa(limit)) {
		tb.Errorf("the refusal %q does not name the plan %s and its limit %d", p.Detail, plan, limit)
	}
}

func checkUsage(tb testing.TB, h *harness, cred, orgID, quantity string, used, limit int64) {
	tb.Helper()
	u := decode[api.Usage](tb, h.expect(tb, http.StatusOK, cred, http.MethodGet, path(api.PathUsage, "org_id", orgID), nil))
	for _, q := range u.Quantities {
		if q.Name == quantity {
			if q.Used != used || q.Limit != limit || q.Remaining != limit-used {
				tb.Errorf("usage of %s = %+v, want used %d, limit %d, remaining %d", quantity, q, used, limit, limit-used)
			}
			return
		}
	}
	tb.Errorf("usage has no quantity %s: %+v", quantity, u)
}

func TestUsage(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanStartup)
	h.newMember(t, owner.Token, org.ID, api.RoleBiller)
	h.createAPIToken(t, owner.Token, org.ID, api.RoleAdmin)
	h.createLabel(t, owner.Token, org.ID)
	h.createLabel(t, owner.Token, org.ID)
	h.createRegistry(t, owner.Token, org.ID)
	h.createEnvironment(t, owner.Token, org.ID)

	u := decode[api.Usage](t, h.expect(t, http.StatusOK, owner.Token, http.MethodGet, path(api.PathUsage, "org_id", org.ID), nil))
	if u.OrganizationID != org.ID || u.Plan != api.PlanStartup {
		t.Errorf("usage names %s on %s, want %s on %s", u.OrganizationID, u.Plan, org.ID, api.PlanStartup)
	}
	used := map[string]int64{
		api.QuantityMembers: 2, api.QuantityEnvironments: 2, api.QuantityAPITokens: 1,
		api.QuantityContainerRegistries: 1, api.QuantityLabels: 2,
	}
	var names []string
	for _, q := range u.Quantities {
		names = append(names, q.Name)
		limit := api.PlanLimits[api.PlanStartup].Quantity(q.Name)
		if q.Used != used[q.Name] || q.Limit != limit || q.Remaining != limit-used[q.Name] {
			t.Errorf("%s: got %+v, want used %d, limit %d, remaining %d", q.Name, q, used[q.Name], limit, limit-used[q.Name])
		}
	}
	if !slices.Equal(names, api.Quantities) {
		t.Errorf("quantities %v, want %v", names, api.Quantities)
	}
}

// TestPlanLimitsOtherThanMembers: every limited quantity is refused past its limit, naming plan and limit.
func TestPlanLimitsOtherThanMembers(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanHobby)
	limits := api.PlanLimits[api.PlanHobby]
	tests := []struct {
		quantity string
		route    string
		limit    int64
		already  int64 // what a new organization holds
		body     func() any
	}{
		{api.QuantityEnvironments, api.PathEnvironments, limits.Environments, 1, func() any { return h.environmentBody() }},
		{api.QuantityAPITokens, api.PathAPITokens, limits.APITokens, 0, func() any { return api.APITokenCreate{Name: h.unique("t"), Role: api.RoleMember} }},
		{api.QuantityContainerRegistries, api.PathContainerRegistries, limits.ContainerRegistries, 0, func() any { return h.registryBody() }},
		{api.QuantityLabels, api.PathLabels, limits.Labels, 0, func() any { return h.labelBody() }},
		{api.QuantityTeams, api.PathTeams, limits.Teams, 0, func() any { return h.teamBody() }},
	}
	for _, tc := range tests {
		t.Run(tc.quantity, func(t *testing.T) {
			route := path(tc.route, "org_id", org.ID)
			for range tc.limit - tc.already {
				h.expect(t, http.StatusCreated, owner.Token, http.MethodPost, route, tc.body())
			}
			p := h.expectProblem(t, http.StatusConflict, api.ProblemLimitReached, owner.Token, http.MethodPost, route, tc.body())
			checkNamesLimit(t, p, api.PlanHobby, int(tc.limit))
			checkUsage(t, h, owner.Token, org.ID, tc.quantity, tc.limit, tc.limit)
		})
	}
}

// TestPlanDowngradeOverLimit: a plan whose limits the organization already exceeds cannot be chosen;
// one whose limits it just reaches can.
func TestPlanDowngradeOverLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanStartup)
	var last user
	for range 3 {
		last = h.newMember(t, owner.Token, org.ID, api.RoleMember)
	}
	starter := api.PlanStarter
	p := h.expectProblem(t, http.StatusConflict, api.ProblemLimitReached, owner.Token, http.MethodPatch,
		path(api.PathOrganization, "org_id", org.ID), api.OrganizationUpdate{Plan: &starter})
	checkNamesLimit(t, p, api.PlanStarter, 3)
	got := decode[api.Organization](t, h.expect(t, http.StatusOK, owner.Token, http.MethodGet, path(api.PathOrganization, "org_id", org.ID), nil))
	if got.Plan != api.PlanStartup {
		t.Fatalf("plan is %s after a refused downgrade", got.Plan)
	}
	// 3 members, starter's limit: the downgrade goes through.
	h.expect(t, http.StatusNoContent, owner.Token, http.MethodDelete, path(api.PathMember, "org_id", org.ID, "email", last.Email), nil)
	got = decode[api.Organization](t, h.expect(t, http.StatusOK, owner.Token, http.MethodPatch,
		path(api.PathOrganization, "org_id", org.ID), api.OrganizationUpdate{Plan: &starter}))
	if got.Plan != api.PlanStarter {
		t.Fatalf("plan is %s after a downgrade to a plan whose limits are just met", got.Plan)
	}
}

func TestLastOwner(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := api.RoleAdmin

	t.Run("the only member cannot leave", func(t *testing.T) {
		owner := h.signup(t)
		org := h.createOrg(t, owner.Token, api.PlanHobby)
		// The advice differs from the last owner's: there is nobody to make owner.
		p := h.expectProblem(t, http.StatusConflict, api.ProblemLastOwner, owner.Token, http.MethodDelete, path(api.PathMember, "org_id", org.ID, "email", owner.Email), nil)
		if !strings.Contains(p.Detail, "is the last member of the organization") {
			t.Errorf("detail %q does not say the owner is the last member", p.Detail)
		}
		h.expect(t, http.StatusOK, owner.Token, http.MethodGet, path(api.PathOrganization, "org_id", org.ID), nil)
	})

	t.Run("the last owner cannot leave, be demoted or removed", func(t *testing.T) {
		owner := h.signup(t)
		org := h.createOrg(t, owner.Token, api.PlanTeam)
		adminUser := h.newMember(t, owner.Token, org.ID, api.RoleAdmin)
		adminToken := h.createAPIToken(t, owner.Token, org.ID, api.RoleAdmin)
		ownerPath := path(api.PathMember, "org_id", org.ID, "email", owner.Email)

		if p := h.expectProblem(t, http.StatusConflict, api.ProblemLastOwner, owner.Token, http.MethodDelete, ownerPath, nil); !strings.Contains(p.Detail, "is the last owner") {
			t.Errorf("detail %q does not say the owner is the last owner", p.Detail)
		}
		for _, role := range []api.Role{api.RoleAdmin, api.RoleMember, api.RoleBiller} {
			h.expectProblem(t, http.StatusConflict, api.ProblemLastOwner, owner.Token, http.MethodPatch, ownerPath, api.MemberUpdate{Role: &role})
		}
		// Admins (people or tokens) may not touch an owner at all.
		h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, adminUser.Token, http.MethodDelete, ownerPath, nil)
		h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, adminToken.Token, http.MethodDelete, ownerPath, nil)
		h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, adminToken.Token, http.MethodPatch, ownerPath, api.MemberUpdate{Role: &admin})

		m := decode[api.Member](t, h.expect(t, http.StatusOK, owner.Token, http.MethodGet, ownerPath, nil))
		if m.Role != api.RoleOwner {
			t.Fatalf("the last owner is now %s", m.Role)
		}
	})

	t.Run("an owner can go while another stays", func(t *testing.T) {
		first := h.signup(t)
		org := h.createOrg(t, first.Token, api.PlanTeam)
		second := h.newMember(t, first.Token, org.ID, api.RoleOwner)
		h.expect(t, http.StatusNoContent, second.Token, http.MethodDelete, path(api.PathMember, "org_id", org.ID, "email", first.Email), nil)
		secondPath := path(api.PathMember, "org_id", org.ID, "email", second.Email)
		h.expectProblem(t, http.StatusConflict, api.ProblemLastOwner, second.Token, http.MethodPatch, secondPath, api.MemberUpdate{Role: &admin})
		h.expectProblem(t, http.StatusConflict, api.ProblemLastOwner, second.Token, http.MethodDelete, secondPath, nil)
	})

	// Two owners demoting each other at once: whatever the interleaving, one owner remains.
	t.Run("concurrent demotions leave an owner", func(t *testing.T) {
		for range 5 {
			a := h.signup(t)
			org := h.createOrg(t, a.Token, api.PlanTeam)
			b := h.newMember(t, a.Token, org.ID, api.RoleOwner)
			var wg sync.WaitGroup
			for _, pair := range [][2]user{{a, b}, {b, a}} {
				wg.Go(func() {
					r, err := h.send(pair[0].Token, http.MethodPatch, path(api.PathMember, "org_id", org.ID, "email", pair[1].Email), api.MemberUpdate{Role: &admin})
					if err != nil {
						t.Error(err)
						return
					}
					checkResponse(t, r)
				})
			}
			wg.Wait()
			owners := 0
			for _, m := range h.members(t, a.Token, org.ID) {
				if m.Role == api.RoleOwner {
					owners++
				}
			}
			if owners != 1 {
				t.Fatalf("%d owners after two concurrent demotions, want 1", owners)
			}
		}
	})
}

// TestLeave: anyone but the last owner can leave; an organization token cannot leave (it is no member).
func TestLeave(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, role := range []api.Role{api.RoleAdmin, api.RoleMember, api.RoleBiller, api.RoleOwner} {
		t.Run(string(role), func(t *testing.T) {
			t.Parallel()
			owner := h.signup(t)
			org := h.createOrg(t, owner.Token, api.PlanTeam)
			u := h.newMember(t, owner.Token, org.ID, role)
			h.expect(t, http.StatusNoContent, u.Token, http.MethodDelete, path(api.PathMember, "org_id", org.ID, "email", u.Email), nil)
			h.expect(t, http.StatusNotFound, u.Token, http.MethodGet, path(api.PathOrganization, "org_id", org.ID), nil)
			orgs := listAll[api.Organization](t, h, u.Token, api.PathOrganizations, 0)
			if len(orgs) != 0 {
				t.Fatalf("after leaving, the user still lists %+v", orgs)
			}
		})
	}
}

// TestSecretsShownOnce: token secrets and invitation codes appear in the response that creates them and
// nowhere else; the database file holds their SHA-256 and never the secret, whether or not the create
// carried an Idempotency-Key (whose stored response must not hold the secret in the clear either).
// Registry secrets are write-only: never in any response.
func TestSecretsShownOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	tokensPath := path(api.PathAPITokens, "org_id", org.ID)

	orgToken := h.createAPIToken(t, owner.Token, org.ID, api.RoleMember)
	keyed := decode[api.APIToken](t, h.expect(t, http.StatusCreated, owner.Token, http.MethodPost, tokensPath,
		api.APITokenCreate{Name: h.unique("token"), Role: api.RoleAdmin}, api.HeaderIdempotencyKey, h.unique("key")))
	pat := h.createPersonalToken(t, owner.Token)
	keyedPAT := decode[api.PersonalToken](t, h.expect(t, http.StatusCreated, owner.Token, http.MethodPost, api.PathPersonalTokens,
		api.PersonalTokenCreate{Name: h.unique("pat")}, api.HeaderIdempotencyKey, h.unique("key")))
	_, code := h.createInvitation(t, owner.Token, org.ID, h.email(), api.RoleMember)
	reg, regBody := h.createRegistry(t, owner.Token, org.ID)

	secrets := map[string]string{
		"signup token":                  owner.Token,
		"organization token":            orgToken.Token,
		"organization token with a key": keyed.Token,
		"personal token":                pat.Token,
		"personal token with a key":     keyedPAT.Token,
		"invitation code":               code,
	}
	for name, s := range secrets {
		if s == "" {
			t.Fatalf("%s: the create response had no secret", name)
		}
	}

	// Reading back never shows a secret.
	reads := []string{
		tokensPath,
		path(api.PathAPIToken, "org_id", org.ID, "token_id", orgToken.ID),
		path(api.PathAPIToken, "org_id", org.ID, "token_id", keyed.ID),
		api.PathPersonalTokens,
		path(api.PathPersonalToken, "token_id", pat.ID),
		path(api.PathInvitations, "org_id", org.ID),
		path(api.PathContainerRegistries, "org_id", org.ID),
		path(api.PathContainerRegistry, "org_id", org.ID, "registry_id", reg.ID),
		path(api.PathActivity, "org_id", org.ID),
	}
	newPassword := h.unique("new-password")
	patched := h.expect(t, http.StatusOK, owner.Token, http.MethodPatch, path(api.PathContainerRegistry, "org_id", org.ID, "registry_id", reg.ID),
		api.ContainerRegistryUpdate{Password: &newPassword})
	bodies := [][]byte{patched.Body}
	for _, p := range reads {
		bodies = append(bodies, h.expect(t, http.StatusOK, owner.Token, http.MethodGet, p, nil).Body)
	}
	writeOnly := map[string]string{"registry password": regBody.Password, "new registry password": newPassword}
	for _, body := range bodies {
		for name, s := range secrets {
			if bytes.Contains(body, []byte(s)) {
				t.Errorf("a read shows the %s: %s", name, body)
			}
		}
		for name, s := range writeOnly {
			if bytes.Contains(body, []byte(s)) {
				t.Errorf("a response shows the %s: %s", name, body)
			}
		}
	}
	if bytes.Contains(h.expect(t, http.StatusOK, owner.Token, http.MethodGet, path(api.PathContainerRegistry, "org_id", org.ID, "registry_id", reg.ID), nil).Body, []byte("password")) {
		t.Errorf("a registry read has a password field")
	}

	// The database file: never the secret, always its hash.
	db := dbBytes(t, h.DBPath)
	for name, s := range secrets {
		if bytes.Contains(db, []byte(s)) {
			t.Errorf("the database file holds the %s in the clear", name)
		}
		sum := sha256.Sum256([]byte(s))
		if !bytes.Contains(db, []byte(hex.EncodeToString(sum[:]))) &&
			!bytes.Contains(db, []byte(base64.StdEncoding.EncodeToString(sum[:]))) &&
			!bytes.Contains(db, []byte(base64.RawURLEncoding.EncodeToString(sum[:]))) &&
			!bytes.Contains(db, sum[:]) {
			t.Errorf("the database file does not hold the SHA-256 of the %s", name)
		}
	}
}

// TestTokenFollowsItsCreator: an organization token is deactivated (401, active=false, still listed) when
// the user who created it leaves or is removed, and works again when they rejoin.
func TestTokenFollowsItsCreator(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, how := range []string{"removed", "leaves"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			owner := h.signup(t)
			org := h.createOrg(t, owner.Token, api.PlanTeam)
			creator := h.newMember(t, owner.Token, org.ID, api.RoleAdmin)
			tok := h.createAPIToken(t, creator.Token, org.ID, api.RoleMember)
			if tok.CreatedBy != creator.ID || !tok.Active {
				t.Fatalf("new token: created_by %q active %v, want %q and true", tok.CreatedBy, tok.Active, creator.ID)
			}
			orgPath := path(api.PathOrganization, "org_id", org.ID)
			tokPath := path(api.PathAPIToken, "org_id", org.ID, "token_id", tok.ID)
			h.expect(t, http.StatusOK, tok.Token, http.MethodGet, orgPath, nil)

			remover := owner
			if how == "leaves" {
				remover = creator
			}
			h.expect(t, http.StatusNoContent, remover.Token, http.MethodDelete, path(api.PathMember, "org_id", org.ID, "email", creator.Email), nil)
			h.expectProblem(t, http.StatusUnauthorized, api.ProblemUnauthorized, tok.Token, http.MethodGet, orgPath, nil)
			if got := decode[api.APIToken](t, h.expect(t, http.StatusOK, owner.Token, http.MethodGet, tokPath, nil)); got.Active {
				t.Errorf("the token of a departed creator reads active")
			}
			if !slices.ContainsFunc(listAll[api.APIToken](t, h, owner.Token, path(api.PathAPITokens, "org_id", org.ID), 0), func(x api.APIToken) bool { return x.ID == tok.ID }) {
				t.Errorf("the token was deleted, not deactivated")
			}

			h.addMember(t, owner.Token, org.ID, creator.Email, api.RoleMember)
			// Added back, the creator is pending until they accept; until then the token stays inactive.
			h.expectProblem(t, http.StatusUnauthorized, api.ProblemUnauthorized, tok.Token, http.MethodGet, orgPath, nil)
			h.acceptMembership(t, creator.Token, org.ID)
			h.expect(t, http.StatusOK, tok.Token, http.MethodGet, orgPath, nil)
			if got := decode[api.APIToken](t, h.expect(t, http.StatusOK, owner.Token, http.MethodGet, tokPath, nil)); !got.Active {
				t.Errorf("the token of a rejoined creator reads inactive")
			}
		})
	}
}

func TestTokenExpiry(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	orgPath := path(api.PathOrganization, "org_id", org.ID)
	soon := h.Clock.Now().Add(time.Hour)
	past := h.Clock.Now().Add(-time.Minute)

	h.expectProblem(t, http.StatusUnprocessableEntity, api.ProblemInvalid, owner.Token, http.MethodPost, path(api.PathAPITokens, "org_id", org.ID),
		api.APITokenCreate{Name: "past", Role: api.RoleMember, ExpiresAt: &past})
	tok := decode[api.APIToken](t, h.expect(t, http.StatusCreated, owner.Token, http.MethodPost, path(api.PathAPITokens, "org_id", org.ID),
		api.APITokenCreate{Name: "soon", Role: api.RoleMember, ExpiresAt: &soon}))
	pat := decode[api.PersonalToken](t, h.expect(t, http.StatusCreated, owner.Token, http.MethodPost, api.PathPersonalTokens,
		api.PersonalTokenCreate{Name: "soon", ExpiresAt: &soon}))
	h.expect(t, http.StatusOK, tok.Token, http.MethodGet, orgPath, nil)
	h.expect(t, http.StatusOK, pat.Token, http.MethodGet, orgPath, nil)

	h.Clock.Advance(time.Hour + time.Second)
	h.expectProblem(t, http.StatusUnauthorized, api.ProblemUnauthorized, tok.Token, http.MethodGet, orgPath, nil)
	h.expectProblem(t, http.StatusUnauthorized, api.ProblemUnauthorized, pat.Token, http.MethodGet, orgPath, nil)
	got := decode[api.APIToken](t, h.expect(t, http.StatusOK, owner.Token, http.MethodGet, path(api.PathAPIToken, "org_id", org.ID, "token_id", tok.ID), nil))
	if got.Active {
		t.Errorf("an expired token reads active")
	}
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	deletedPAT := h.createPersonalToken(t, owner.Token)
	h.expect(t, http.StatusNoContent, owner.Token, http.MethodDelete, path(api.PathPersonalToken, "token_id", deletedPAT.ID), nil)
	deletedTok := h.createAPIToken(t, owner.Token, org.ID, api.RoleAdmin)
	h.expect(t, http.StatusNoContent, owner.Token, http.MethodDelete, path(api.PathAPIToken, "org_id", org.ID, "token_id", deletedTok.ID), nil)

	tests := []struct {
		name, authorization string
	}{
		{"no credential", ""},
		{"empty bearer", "Bearer "},
		{"unknown token", "Bearer " + h.unique("orgs_pat_nope")},
		{"basic auth", "Basic b3duZXI6cGFzc3dvcmQ="},
		{"token without scheme", owner.Token},
		{"deleted personal token", "Bearer " + deletedPAT.Token},
		{"deleted organization token", "Bearer " + deletedTok.Token},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, p := range []string{api.PathCurrentUser, path(api.PathOrganization, "org_id", org.ID)} {
				var hdr []string
				if tc.authorization != "" {
					hdr = []string{"Authorization", tc.authorization}
				}
				r := h.expect(t, http.StatusUnauthorized, anonymous, http.MethodGet, p, nil, hdr...)
				if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("%s: a 401 without a Bearer challenge: %q", p, r.Header.Get("WWW-Authenticate"))
				}
			}
		})
	}
	// Scheme names are case-insensitive (RFC 9110 11.1).
	h.expect(t, http.StatusOK, anonymous, http.MethodGet, api.PathCurrentUser, nil, "Authorization", "bearer "+owner.Token)
}

// TestDeleteOrganizationRemovesEverything deletes a populated organization and checks, through the API
// and in the database, that nothing it held is left.
func TestDeleteOrganizationRemovesEverything(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	w := h.newWorld(t, api.PlanTeam)
	id := w.Org.ID
	read := api.EnvironmentRoleRead
	envRoles := map[string]api.EnvironmentRole{w.Environment.ID: read}
	h.expect(t, http.StatusOK, w.Owner.Token, http.MethodPatch, path(api.PathMember, "org_id", id, "email", w.Member.Email), api.MemberUpdate{EnvironmentRoles: &envRoles})
	decliner := h.signup(t)
	h.addMember(t, w.Owner.Token, id, decliner.Email, api.RoleMember)
	h.expect(t, http.StatusNoContent, decliner.Token, http.MethodPost, path(api.PathMembershipDecline, "org_id", id), nil)

	db := openDB(t, h.DBPath)
	before := rowsOfOrganization(t, db, id)
	if len(before) < 6 {
		t.Fatalf("only %d tables have an organization_id column: %v", len(before), before)
	}
	for table, n := range before {
		if n == 0 && !strings.HasPrefix(table, "organization_tombstone") {
			t.Errorf("the world left table %s empty; the test would prove nothing for it", table)
		}
	}

	h.expect(t, http.StatusNoContent, w.Owner.Token, http.MethodDelete, path(api.PathOrganization, "org_id", id), nil)

	// Only the tombstone names the organization now: its id, when, and who could see it.
	left := rowsMentioning(t, db, id)
	if want := map[string]int{"organization_tombstones": 1, "organization_tombstone_viewers": 4}; !maps.Equal(left, want) {
		t.Errorf("rows still naming the deleted organization: %v, want only its tombstone %v", left, want)
	}
	for _, v := range []string{w.Label.Key, w.Registry.ID, w.Invitation.ID, w.Environment.ID, w.TokenAdmin.ID, w.RegistrySecret} {
		if left := rowsMentioning(t, db, v); len(left) > 0 {
			t.Errorf("rows still naming %s of the deleted organization: %v", v, left)
		}
	}

	for p := range principalCount {
		// Its members at the time learn that it was deleted; anyone else, that they cannot see it.
		want := http.StatusGone
		switch p {
		case asOutsider:
			want = http.StatusNotFound
		case asTokenAdmin, asTokenMember, asTokenBiller, asAnonymous:
			want = http.StatusUnauthorized
		}
		for _, route := range []string{api.PathOrganization, api.PathMembers, api.PathLabels, api.PathLabel, api.PathContainerRegistry, api.PathInvitation, api.PathEnvironment, api.PathActivity} {
			h.expect(t, want, w.cred(p), http.MethodGet, fill(t, route, w.params()), nil)
		}
	}
	h.expect(t, http.StatusNotFound, anonymous, http.MethodPost, api.PathInvitationAccept, api.InvitationAccept{Code: w.InvitationCode})
	for _, u := range []user{w.Owner, w.Admin, w.Member, w.Biller} {
		if orgs := listAll[api.Organization](t, h, u.Token, api.PathOrganizations, 0); len(orgs) != 0 {
			t.Errorf("%s still lists %+v", u.Email, orgs)
		}
	}
	// The users stay; only their membership went.
	h.expect(t, http.StatusOK, w.Member.Token, http.MethodGet, api.PathCurrentUser, nil)
	// Someone else's organization is untouched.
	h.expect(t, http.StatusOK, w.Outsider.Token, http.MethodGet, path(api.PathOrganization, "org_id", w.OtherOrg.ID), nil)
}

// labelKeys is a table of Kubernetes label keys; the server and api.ValidateLabelKey must agree on each.
var labelKeys = []struct {
	key   string
	valid bool
}{
	{"a", true},
	{"app", true},
	{"App.Name_2-x", true},
	{"app.kubernetes.io/name", true},
	{"example.com/a", true},
	{"a-b.c/d", true},
	{strings.Repeat("n", 63), true},
	{strings.Repeat("p", 63) + "." + strings.Repeat("q", 63) + "/name", true},
	{"", false},
	{strings.Repeat("n", 64), false},
	{"-app", false},
	{"app-", false},
	{"_app", false},
	{"app.", false},
	{"a b", false},
	{"app:name", false},
	{"naïve", false},
	{"/name", false},
	{"example.com/", false},
	{"Example.com/name", false},
	{"a/b/c", false},
	{"exa_mple.com/name", false},
	{"-example.com/name", false},
	{strings.Repeat("p", 64) + ".com/name", false},
	{strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 63) + "/n", false}, // prefix 255 > 253
}

func TestLabelKeySyntax(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	for _, tc := range labelKeys {
		t.Run(fmt.Sprintf("%.40q", tc.key), func(t *testing.T) {
			if err := api.ValidateLabelKey(tc.key); (err == nil) != tc.valid {
				t.Fatalf("api.ValidateLabelKey(%q) = %v, the table says valid=%v", tc.key, err, tc.valid)
			}
			body := api.LabelCreate{Key: tc.key, Value: "v"}
			if !tc.valid {
				p := h.expectProblem(t, http.StatusUnprocessableEntity, api.ProblemInvalid, owner.Token, http.MethodPost, path(api.PathLabels, "org_id", org.ID), body)
				if !strings.Contains(p.Detail, "key") {
					t.Errorf("the refusal does not name the key field: %q", p.Detail)
				}
				return
			}
			created := decode[api.Label](t, h.expect(t, http.StatusCreated, owner.Token, http.MethodPost, path(api.PathLabels, "org_id", org.ID), body))
			got := decode[api.Label](t, h.expect(t, http.StatusOK, owner.Token, http.MethodGet, path(api.PathLabel, "org_id", org.ID, "key", tc.key), nil))
			if created.Key != tc.key || got.Key != tc.key || got.OrganizationID != org.ID {
				t.Fatalf("created %+v, read %+v, want key %q", created, got, tc.key)
			}
		})
	}
}

func TestLabelValueSyntax(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	for i, tc := range []struct {
		value string
		valid bool
	}{
		{"", true}, {"v", true}, {"v1.2_3-x", true}, {strings.Repeat("v", 63), true},
		{strings.Repeat("v", 64), false}, {"-v", false}, {"v-", false}, {"a b", false}, {"a/b", false},
	} {
		if err := api.ValidateLabelValue(tc.value); (err == nil) != tc.valid {
			t.Fatalf("api.ValidateLabelValue(%q) = %v, the table says valid=%v", tc.value, err, tc.valid)
		}
		want := http.StatusCreated
		if !tc.valid {
			want = http.StatusUnprocessableEntity
		}
		h.expect(t, want, owner.Token, http.MethodPost, path(api.PathLabels, "org_id", org.ID), api.LabelCreate{Key: fmt.Sprintf("k%d", i), Value: tc.value})
		// The same rule holds on update.
		if want == http.StatusUnprocessableEntity {
			h.expect(t, want, owner.Token, http.MethodPatch, path(api.PathLabel, "org_id", org.ID, "key", "k0"), api.LabelUpdate{Value: &tc.value})
		}
	}
}

func TestLabelKeyUnique(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	other := h.createOrg(t, owner.Token, api.PlanTeam)
	body := api.LabelCreate{Key: "example.com/team", Value: "a"}
	h.expect(t, http.StatusCreated, owner.Token, http.MethodPost, path(api.PathLabels, "org_id", org.ID), body)
	body.Value = "b"
	p := h.expectProblem(t, http.StatusConflict, api.ProblemConflict, owner.Token, http.MethodPost, path(api.PathLabels, "org_id", org.ID), body)
	if !strings.Contains(p.Detail, body.Key) {
		t.Errorf("the conflict does not name the key: %q", p.Detail)
	}
	got := decode[api.Label](t, h.expect(t, http.StatusOK, owner.Token, http.MethodGet, path(api.PathLabel, "org_id", org.ID, "key", body.Key), nil))
	if got.Value != "a" {
		t.Errorf("the refused duplicate changed the label: %+v", got)
	}
	// Unique in the organization, not across organizations.
	h.expect(t, http.StatusCreated, owner.Token, http.MethodPost, path(api.PathLabels, "org_id", other.ID), body)
}

func TestInvitationLifecycle(t *testing.T) {
	t.Parallel()
	const ttl = time.Hour
	h := newHarness(t, servertest.WithInvitationTTL(ttl))
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)

	t.Run("expired invitations cannot be accepted", func(t *testing.T) {
		email := h.email()
		inv, code := h.createInvitation(t, owner.Token, org.ID, email, api.RoleAdmin)
		if inv.Status != api.InvitationPending || inv.ExpiresAt.Sub(inv.CreatedAt).Round(time.Second) != ttl {
			t.Fatalf("new invitation: %+v, want pending and expiring after %s", inv, ttl)
		}
		h.Clock.Advance(ttl + time.Second)
		h.expectProblem(t, http.StatusConflict, api.ProblemInvitationExpired, anonymous, http.MethodPost, api.PathInvitationAccept, api.InvitationAccept{Code: code})
		got := decode[api.Invitation](t, h.expect(t, http.StatusOK, owner.Token, http.MethodGet, path(api.PathInvitation, "org_id", org.ID, "invitation_id", inv.ID), nil))
		if got.Status != api.InvitationExpired {
			t.Errorf("an invitation past its expiry reads %s", got.Status)
		}
		h.expect(t, http.StatusNotFound, owner.Token, http.MethodGet, path(api.PathMember, "org_id", org.ID, "email", email), nil)
	})

	t.Run("accepting makes a member, creating the user", func(t *testing.T) {
		email := h.email()
		inv, code := h.createInvitation(t, owner.Token, org.ID, email, api.RoleBiller)
		h.Clock.Advance(ttl - time.Minute)
		acc := h.acceptInvitation(t, code)
		if acc.Member.Role != api.RoleBiller || !strings.EqualFold(acc.Member.Email, email) || acc.Token == "" || acc.User.ID == "" {
			t.Fatalf("acceptance: %+v", acc)
		}
		h.expect(t, http.StatusOK, acc.Token, http.MethodGet, path(api.PathUsage, "org_id", org.ID), nil)
		got := decode[api.Invitation](t, h.expect(t, http.StatusOK, owner.Token, http.MethodGet, path(api.PathInvitation, "org_id", org.ID, "invitation_id", inv.ID), nil))
		if got.Status != api.InvitationAccepted || got.AcceptedAt == nil {
			t.Errorf("an accepted invitation reads %+v", got)
		}
		// A code works once.
		r := h.do(t, anonymous, http.MethodPost, api.PathInvitationAccept, api.InvitationAccept{Code: code})
		if r.Status < 400 {
			t.Errorf("a used code was accepted again: %s", r)
		}
	})

	t.Run("an existing user keeps their account and gets no new token", func(t *testing.T) {
		u := h.signup(t)
		_, code := h.createInvitation(t, owner.Token, org.ID, strings.ToUpper(u.Email), api.RoleMember)
		acc := h.acceptInvitation(t, code)
		if acc.User.ID != u.ID || acc.Token != "" {
			t.Fatalf("acceptance by an existing user: %+v", acc)
		}
		h.expect(t, http.StatusOK, u.Token, http.MethodGet, path(api.PathOrganization, "org_id", org.ID), nil)
	})

	t.Run("resend sends a new code; a cancelled invitation cannot be accepted", func(t *testing.T) {
		inv, first := h.createInvitation(t, owner.Token, org.ID, h.email(), api.RoleMember)
		sent := len(h.invitationEmails())
		h.Clock.Advance(api.InvitationResendInterval)
		h.expect(t, http.StatusOK, owner.Token, http.MethodPost, path(api.PathInvitationResend, "org_id", org.ID, "invitation_id", inv.ID), nil)
		if len(h.invitationEmails()) != sent+1 {
			t.Fatalf("resend sent %d emails, want 1", len(h.invitationEmails())-sent)
		}
		second := h.invitationCode(t, inv.ID)
		h.expect(t, http.StatusNoContent, owner.Token, http.MethodDelete, path(api.PathInvitation, "org_id", org.ID, "invitation_id", inv.ID), nil)
		for _, code := range []string{first, second} {
			h.expectProblem(t, http.StatusNotFound, api.ProblemNotFound, anonymous, http.MethodPost, api.PathInvitationAccept, api.InvitationAccept{Code: code})
		}
	})

	t.Run("an unknown code", func(t *testing.T) {
		h.expectProblem(t, http.StatusNotFound, api.ProblemNotFound, anonymous, http.MethodPost, api.PathInvitationAccept, api.InvitationAccept{Code: "orgs_inv_" + h.unique("x")})
	})
}

func TestDefaultInvitationTTL(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	inv, _ := h.createInvitation(t, owner.Token, org.ID, h.email(), api.RoleMember)
	if got := inv.ExpiresAt.Sub(inv.CreatedAt).Round(time.Second); got != 7*24*time.Hour {
		t.Fatalf("an invitation lives %s by default, want 7 days", got)
	}
}

// TestEnvironmentRoles: a member sees an environment only once granted a role in it.
func TestEnvironmentRoles(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	w := h.newWorld(t, api.PlanTeam)
	memberPath := path(api.PathMember, "org_id", w.Org.ID, "email", w.Member.Email)
	envPath := func(id string) string { return path(api.PathEnvironment, "org_id", w.Org.ID, "environment_id", id) }
	listed := func() []string {
		var ids []string
		for _, e := range listAll[api.Environment](t, h, w.Member.Token, path(api.PathEnvironments, "org_id", w.Org.ID), 0) {
			ids = append(ids, e.ID)
		}
		return ids
	}

	h.expect(t, http.StatusForbidden, w.Member.Token, http.MethodGet, envPath(w.Environment.ID), nil)
	if ids := listed(); len(ids) != 0 {
		t.Fatalf("a member without environment roles lists %v", ids)
	}

	roles := map[string]api.EnvironmentRole{w.Environment.ID: api.EnvironmentRoleRead}
	m := decode[api.Member](t, h.expect(t, http.StatusOK, w.Admin.Token, http.MethodPatch, memberPath, api.MemberUpdate{EnvironmentRoles: &roles}))
	if m.EnvironmentRoles[w.Environment.ID] != api.EnvironmentRoleRead {
		t.Fatalf("member after the grant: %+v", m)
	}
	h.expect(t, http.StatusOK, w.Member.Token, http.MethodGet, envPath(w.Environment.ID), nil)
	h.expect(t, http.StatusForbidden, w.Member.Token, http.MethodGet, envPath(w.DefaultEnvID), nil)
	if ids := listed(); !slices.Equal(ids, []string{w.Environment.ID}) {
		t.Fatalf("a member granted one environment lists %v", ids)
	}

	// Grants name environments of this organization, with a known role.
	for name, bad := range map[string]map[string]api.EnvironmentRole{
		"unknown environment":    {"env_" + h.unique("nope"): api.EnvironmentRoleRead},
		"another organization's": {otherEnvironment(t, h, w): api.EnvironmentRoleRead},
		"unknown role":           {w.Environment.ID: "write"},
	} {
		t.Run(name, func(t *testing.T) {
			h.expect(t, http.StatusUnprocessableEntity, w.Owner.Token, http.MethodPatch, memberPath, api.MemberUpdate{EnvironmentRoles: &bad})
		})
	}

	// Deleting the environment drops the grant.
	h.expect(t, http.StatusNoContent, w.Owner.Token, http.MethodDelete, envPath(w.Environment.ID), nil)
	m = decode[api.Member](t, h.expect(t, http.StatusOK, w.Owner.Token, http.MethodGet, memberPath, nil))
	if len(m.EnvironmentRoles) != 0 {
		t.Fatalf("a deleted environment is still granted: %+v", m.EnvironmentRoles)
	}
}

func otherEnvironment(tb testing.TB, h *harness, w *world) string {
	tb.Helper()
	return h.createEnvironment(tb, w.Outsider.Token, w.OtherOrg.ID).ID
}

// TestEmailsAreCaseInsensitive: an email is one user whatever its case, stored as first given.
func TestEmailsAreCaseInsensitive(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	email := "Mixed.Case-" + h.unique("x") + "@Example.test"
	u := h.signupAs(t, email)
	if u.Email != email {
		t.Errorf("signup stored %q, want %q as given", u.Email, email)
	}
	// Signing up again with the address, in any case, makes an unproven account that holds nothing;
	// the address stays the first user's (TestSignupRevealsNothing).
	again := h.signupUnverified(t, strings.ToLower(email))
	h.expect(t, http.StatusConflict, again.Token, http.MethodPost, api.PathVerifyEmail, api.EmailVerification{Code: h.verificationCode(t, again.ID)})

	m := h.addMember(t, owner.Token, org.ID, strings.ToUpper(email), api.RoleMember)
	if m.Email != email || m.UserID != u.ID {
		t.Errorf("added member %+v, want user %s with email %q", m, u.ID, email)
	}
	h.expectProblem(t, http.StatusConflict, api.ProblemConflict, owner.Token, http.MethodPost, path(api.PathMembers, "org_id", org.ID), api.MemberCreate{Email: strings.ToLower(email), Role: api.RoleMember})
	for _, variant := range []string{email, strings.ToLower(email), strings.ToUpper(email)} {
		got := decode[api.Member](t, h.expect(t, http.StatusOK, owner.Token, http.MethodGet, path(api.PathMember, "org_id", org.ID, "email", variant), nil))
		if got.UserID != u.ID {
			t.Errorf("GET member %s: %+v", variant, got)
		}
	}
	h.expectProblem(t, http.StatusUnprocessableEntity, api.ProblemInvalid, anonymous, http.MethodPost, api.PathUsers, api.SignupRequest{Email: "Someone <a@example.test>"})
}

// TestTokensNeverOwner: an organization token never carries the owner role.
func TestTokensNeverOwner(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	h.expectProblem(t, http.StatusUnprocessableEntity, api.ProblemInvalid, owner.Token, http.MethodPost, path(api.PathAPITokens, "org_id", org.ID),
		api.APITokenCreate{Name: "owner", Role: api.RoleOwner})
	if n := len(listAll[api.APIToken](t, h, owner.Token, path(api.PathAPITokens, "org_id", org.ID), 0)); n != 0 {
		t.Fatalf("%d tokens after a refused create", n)
	}
}

// TestActivity: every change is recorded with who did it; members read it.
func TestActivity(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	w := h.newWorld(t, api.PlanTeam)
	label := decode[api.Label](t, h.expect(t, http.StatusCreated, w.TokenAdmin.Token, http.MethodPost, path(api.PathLabels, "org_id", w.Org.ID), h.labelBody()))
	v := "changed"
	h.expect(t, http.StatusOK, w.Admin.Token, http.MethodPatch, path(api.PathLabel, "org_id", w.Org.ID, "key", label.Key), api.LabelUpdate{Value: &v})
	h.expect(t, http.StatusNoContent, w.Owner.Token, http.MethodDelete, path(api.PathLabel, "org_id", w.Org.ID, "key", label.Key), nil)

	entries := listAll[api.ActivityEntry](t, h, w.Member.Token, path(api.PathActivity, "org_id", w.Org.ID), 0)
	want := []struct{ actorType, actorID, action string }{
		{"token", w.TokenAdmin.ID, "label.create"},
		{"user", w.Admin.ID, "label.update"},
		{"user", w.Owner.ID, "label.delete"},
		{"user", w.Owner.ID, "organization.create"},
		{"user", w.Owner.ID, "member.create"},
		{"user", w.Owner.ID, "api_token.create"},
		{"user", w.Owner.ID, "container_registry.create"},
		{"user", w.Owner.ID, "invitation.create"},
		{"user", w.Owner.ID, "environment.create"},
	}
	for _, wt := range want {
		if !slices.ContainsFunc(entries, func(e api.ActivityEntry) bool {
			return e.ActorType == wt.actorType && e.ActorID == wt.actorID && e.Action == wt.action && e.OrganizationID == w.Org.ID && !e.At.IsZero()
		}) {
			t.Errorf("no activity entry %+v in %+v", wt, entries)
		}
	}
	for _, e := range entries {
		if e.ObjectType == "" || e.ObjectID == "" || e.ID == "" {
			t.Errorf("incomplete activity entry %+v", e)
		}
	}
}

// TestEnvironmentSlugs: a slug given is kept as given, after being checked, and must be free; a slug left
// out is derived from the name, with -2, -3... when that one is taken.
func TestEnvironmentSlugs(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanEnterprise)
	envs := path(api.PathEnvironments, "org_id", org.ID)
	create := func(body api.EnvironmentCreate) api.Environment {
		t.Helper()
		return decode[api.Environment](t, h.expect(t, http.StatusCreated, owner.Token, http.MethodPost, envs, body))
	}
	if e := create(api.EnvironmentCreate{Name: "Staging Europe", Slug: "stg-eu"}); e.Slug != "stg-eu" {
		t.Errorf("slug given as stg-eu, stored as %q", e.Slug)
	}
	for i, want := range []string{"eu-west-2", "eu-west-2-2", "eu-west-2-3"} {
		if e := create(api.EnvironmentCreate{Name: "EU West 2"}); e.Slug != want {
			t.Errorf("environment %d named EU West 2 without a slug: slug %q, want %q", i+1, e.Slug, want)
		}
	}
	p := h.expectProblem(t, http.StatusUnprocessableEntity, api.ProblemInvalid, owner.Token, http.MethodPost, envs,
		api.EnvironmentCreate{Name: "Bad", Slug: "Not_A_Slug"})
	if len(p.Errors) != 1 || p.Errors[0].Location != "body.slug" {
		t.Errorf("an invalid slug: %+v, want one error at body.slug", p)
	}
	h.expectProblem(t, http.StatusConflict, api.ProblemConflict, owner.Token, http.MethodPost, envs,
		api.EnvironmentCreate{Name: "Again", Slug: "stg-eu"})
}

// TestPlanLimitsAsDocumented: the plan limits users read in the docs' table, by value (not through
// api.PlanLimits, which the server enforces and the docs are generated from: a changed limit must fail
// here, not move along with the test). Each plan's organization reports them as its usage limits.
func TestPlanLimitsAsDocumented(t *testing.T) {
	t.Parallel()
	documented := map[api.Plan]map[string]int64{
		api.PlanHobby:      {"members": 1, "environments": 1, "api_tokens": 2, "container_registries": 1, "labels": 10, "teams": 1},
		api.PlanStarter:    {"members": 3, "environments": 2, "api_tokens": 5, "container_registries": 3, "labels": 25, "teams": 3},
		api.PlanStartup:    {"members": 6, "environments": 5, "api_tokens": 10, "container_registries": 5, "labels": 50, "teams": 10},
		api.PlanTeam:       {"members": 100, "environments": 20, "api_tokens": 50, "container_registries": 20, "labels": 200, "teams": 50},
		api.PlanEnterprise: {"members": 10000, "environments": 100, "api_tokens": 500, "container_registries": 100, "labels": 1000, "teams": 500},
	}
	h := newHarness(t)
	for plan, limits := range documented {
		owner := h.signup(t)
		org := h.createOrg(t, owner.Token, plan)
		u := decode[api.Usage](t, h.expect(t, http.StatusOK, owner.Token, http.MethodGet, path(api.PathUsage, "org_id", org.ID), nil))
		got := map[string]int64{}
		for _, q := range u.Quantities {
			got[q.Name] = q.Limit
		}
		if !maps.Equal(got, limits) {
			t.Errorf("%s: usage limits %v, the docs say %v", plan, got, limits)
		}
	}
	if len(api.Plans) != len(documented) {
		t.Errorf("plans %v, the docs list %d", api.Plans, len(documented))
	}
}
