package server_test

import (
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// raceCase is a write by a victim racing the loss of the victim's right to make it.
type raceCase struct {
	name string
	// victimRole is the victim's role before the race; lose takes it away (run by another owner).
	victimRole api.Role
	lose       func(h *harness, owner user, orgID string, victim user) (*response, error)
	// write is the victim's write; its activity action names the entry it leaves when it commits.
	write  func(h *harness, victim user, orgID, labelKey string) (*response, error)
	action string
}

// TestAuthorizationRacesRoleChanges races a demotion or removal against the victim's writes: the
// delete of the organization, label creates and updates, token creates. A write that commits after the
// victim lost the right is a failure. The order of commits is read from the activity log, which every
// write appends to in its own transaction (for the organization delete: both cannot succeed, because
// after a delete there is nothing to demote).
func TestAuthorizationRacesRoleChanges(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin, member := api.RoleAdmin, api.RoleMember
	demote := func(to api.Role) func(*harness, user, string, user) (*response, error) {
		return func(h *harness, owner user, orgID string, victim user) (*response, error) {
			return h.send(owner.Token, http.MethodPatch, path(api.PathMember, "org_id", orgID, "email", victim.Email), api.MemberUpdate{Role: &to})
		}
	}
	remove := func(h *harness, owner user, orgID string, victim user) (*response, error) {
		return h.send(owner.Token, http.MethodDelete, path(api.PathMember, "org_id", orgID, "email", victim.Email), nil)
	}
	createLabel := func(h *harness, victim user, orgID, _ string) (*response, error) {
		return h.send(victim.Token, http.MethodPost, path(api.PathLabels, "org_id", orgID), h.labelBody())
	}
	updateLabel := func(h *harness, victim user, orgID, key string) (*response, error) {
		v := h.unique("v")
		return h.send(victim.Token, http.MethodPatch, path(api.PathLabel, "org_id", orgID, "key", key), api.LabelUpdate{Value: &v})
	}
	createToken := func(h *harness, victim user, orgID, _ string) (*response, error) {
		return h.send(victim.Token, http.MethodPost, path(api.PathAPITokens, "org_id", orgID), api.APITokenCreate{Name: h.unique("t"), Role: api.RoleMember})
	}
	deleteOrg := func(h *harness, victim user, orgID, _ string) (*response, error) {
		return h.send(victim.Token, http.MethodDelete, path(api.PathOrganization, "org_id", orgID), nil)
	}
	cases := []raceCase{
		{"demoted owner deletes the organization", api.RoleOwner, demote(admin), deleteOrg, ""},
		{"demoted admin creates a label", api.RoleAdmin, demote(member), createLabel, "label.create"},
		{"demoted admin updates a label", api.RoleAdmin, demote(member), updateLabel, "label.update"},
		{"removed admin creates a label", api.RoleAdmin, remove, createLabel, "label.create"},
		{"removed admin updates a label", api.RoleAdmin, remove, updateLabel, "label.update"},
		{"demoted admin creates a token", api.RoleAdmin, demote(member), createToken, "api_token.create"},
		{"removed admin creates a token", api.RoleAdmin, remove, createToken, "api_token.create"},
	}
	const rounds = 30 // per case: 210 races in all
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			lostFirst := 0
			for round := range rounds {
				owner := h.signup(t)
				org := h.createOrg(t, owner.Token, api.PlanTeam)
				victim := h.newMember(t, owner.Token, org.ID, tc.victimRole)
				label := h.createLabel(t, owner.Token, org.ID)

				lost, wrote := race(t,
					func() (*response, error) { return tc.lose(h, owner, org.ID, victim) },
					func() (*response, error) { return tc.write(h, victim, org.ID, label.Key) })
				lostOK, wroteOK := lost.Status < 300, wrote.Status < 300
				if tc.action == "" {
					if lostOK && wroteOK {
						t.Fatalf("round %d: both the demotion (%s) and the victim's write (%s) succeeded", round, lost, wrote)
					}
					if !wroteOK {
						lostFirst++
					}
					continue
				}
				if !lostOK {
					t.Fatalf("round %d: the owner's change failed: %s", round, lost)
				}
				entries := listAll[api.ActivityEntry](t, h, owner.Token, path(api.PathActivity, "org_id", org.ID), 0)
				// Newest first: a smaller index is a later commit.
				lostAt := slices.IndexFunc(entries, func(e api.ActivityEntry) bool {
					return e.ActorID == owner.ID && (e.Action == "member.update" || e.Action == "member.delete") && e.ObjectID == victim.ID
				})
				wroteAt := slices.IndexFunc(entries, func(e api.ActivityEntry) bool { return e.ActorID == victim.ID && e.Action == tc.action })
				if lostAt < 0 {
					t.Fatalf("round %d: no activity entry for the owner's change", round)
				}
				if wroteOK != (wroteAt >= 0) {
					t.Fatalf("round %d: the write answered %s but its activity entry is at %d", round, wrote, wroteAt)
				}
				if wroteOK && wroteAt < lostAt {
					t.Fatalf("round %d: the victim's %s committed after they lost the right (%s): %s", round, tc.action, lost, wrote)
				}
				if !wroteOK {
					lostFirst++
				}
			}
			t.Logf("%d of %d rounds had the loss commit first", lostFirst, rounds)
		})
	}
}

