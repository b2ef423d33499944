package server_test

import (
	"bytes"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// matrixRow is one operation of the API with the status each principal must get.
type matrixRow struct {
	name string
	op   operation
	want [principalCount]int
	// prepare returns path parameters (over the world's own) and the body. Calls that consume or change
	// what they address get fresh objects, so every cell sees the same starting point.
	prepare func(tb testing.TB, h *harness, w *world, p principal) (map[string]string, any)
	// fresh: the call consumes the whole world (deleting the organization), so each cell gets its own.
	fresh bool
}

func noPrep(testing.TB, *harness, *world, principal) (map[string]string, any) { return nil, nil }

// validBodyOf prepares the body validBody gives op.
func validBodyOf(op operation) func(testing.TB, *harness, *world, principal) (map[string]string, any) {
	return func(tb testing.TB, h *harness, w *world, _ principal) (map[string]string, any) {
		return nil, h.validBody(tb, w, op)
	}
}

func withBody(body func(h *harness) any) func(testing.TB, *harness, *world, principal) (map[string]string, any) {
	return func(_ testing.TB, h *harness, _ *world, _ principal) (map[string]string, any) { return nil, body(h) }
}

// matrixRows is the role matrix. The decisions it encodes (SPEC.md "Membership and roles"):
//   - owner: everything;
//   - admin: everything except billing (plan change), deleting the organization, and granting or taking
//     away the owner role (adding, inviting or promoting an owner; demoting or removing one);
//   - member: reads the organization, its members, labels, registries and activity; not usage, tokens or
//     invitations; environments only where granted a role (see TestEnvironmentRoles);
//   - biller: reads the organization, its members, usage and activity, and changes the plan;
//   - an organization token acts with its role in its organization only, lists only that organization,
//     and is refused (403) by the user-level endpoints (/user, creating organizations);
//   - a user of another organization gets 404 for everything in this one; no credential gets 401.
func matrixRows() []matrixRow {
	const (
		ok      = http.StatusOK
		created = http.StatusCreated
		deleted = http.StatusNoContent
		accept  = acceptStatus
		no      = http.StatusForbidden
		hidden  = http.StatusNotFound
		anon    = http.StatusUnauthorized
	)
	get := func(route string) operation { return operation{http.MethodGet, route} }
	post := func(route string) operation { return operation{http.MethodPost, route} }
	patch := func(route string) operation { return operation{http.MethodPatch, route} }
	del := func(route string) operation { return operation{http.MethodDelete, route} }

	freshMember := func(role api.Role) func(testing.TB, *harness, *world, principal) (map[string]string, any) {
		return func(tb testing.TB, h *harness, w *world, _ principal) (map[string]string, any) {
			u := h.newMember(tb, w.Owner.Token, w.Org.ID, role)
			return map[string]string{"email": u.Email}, nil
		}
	}
	ownPAT := func(tb testing.TB, h *harness, w *world, p principal) (map[string]string, any) {
		if u, ok := w.userOf(p); ok {
			return map[string]string{"token_id": h.createPersonalToken(tb, u.Token).ID}, nil
		}
		return map[string]string{"token_id": w.OwnerPAT.ID}, nil
	}

	//                                                       owner    admin    member   biller   tok-adm  tok-mem  tok-bil  outsider anon
	return []matrixRow{
		{name: "read the OpenAPI document", op: get(api.PathOpenAPI), want: [principalCount]int{ok, ok, ok, ok, ok, ok, ok, ok, ok}, prepare: noPrep},
		{name: "sign up", op: post(api.PathUsers), want: [principalCount]int{created, created, created, created, created, created, created, created, created},
			prepare: withBody(func(h *harness) any { return api.SignupRequest{Email: h.email()} })},
		{name: "accept an invitation", op: post(api.PathInvitationAccept), want: [principalCount]int{accept, accept, accept, accept, accept, accept, accept, accept, accept},
			prepare: func(tb testing.TB, h *harness, w *world, _ principal) (map[string]string, any) {
				_, code := h.createInvitation(tb, w.Owner.Token, w.Org.ID, h.email(), api.RoleMember)
				return nil, api.InvitationAccept{Code: code}
			}},

		{name: "read the current user", op: get(api.PathCurrentUser), want: [principalCount]int{ok, ok, ok, ok, no, no, no, ok, anon}, prepare: noPrep},
		{name: "list personal tokens", op: get(api.PathPersonalTokens), want: [principalCount]int{ok, ok, ok, ok, no, no, no, ok, anon}, prepare: noPrep},
		{name: "create a personal token", op: post(api.PathPersonalTokens), want: [principalCount]int{created, created, created, created, no, no, no, created, anon},
			prepare: withBody(func(h *harness) any { return api.PersonalTokenCreate{Name: h.unique("pat")} })},
		{name: "read a personal token", op: get(api.PathPersonalToken), want: [principalCount]int{ok, ok, ok, ok, no, no, no, ok, anon}, prepare: ownPAT},
		{name: "delete a personal token", op: del(api.PathPersonalToken), want: [principalCount]int{deleted, deleted, deleted, deleted, no, no, no, deleted, anon}, prepare: ownPAT},

		{name: "verify the email address", op: post(api.PathVerifyEmail), want: [principalCount]int{ok, ok, ok, ok, no, no, no, ok, anon},
			prepare: func(tb testing.TB, h *harness, w *world, p principal) (map[string]string, any) {
				if _, ok := w.userOf(p); !ok {
					return nil, api.EmailVerification{Code: "orgs_ver_" + h.unique("x")}
				}
				// The world's users are verified: each cell proves a fresh sign-up's address instead.
				u := h.signupUnverified(tb, h.email())
				w.fresh[p] = u
				return nil, api.EmailVerification{Code: h.verificationCode(tb, u.ID)}
			}},
		{name: "list my memberships", op: get(api.PathMemberships), want: [principalCount]int{ok, ok, ok, ok, no, no, no, ok, anon}, prepare: noPrep},
		{name: "accept a membership", op: post(api.PathMembershipAccept), want: [principalCount]int{ok, ok, ok, ok, no, no, no, ok, anon},
			prepare: func(tb testing.TB, h *harness, w *world, p principal) (map[string]string, any) {
				if u, ok := w.userOf(p); ok {
					return map[string]string{"org_id": h.pendingMembership(tb, u)}, nil
				}
				return nil, nil
			}},
		{name: "decline a membership", op: post(api.PathMembershipDecline), want: [principalCount]int{deleted, deleted, deleted, deleted, no, no, no, deleted, anon},
			prepare: func(tb testing.TB, h *harness, w *world, p principal) (map[string]string, any) {
				if u, ok := w.userOf(p); ok {
					return map[string]string{"org_id": h.pendingMembership(tb, u)}, nil
				}
				return nil, nil
			}},

		// An organization token lists its own organization.
		{name: "list organizations", op: get(api.PathOrganizations), want: [principalCount]int{ok, ok, ok, ok, ok, ok, ok, ok, anon}, prepare: noPrep},
		{name: "create an organization", op: post(api.PathOrganizations), want: [principalCount]int{created, created, created, created, no, no, no, created, anon},
			prepare: withBody(func(h *harness) any { return h.orgCreateBody(api.PlanHobby) })},
		{name: "read the organization", op: get(api.PathOrganization), want: [principalCount]int{ok, ok, ok, ok, ok, ok, ok, hidden, anon}, prepare: noPrep},
		{name: "update the organization's settings", op: patch(api.PathOrganization), want: [principalCount]int{ok, ok, no, no, ok, no, no, hidden, anon},
			prepare: withBody(func(h *harness) any {
				name, description, on := h.unique("renamed"), h.unique("description"), true
				return api.OrganizationUpdate{Name: &name, Description: &description, Settings: &api.OrganizationSettingsUpdate{AIHintsEnabled: &on}}
			})},
		{name: "change the plan", op: patch(api.PathOrganization), want: [principalCount]int{ok, no, no, ok, no, no, ok, hidden, anon},
			prepare: func(tb testing.TB, h *harness, w *world, _ principal) (map[string]string, any) {
				// Always a real change, so that no server can call it a no-op and let it through.
				org := decode[api.Organization](tb, h.expect(tb, http.StatusOK, w.Owner.Token, http.MethodGet, path(api.PathOrganization, "org_id", w.Org.ID), nil))
				plan := api.PlanEnterprise
				if org.Plan == api.PlanEnterprise {
					plan = api.PlanTeam
				}
				return nil, api.OrganizationUpdate{Plan: &plan}
			}},
		{name: "delete the organization", op: del(api.PathOrganization), want: [principalCount]int{deleted, no, no, no, no, no, no, hidden, anon}, prepare: noPrep, fresh: true},

		{name: "list members", op: get(api.PathMembers), want: [principalCount]int{ok, ok, ok, ok, ok, ok, ok, hidden, anon}, prepare: noPrep},
		{name: "add a member", op: post(api.PathMembers), want: [principalCount]int{created, created, no, no, created, no, no, hidden, anon},
			prepare: func(tb testing.TB, h *harness, _ *world, _ principal) (map[string]string, any) {
				return nil, api.MemberCreate{Email: h.signup(tb).Email, Role: api.RoleMember}
			}},
		{name: "add an owner", op: post(api.PathMembers), want: [principalCount]int{created, no, no, no, no, no, no, hidden, anon},
			prepare: func(tb testing.TB, h *harness, _ *world, _ principal) (map[string]string, any) {
				return nil, api.MemberCreate{Email: h.signup(tb).Email, Role: api.RoleOwner}
			}},
		{name: "read a member", op: get(api.PathMember), want: [principalCount]int{ok, ok, ok, ok, ok, ok, ok, hidden, anon}, prepare: noPrep},
		{name: "change a member's role", op: patch(api.PathMember), want: [principalCount]int{ok, ok, no, no, ok, no, no, hidden, anon},
			prepare: func(tb testing.TB, h *harness, w *world, p principal) (map[string]string, any) {
				params, _ := freshMember(api.RoleMember)(tb, h, w, p)
				role := api.RoleAdmin
				return params, api.MemberUpdate{Role: &role}
			}},
		{name: "make a member owner", op: patch(api.PathMember), want: [principalCount]int{ok, no, no, no, no, no, no, hidden, anon},
			prepare: func(tb testing.TB, h *harness, w *world, p principal) (map[string]string, any) {
				params, _ := freshMember(api.RoleMember)(tb, h, w, p)
				role := api.RoleOwner
				return params, api.MemberUpdate{Role: &role}
			}},
		{name: "demote an owner", op: patch(api.PathMember), want: [principalCount]int{ok, no, no, no, no, no, no, hidden, anon},
			prepare: func(tb testing.TB, h *harness, w *world, p principal) (map[string]string, any) {
				params, _ := freshMember(api.RoleOwner)(tb, h, w, p)
				role := api.RoleAdmin
				return params, api.MemberUpdate{Role: &role}
			}},
		{name: "offer a membership again", op: post(api.PathMemberResend), want: [principalCount]int{ok, ok, no, no, ok, no, no, hidden, anon},
			prepare: func(tb testing.TB, h *harness, w *world, _ principal) (map[string]string, any) {
				u := h.signup(tb)
				h.addMember(tb, w.Owner.Token, w.Org.ID, u.Email, api.RoleMember)
				h.Clock.Advance(api.InvitationResendInterval) // the re-send throttle is not what this row tests
				return map[string]string{"email": u.Email}, nil
			}},
		{name: "remove a member", op: del(api.PathMember), want: [principalCount]int{deleted, deleted, no, no, deleted, no, no, hidden, anon}, prepare: freshMember(api.RoleMember)},
		{name: "remove an owner", op: del(api.PathMember), want: [principalCount]int{deleted, no, no, no, no, no, no, hidden, anon}, prepare: freshMember(api.RoleOwner)},

		{name: "list invitations", op: get(api.PathInvitations), want: [principalCount]int{ok, ok, no, no, ok, no, no, hidden, anon}, prepare: noPrep},
		{name: "invite a member", op: post(api.PathInvitations), want: [principalCount]int{created, created, no, no, created, no, no, hidden, anon},
			prepare: withBody(func(h *harness) any { return api.InvitationCreate{Email: h.email(), Role: api.RoleMember} })},
		{name: "invite an owner", op: post(api.PathInvitations), want: [principalCount]int{created, no, no, no, no, no, no, hidden, anon},
			prepare: withBody(func(h *harness) any { return api.InvitationCreate{Email: h.email(), Role: api.RoleOwner} })},
		{name: "read an invitation", op: get(api.PathInvitation), want: [principalCount]int{ok, ok, no, no, ok, no, no, hidden, anon}, prepare: noPrep},
		{name: "resend an invitation", op: post(api.PathInvitationResend), want: [principalCount]int{ok, ok, no, no, ok, no, no, hidden, anon},
			prepare: func(_ testing.TB, h *harness, _ *world, _ principal) (map[string]string, any) {
				h.Clock.Advance(api.InvitationResendInterval) // the re-send throttle is not what this row tests
				return nil, nil
			}},
		{name: "cancel an invitation", op: del(api.PathInvitation), want: [principalCount]int{deleted, deleted, no, no, deleted, no, no, hidden, anon},
			prepare: func(tb testing.TB, h *harness, w *world, _ principal) (map[string]string, any) {
				inv, _ := h.createInvitation(tb, w.Owner.Token, w.Org.ID, h.email(), api.RoleMember)
				return map[string]string{"invitation_id": inv.ID}, nil
			}},

		{name: "list API tokens", op: get(api.PathAPITokens), want: [principalCount]int{ok, ok, no, no, ok, no, no, hidden, anon}, prepare: noPrep},
		{name: "create an API token", op: post(api.PathAPITokens), want: [principalCount]int{created, created, no, no, created, no, no, hidden, anon},
			prepare: withBody(func(h *harness) any { return api.APITokenCreate{Name: h.unique("token"), Role: api.RoleMember} })},
		{name: "read an API token", op: get(api.PathAPIToken), want: [principalCount]int{ok, ok, no, no, ok, no, no, hidden, anon}, prepare: noPrep},
		{name: "shorten an API token", op: patch(api.PathAPIToken), want: [principalCount]int{ok, ok, no, no, ok, no, no, hidden, anon},
			prepare: func(tb testing.TB, h *harness, w *world, _ principal) (map[string]string, any) {
				id := h.createAPIToken(tb, w.Owner.Token, w.Org.ID, api.RoleMember).ID
				return map[string]string{"token_id": id}, api.APITokenUpdate{ExpiresAt: h.Clock.Now().Add(time.Hour)}
			}},
		{name: "delete an API token", op: del(api.PathAPIToken), want: [principalCount]int{deleted, deleted, no, no, deleted, no, no, hidden, anon},
			prepare: func(tb testing.TB, h *harness, w *world, _ principal) (map[string]string, any) {
				return map[string]string{"token_id": h.createAPIToken(tb, w.Owner.Token, w.Org.ID, api.RoleMember).ID}, nil
			}},

		{name: "list registries", op: get(api.PathContainerRegistries), want: [principalCount]int{ok, ok, ok, no, ok, ok, no, hidden, anon}, prepare: noPrep},
		{name: "create a registry", op: post(api.PathContainerRegistries), want: [principalCount]int{created, created, no, no, created, no, no, hidden, anon},
			prepare: withBody(func(h *harness) any { return h.registryBody() })},
		{name: "read a registry", op: get(api.PathContainerRegistry), want: [principalCount]int{ok, ok, ok, no, ok, ok, no, hidden, anon}, prepare: noPrep},
		{name: "update a registry", op: patch(api.PathContainerRegistry), want: [principalCount]int{ok, ok, no, no, ok, no, no, hidden, anon},
			prepare: withBody(func(h *harness) any { d := h.unique("d"); return api.ContainerRegistryUpdate{Description: &d} })},
		{name: "delete a registry", op: del(api.PathContainerRegistry), want: [principalCount]int{deleted, deleted, no, no, deleted, no, no, hidden, anon},
			prepare: func(tb testing.TB, h *harness, w *world, _ principal) (map[string]string, any) {
				reg, _ := h.createRegistry(tb, w.Owner.Token, w.Org.ID)
				return map[string]string{"registry_id": reg.ID}, nil
			}},

		{name: "list labels", op: get(api.PathLabels), want: [principalCount]int{ok, ok, ok, no, ok, ok, no, hidden, anon}, prepare: noPrep},
		{name: "create a label", op: post(api.PathLabels), want: [principalCount]int{created, created, no, no, created, no, no, hidden, anon},
			prepare: withBody(func(h *harness) any { return h.labelBody() })},
		{name: "read a label", op: get(api.PathLabel), want: [principalCount]int{ok, ok, ok, no, ok, ok, no, hidden, anon}, prepare: noPrep},
		{name: "update a label", op: patch(api.PathLabel), want: [principalCount]int{ok, ok, no, no, ok, no, no, hidden, anon},
			prepare: withBody(func(h *harness) any { v := h.unique("v"); return api.LabelUpdate{Value: &v} })},
		{name: "delete a label", op: del(api.PathLabel), want: [principalCount]int{deleted, deleted, no, no, deleted, no, no, hidden, anon},
			prepare: func(tb testing.TB, h *harness, w *world, _ principal) (map[string]string, any) {
				return map[string]string{"key": h.createLabel(tb, w.Owner.Token, w.Org.ID).Key}, nil
			}},

		// Bulk writes: the request needs a role that may write the collection; each item is then decided
		// as its own request would be (bulk_test.go).
		{name: "labels in bulk", op: post(api.PathBulkLabels), want: [principalCount]int{ok, ok, no, no, ok, no, no, hidden, anon},
			prepare: validBodyOf(post(api.PathBulkLabels))},
		{name: "members in bulk", op: post(api.PathBulkMembers), want: [principalCount]int{ok, ok, no, no, ok, no, no, hidden, anon},
			prepare: validBodyOf(post(api.PathBulkMembers))},
		{name: "invitations in bulk", op: post(api.PathBulkInvitations), want: [principalCount]int{ok, ok, no, no, ok, no, no, hidden, anon},
			prepare: validBodyOf(post(api.PathBulkInvitations))},

		{name: "list environments", op: get(api.PathEnvironments), want: [principalCount]int{ok, ok, ok, no, ok, ok, no, hidden, anon}, prepare: noPrep},
		{name: "create an environment", op: post(api.PathEnvironments), want: [principalCount]int{created, created, no, no, created, no, no, hidden, anon},
			prepare: withBody(func(h *harness) any { return h.environmentBody() })},
		{name: "read an environment", op: get(api.PathEnvironment), want: [principalCount]int{ok, ok, no, no, ok, no, no, hidden, anon}, prepare: noPrep},
		{name: "update an environment", op: patch(api.PathEnvironment), want: [principalCount]int{ok, ok, no, no, ok, no, no, hidden, anon},
			prepare: withBody(func(h *harness) any { n := h.unique("Env"); return api.EnvironmentUpdate{Name: &n} })},
		{name: "delete an environment", op: del(api.PathEnvironment), want: [principalCount]int{deleted, deleted, no, no, deleted, no, no, hidden, anon},
			prepare: func(tb testing.TB, h *harness, w *world, _ principal) (map[string]string, any) {
				return map[string]string{"environment_id": h.createEnvironment(tb, w.Owner.Token, w.Org.ID).ID}, nil
			}},

		{name: "list domains", op: get(api.PathDomains), want: [principalCount]int{ok, ok, ok, no, ok, ok, no, hidden, anon}, prepare: noPrep},
		{name: "claim a domain", op: post(api.PathDomains), want: [principalCount]int{created, created, no, no, created, no, no, hidden, anon},
			prepare: withBody(func(h *harness) any { return api.DomainCreate{Domain: h.unique("corp") + ".example.test"} })},
		{name: "read a domain", op: get(api.PathDomain), want: [principalCount]int{ok, ok, ok, no, ok, ok, no, hidden, anon}, prepare: noPrep},
		{name: "verify a domain", op: post(api.PathDomainVerify), want: [principalCount]int{ok, ok, no, no, ok, no, no, hidden, anon},
			prepare: func(tb testing.TB, h *harness, w *world, _ principal) (map[string]string, any) {
				d := h.createDomain(tb, w.Owner.Token, w.Org.ID)
				h.DNS.SetTXT(d.VerificationRecordName, d.VerificationRecordValue)
				return map[string]string{"domain": d.Domain}, nil
			}},
		{name: "remove a domain", op: del(api.PathDomain), want: [principalCount]int{deleted, deleted, no, no, deleted, no, no, hidden, anon},
			prepare: func(tb testing.TB, h *harness, w *world, _ principal) (map[string]string, any) {
				return map[string]string{"domain": h.createDomain(tb, w.Owner.Token, w.Org.ID).Domain}, nil
			}},

		// Every member reads teams, as they read members; owners and admins manage them. Managing a team's
		// membership is also open to its maintainers (TestTeamMaintainers): no principal here is one. The
		// biller is put in or taken out of the world's team (which grants nothing) as each cell needs.
		{name: "list teams", op: get(api.PathTeams), want: [principalCount]int{ok, ok, ok, ok, ok, ok, ok, hidden, anon}, prepare: noPrep},
		{name: "create a team", op: post(api.PathTeams), want: [principalCount]int{created, created, no, no, created, no, no, hidden, anon},
			prepare: withBody(func(h *harness) any { return h.teamBody() })},
		{name: "read a team", op: get(api.PathTeam), want: [principalCount]int{ok, ok, ok, ok, ok, ok, ok, hidden, anon}, prepare: noPrep},
		{name: "update a team", op: patch(api.PathTeam), want: [principalCount]int{ok, ok, no, no, ok, no, no, hidden, anon},
			prepare: withBody(func(h *harness) any { d := h.unique("d"); return api.TeamUpdate{Description: &d} })},
		{name: "delete a team", op: del(api.PathTeam), want: [principalCount]int{deleted, deleted, no, no, deleted, no, no, hidden, anon},
			prepare: func(tb testing.TB, h *harness, w *world, _ principal) (map[string]string, any) {
				return map[string]string{"team_slug": h.createTeam(tb, w.Owner.Token, w.Org.ID, h.teamBody()).Slug}, nil
			}},
		{name: "list team members", op: get(api.PathTeamMembers), want: [principalCount]int{ok, ok, ok, ok, ok, ok, ok, hidden, anon}, prepare: noPrep},
		{name: "add a team member", op: post(api.PathTeamMembers), want: [principalCount]int{created, created, no, no, created, no, no, hidden, anon},
			prepare: func(tb testing.TB, h *harness, w *world, _ principal) (map[string]string, any) {
				billerInTeam(tb, h, w, false)
				return nil, api.TeamMemberCreate{Email: w.Biller.Email}
			}},
		{name: "read a team member", op: get(api.PathTeamMember), want: [principalCount]int{ok, ok, ok, ok, ok, ok, ok, hidden, anon}, prepare: noPrep},
		{name: "change a team member's role", op: patch(api.PathTeamMember), want: [principalCount]int{ok, ok, no, no, ok, no, no, hidden, anon},
			prepare: func(tb testing.TB, h *harness, w *world, _ principal) (map[string]string, any) {
				billerInTeam(tb, h, w, true)
				role := api.TeamRoleMaintainer
				return map[string]string{"email": w.Biller.Email}, api.TeamMemberUpdate{Role: &role}
			}},
		{name: "remove a team member", op: del(api.PathTeamMember), want: [principalCount]int{deleted, deleted, no, no, deleted, no, no, hidden, anon},
			prepare: func(tb testing.TB, h *harness, w *world, p principal) (map[string]string, any) {
				if p == asBiller { // the biller removing themselves would be leaving
					return map[string]string{"email": w.Member.Email}, nil
				}
				billerInTeam(tb, h, w, true)
				return map[string]string{"email": w.Biller.Email}, nil
			}},
		{name: "leave a team", op: del(api.PathTeamMember), want: [principalCount]int{deleted, deleted, deleted, deleted, deleted, no, no, hidden, anon},
			prepare: func(tb testing.TB, h *harness, w *world, p principal) (map[string]string, any) {
				u, ok := w.userOf(p)
				if !ok || p == asOutsider {
					billerInTeam(tb, h, w, true)
					return map[string]string{"email": w.Biller.Email}, nil
				}
				switch p {
				case asBiller:
					billerInTeam(tb, h, w, true)
				case asMember: // in the world's team already
				default:
					h.addTeamMember(tb, w.Owner.Token, w.Org.ID, w.Team.Slug, u.Email, api.TeamRoleMember)
				}
				return map[string]string{"email": u.Email}, nil
			}},
		// In bulk, every member may call it (a maintainer may be of any role); each item is then decided as
		// its own request would be, so here the biller's addition is carried out for owners and admins and
		// refused item by item for the others (TestBulkTeamMembers).
		{name: "team members in bulk", op: post(api.PathBulkTeamMembers), want: [principalCount]int{ok, ok, ok, ok, ok, ok, ok, hidden, anon},
			prepare: func(tb testing.TB, h *harness, w *world, _ principal) (map[string]string, any) {
				billerInTeam(tb, h, w, false)
				c := api.TeamMemberCreate{Email: w.Biller.Email}
				return nil, api.BulkRequest[api.TeamMemberCreate, api.TeamMemberUpdate]{Items: []api.BulkItem[api.TeamMemberCreate, api.TeamMemberUpdate]{{Op: api.BulkCreate, Create: &c}}}
			}},
		{name: "list team memberships", op: get(api.PathTeamMemberships), want: [principalCount]int{ok, ok, ok, ok, ok, ok, ok, hidden, anon}, prepare: noPrep},
		{name: "list webhooks", op: get(api.PathWebhooks), want: [principalCount]int{ok, ok, no, no, ok, no, no, hidden, anon}, prepare: noPrep},
		{name: "create a webhook", op: post(api.PathWebhooks), want: [principalCount]int{created, created, no, no, created, no, no, hidden, anon},
			prepare: withBody(func(h *harness) any {
				return api.WebhookCreate{URL: h.Receiver.URL, Events: []string{"label.create"}, Secret: h.unique("webhook-secret")}
			})},
		{name: "read a webhook", op: get(api.PathWebhook), want: [principalCount]int{ok, ok, no, no, ok, no, no, hidden, anon}, prepare: noPrep},
		{name: "update a webhook", op: patch(api.PathWebhook), want: [principalCount]int{ok, ok, no, no, ok, no, no, hidden, anon},
			prepare: withBody(func(h *harness) any { u := h.Receiver.URL + "?v=" + h.unique("v"); return api.WebhookUpdate{URL: &u} })},
		{name: "delete a webhook", op: del(api.PathWebhook), want: [principalCount]int{deleted, deleted, no, no, deleted, no, no, hidden, anon},
			prepare: func(tb testing.TB, h *harness, w *world, _ principal) (map[string]string, any) {
				wh := h.createWebhook(tb, w.Owner.Token, w.Org.ID, api.WebhookCreate{URL: h.Receiver.URL, Events: []string{"label.create"}, Secret: h.unique("webhook-secret")})
				return map[string]string{"webhook_id": wh.ID}, nil
			}},
		{name: "list webhook deliveries", op: get(api.PathWebhookDeliveries), want: [principalCount]int{ok, ok, no, no, ok, no, no, hidden, anon}, prepare: noPrep},
		{name: "read a webhook delivery", op: get(api.PathWebhookDelivery), want: [principalCount]int{ok, ok, no, no, ok, no, no, hidden, anon}, prepare: noPrep},
		{name: "redeliver a webhook delivery", op: post(api.PathWebhookRedeliver), want: [principalCount]int{created, created, no, no, created, no, no, hidden, anon}, prepare: noPrep},

		{name: "read usage", op: get(api.PathUsage), want: [principalCount]int{ok, ok, no, ok, ok, no, ok, hidden, anon}, prepare: noPrep},
		{name: "read activity", op: get(api.PathActivity), want: [principalCount]int{ok, ok, ok, ok, ok, ok, ok, hidden, anon}, prepare: noPrep},
	}
}

// billerInTeam puts the world's biller in the world's team as a plain member (in: true), or takes them
// out, whatever the last cell left.
func billerInTeam(tb testing.TB, h *harness, w *world, in bool) {
	tb.Helper()
	member := path(api.PathTeamMember, "org_id", w.Org.ID, "team_slug", w.Team.Slug, "email", w.Biller.Email)
	h.do(tb, w.Owner.Token, http.MethodDelete, member, nil)
	h.expect(tb, http.StatusNotFound, w.Owner.Token, http.MethodGet, member, nil)
	if in {
		h.addTeamMember(tb, w.Owner.Token, w.Org.ID, w.Team.Slug, w.Biller.Email, api.TeamRoleMember)
	}
}

// TestRoleMatrix calls every operation as every principal and checks the status of each call. A refused
// call must change nothing: what the operation addresses reads the same before and after.
func TestRoleMatrix(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	shared := h.newWorld(t, api.PlanTeam)
	rows := matrixRows()

	ops := operations(t)
	inMatrix := map[operation]bool{}
	for _, row := range rows {
		inMatrix[row.op] = true
		if row.op.Route != api.PathOpenAPI && !slices.Contains(ops, row.op) {
			t.Errorf("row %q: the OpenAPI document has no operation %s", row.name, row.op)
		}
	}
	for _, op := range ops {
		if !inMatrix[op] {
			t.Errorf("operation %s has no row in the role matrix", op)
		}
	}
	readable := map[string]bool{}
	for _, op := range ops {
		if op.Method == http.MethodGet {
			readable[op.Route] = true
		}
	}

	got := make([][principalCount]int, len(rows))
	for i, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			for p := range principalCount {
				t.Run(p.String(), func(t *testing.T) {
					w := shared
					if row.fresh {
						w = h.newWorld(t, api.PlanTeam)
					}
					params := w.params()
					extra, body := row.prepare(t, h, w, p)
					maps.Copy(params, extra)
					route := fill(t, row.op.Route, params)

					// What the call addresses, as the owner sees it (a /user route: as its user), to prove
					// that a refusal changed nothing.
					reader := w.Owner.Token
					if u, ok := w.userOf(p); ok && strings.HasPrefix(row.op.Route, api.PathCurrentUser) {
						reader = u.Token
					}
					var before []byte
					if row.op.Method != http.MethodGet && readable[row.op.Route] {
						before = h.expect(t, http.StatusOK, reader, http.MethodGet, route, nil).Body
					}
					cred := w.cred(p)
					if u, ok := w.fresh[p]; ok {
						cred = u.Token
						delete(w.fresh, p)
					}
					r := h.do(t, cred, row.op.Method, route, body)
					got[i][p] = r.Status
					if r.Status != row.want[p] {
						t.Errorf("%s as %s: want %d, got %s", row.op, p, row.want[p], r)
					}
					if r.Status >= 400 && before != nil {
						after := h.expect(t, http.StatusOK, reader, http.MethodGet, route, nil).Body
						if !bytes.Equal(before, after) {
							t.Errorf("%s as %s was refused (%d) but changed %s:\nbefore %s\nafter  %s", row.op, p, r.Status, route, before, after)
						}
					}
				})
			}
		})
	}
	if t.Failed() {
		var b strings.Builder
		for i, row := range rows {
			fmt.Fprintf(&b, "%-40s %v\n", row.name, got[i])
		}
		t.Logf("statuses the server gave (columns %v):\n%s", principalNames, b.String())
	}
}