// TestTokenPowerIsAtMostItsCreators: what an organization token may do is, at every request, what both
// its own role and its creator's current role allow. An admin cannot make a biller token (billing is
// not an admin right); an admin demoted to member keeps tokens that can do no more than a member, and
// cannot mint admin tokens with them.
func TestTokenPowerIsAtMostItsCreators(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	orgPath := path(api.PathOrganization, "org_id", org.ID)
	tokens := path(api.PathAPITokens, "org_id", org.ID)
	admin := h.newMember(t, owner.Token, org.ID, api.RoleAdmin)

	t.Run("an admin cannot give a token billing", func(t *testing.T) {
		h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, admin.Token, http.MethodPost, tokens, api.APITokenCreate{Name: "biller", Role: api.RoleBiller})
		adminToken := h.createAPIToken(t, admin.Token, org.ID, api.RoleAdmin)
		h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, adminToken.Token, http.MethodPost, tokens, api.APITokenCreate{Name: "biller", Role: api.RoleBiller})
	})

	t.Run("a biller token made by an owner who is now an admin cannot change the plan", func(t *testing.T) {
		second := h.newMember(t, owner.Token, org.ID, api.RoleOwner)
		billerToken := h.createAPIToken(t, second.Token, org.ID, api.RoleBiller)
		plan := api.PlanEnterprise
		h.expect(t, http.StatusOK, billerToken.Token, http.MethodPatch, orgPath, api.OrganizationUpdate{Plan: &plan})
		role := api.RoleAdmin
		h.expect(t, http.StatusOK, owner.Token, http.MethodPatch, path(api.PathMember, "org_id", org.ID, "email", second.Email), api.MemberUpdate{Role: &role})
		plan = api.PlanTeam
		h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, billerToken.Token, http.MethodPatch, orgPath, api.OrganizationUpdate{Plan: &plan})
		// What both roles allow still works.
		h.expect(t, http.StatusOK, billerToken.Token, http.MethodGet, path(api.PathUsage, "org_id", org.ID), nil)
	})

	t.Run("an admin demoted to member keeps no admin power in their tokens", func(t *testing.T) {
		demoted := h.newMember(t, owner.Token, org.ID, api.RoleAdmin)
		adminToken := h.createAPIToken(t, demoted.Token, org.ID, api.RoleAdmin)
		h.createLabel(t, adminToken.Token, org.ID)
		role := api.RoleMember
		h.expect(t, http.StatusOK, owner.Token, http.MethodPatch, path(api.PathMember, "org_id", org.ID, "email", demoted.Email), api.MemberUpdate{Role: &role})
		h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, adminToken.Token, http.MethodPost, path(api.PathLabels, "org_id", org.ID), h.labelBody())
		h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, adminToken.Token, http.MethodPost, tokens, api.APITokenCreate{Name: "minted", Role: api.RoleAdmin})
		h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, adminToken.Token, http.MethodGet, tokens, nil)
		// What a member may do, the token still may.
		h.expect(t, http.StatusOK, adminToken.Token, http.MethodGet, path(api.PathLabels, "org_id", org.ID), nil)
		for _, tok := range listAll[api.APIToken](t, h, owner.Token, tokens, 0) {
			if tok.Name == "minted" {
				t.Fatalf("a demoted admin's token minted %+v", tok)
			}
		}
	})
}