// A refusal says whose role fell short: the caller's, an organization API token's own, or the creator's
// of a token whose own role would allow it, so the user knows what to change.
func TestForbiddenNamesWhoseRoleFellShort(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanEnterprise)
	member := h.newMember(t, owner.Token, org.ID, api.RoleMember)
	memberToken := h.createAPIToken(t, owner.Token, org.ID, api.RoleMember)
	admin := h.newMember(t, owner.Token, org.ID, api.RoleAdmin)
	demotedCreatorsToken := h.createAPIToken(t, admin.Token, org.ID, api.RoleAdmin)
	demoted := api.RoleMember
	h.expect(t, http.StatusOK, owner.Token, http.MethodPatch, path(api.PathMember, "org_id", org.ID, "email", admin.Email),
		api.MemberUpdate{Role: &demoted})
	for who, c := range map[string]struct{ cred, want string }{
		"a member":                          {member.Token, "the role member may not create labels"},
		"a member's token":                  {memberToken.Token, "an organization API token with role member may not create labels"},
		"an admin token of a demoted admin": {demotedCreatorsToken.Token, "an organization API token may do at most what its creator may, and its creator's role member may not create labels"},
	} {
		p := h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, c.cred, http.MethodPost, path(api.PathLabels, "org_id", org.ID), h.labelBody())
		if !strings.Contains(p.Detail, c.want) {
			t.Errorf("%s creating a label: %q, want it to say %q", who, p.Detail, c.want)
		}
	}
}