// TestAuthorizationRacesRevokedTokens races the death of an organization API token against the token's
// own writes: the owner revokes it, or removes the admin who created it, while the token creates or
// updates a label or creates a token. Authentication has already let the write in; it then waits for the
// committer, and must read the credential again inside its transaction: a write that commits after its
// credential died is a failure. The order of commits is read from the activity log, where the
// revocation (api_token.delete), the removal (member.delete) and the token's write each leave an entry
// in their own transaction.
func TestAuthorizationRacesRevokedTokens(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	revoke := func(h *harness, owner user, orgID string, token api.APIToken, _ user) (*response, error) {
		return h.send(owner.Token, http.MethodDelete, path(api.PathAPIToken, "org_id", orgID, "token_id", token.ID), nil)
	}
	removeCreator := func(h *harness, owner user, orgID string, _ api.APIToken, creator user) (*response, error) {
		return h.send(owner.Token, http.MethodDelete, path(api.PathMember, "org_id", orgID, "email", creator.Email), nil)
	}
	createLabel := func(h *harness, token api.APIToken, orgID, _ string) (*response, error) {
		return h.send(token.Token, http.MethodPost, path(api.PathLabels, "org_id", orgID), h.labelBody())
	}
	updateLabel := func(h *harness, token api.APIToken, orgID, key string) (*response, error) {
		v := h.unique("v")
		return h.send(token.Token, http.MethodPatch, path(api.PathLabel, "org_id", orgID, "key", key), api.LabelUpdate{Value: &v})
	}
	createToken := func(h *harness, token api.APIToken, orgID, _ string) (*response, error) {
		return h.send(token.Token, http.MethodPost, path(api.PathAPITokens, "org_id", orgID), api.APITokenCreate{Name: h.unique("t"), Role: api.RoleMember})
	}
	cases := []struct {
		name string
		// die ends the token (run by the owner); dieAction and dieObject find its activity entry.
		die       func(h *harness, owner user, orgID string, token api.APIToken, creator user) (*response, error)
		dieAction string
		byCreator bool // dieObject is the creator, not the token
		write     func(h *harness, token api.APIToken, orgID, labelKey string) (*response, error)
		action    string
	}{
		{"revoked token creates a label", revoke, "api_token.delete", false, createLabel, "label.create"},
		{"revoked token updates a label", revoke, "api_token.delete", false, updateLabel, "label.update"},
		{"revoked token creates a token", revoke, "api_token.delete", false, createToken, "api_token.create"},
		{"token whose creator was removed creates a label", removeCreator, "member.delete", true, createLabel, "label.create"},
	}
	const rounds = 30 // per case: 120 races in all
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			diedFirst := 0
			for round := range rounds {
				owner := h.signup(t)
				org := h.createOrg(t, owner.Token, api.PlanTeam)
				creator := h.newMember(t, owner.Token, org.ID, api.RoleAdmin)
				token := h.createAPIToken(t, creator.Token, org.ID, api.RoleAdmin)
				label := h.createLabel(t, owner.Token, org.ID)
				// The token is known to the server's authentication before the race (a read warms the
				// path every later request takes).
				h.expect(t, http.StatusOK, token.Token, http.MethodGet, path(api.PathOrganization, "org_id", org.ID), nil)

				died, wrote := race(t,
					func() (*response, error) { return tc.die(h, owner, org.ID, token, creator) },
					func() (*response, error) { return tc.write(h, token, org.ID, label.Key) })
				if died.Status >= 300 {
					t.Fatalf("round %d: the owner's %s failed: %s", round, tc.dieAction, died)
				}
				dieObject := token.ID
				if tc.byCreator {
					dieObject = creator.ID
				}
				entries := listAll[api.ActivityEntry](t, h, owner.Token, path(api.PathActivity, "org_id", org.ID), 0)
				// Newest first: a smaller index is a later commit.
				diedAt := slices.IndexFunc(entries, func(e api.ActivityEntry) bool {
					return e.ActorID == owner.ID && e.Action == tc.dieAction && e.ObjectID == dieObject
				})
				wroteAt := slices.IndexFunc(entries, func(e api.ActivityEntry) bool { return e.ActorID == token.ID && e.Action == tc.action })
				if diedAt < 0 {
					t.Fatalf("round %d: no activity entry for the owner's %s", round, tc.dieAction)
				}
				wroteOK := wrote.Status < 300
				if wroteOK != (wroteAt >= 0) {
					t.Fatalf("round %d: the write answered %s but its activity entry is at %d", round, wrote, wroteAt)
				}
				if wroteOK && wroteAt < diedAt {
					t.Fatalf("round %d: the token's %s committed after its credential died (%s): %s", round, tc.action, died, wrote)
				}
				if !wroteOK {
					if wrote.Status != http.StatusUnauthorized {
						t.Fatalf("round %d: the dead token's write was refused with %s; want 401", round, wrote)
					}
					diedFirst++
				}
			}
			t.Logf("%d of %d rounds had the token die first", diedFirst, rounds)
		})
	}
}

// race sends two requests at the same moment and returns their responses, each checked against the
// problem+json contract; a request that could not be sent fails the test.
func race(t *testing.T, first, second func() (*response, error)) (*response, *response) {
	t.Helper()
	var a, b *response
	start := make(chan struct{})
	var wg sync.WaitGroup
	for _, call := range []struct {
		send func() (*response, error)
		into **response
	}{{first, &a}, {second, &b}} {
		wg.Go(func() {
			<-start
			r, err := call.send()
			if err != nil {
				t.Error(err)
				return
			}
			*call.into = r
		})
	}
	close(start)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	checkResponse(t, a)
	checkResponse(t, b)
	return a, b
}

// TestAuthorizationRacesTeamGrants races the loss of a team's admin grant against its member's writes:
// the owner removes the member from the team, deletes the team, or changes its grant to member, while
// the member (whose own role is member) creates a label through their own account or through an admin
// token they made while the grant held. Effective rights are read inside the write's transaction, so a
// label created after the loss committed is a failure. The order of commits is read from the activity
// log, as in the races above.
func TestAuthorizationRacesTeamGrants(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	removeFromTeam := func(h *harness, owner user, orgID string, team api.Team, victim user) (*response, error) {
		return h.send(owner.Token, http.MethodDelete, path(api.PathTeamMember, "org_id", orgID, "team_slug", team.Slug, "email", victim.Email), nil)
	}
	deleteTeam := func(h *harness, owner user, orgID string, team api.Team, _ user) (*response, error) {
		return h.send(owner.Token, http.MethodDelete, path(api.PathTeam, "org_id", orgID, "team_slug", team.Slug), nil)
	}
	changeGrant := func(h *harness, owner user, orgID string, team api.Team, _ user) (*response, error) {
		role := api.RoleMember
		return h.send(owner.Token, http.MethodPatch, path(api.PathTeam, "org_id", orgID, "team_slug", team.Slug), api.TeamUpdate{Role: &role})
	}
	type loss struct {
		name string
		lose func(h *harness, owner user, orgID string, team api.Team, victim user) (*response, error)
		// action and object find the loss's activity entry (object: the victim's user id when true).
		action   string
		byMember bool
	}
	losses := []loss{
		{"removed from the team", removeFromTeam, "team_member.delete", true},
		{"team deleted", deleteTeam, "team.delete", false},
		{"grant changed to member", changeGrant, "team.update", false},
	}
	const rounds = 30 // per case: 180 races in all
	for _, l := range losses {
		for _, viaToken := range []bool{false, true} {
			name := l.name + ", writing through their own account"
			if viaToken {
				name = l.name + ", writing through their admin token"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				lostFirst := 0
				for round := range rounds {
					owner := h.signup(t)
					org := h.createOrg(t, owner.Token, api.PlanTeam)
					victim := h.newMember(t, owner.Token, org.ID, api.RoleMember)
					team := h.createTeam(t, owner.Token, org.ID, api.TeamCreate{Name: h.unique("Admins"), Role: api.RoleAdmin})
					h.addTeamMember(t, owner.Token, org.ID, team.Slug, victim.Email, api.TeamRoleMember)
					cred, actor := victim.Token, victim.ID
					if viaToken {
						token := h.createAPIToken(t, victim.Token, org.ID, api.RoleAdmin)
						cred, actor = token.Token, token.ID
					}
					// The caller's standing is known to the read path before the race.
					h.expect(t, http.StatusOK, cred, http.MethodGet, path(api.PathOrganization, "org_id", org.ID), nil)

					lost, wrote := race(t,
						func() (*response, error) { return l.lose(h, owner, org.ID, team, victim) },
						func() (*response, error) {
							return h.send(cred, http.MethodPost, path(api.PathLabels, "org_id", org.ID), h.labelBody())
						})
					if lost.Status >= 300 {
						t.Fatalf("round %d: the owner's change failed: %s", round, lost)
					}
					object := team.Slug
					if l.byMember {
						object = team.Slug + "/" + victim.ID
					}
					entries := listAll[api.ActivityEntry](t, h, owner.Token, path(api.PathActivity, "org_id", org.ID), 0)
					// Newest first: a smaller index is a later commit.
					lostAt := slices.IndexFunc(entries, func(e api.ActivityEntry) bool {
						return e.ActorID == owner.ID && e.Action == l.action && e.ObjectID == object
					})
					wroteAt := slices.IndexFunc(entries, func(e api.ActivityEntry) bool { return e.ActorID == actor && e.Action == "label.create" })
					if lostAt < 0 {
						t.Fatalf("round %d: no activity entry for the owner's %s", round, l.action)
					}
					wroteOK := wrote.Status < 300
					if wroteOK != (wroteAt >= 0) {
						t.Fatalf("round %d: the write answered %s but its activity entry is at %d", round, wrote, wroteAt)
					}
					if wroteOK && wroteAt < lostAt {
						t.Fatalf("round %d: the member's label committed after the team's grant was gone (%s): %s", round, lost, wrote)
					}
					if !wroteOK {
						if wrote.Status != http.StatusForbidden {
							t.Fatalf("round %d: the write after the loss was refused with %s; want 403", round, wrote)
						}
						lostFirst++
					}
				}
				t.Logf("%d of %d rounds had the loss commit first", lostFirst, rounds)
			})
		}
	}
}
