package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// validBody returns a body the operation accepts, with fresh values, for the tests that walk the route
// table: a call meant to be refused for who makes it must not be refused for what it sends. An
// operation without an entry fails the test, so a new route cannot go untested.
func (h *harness) validBody(tb testing.TB, w *world, op operation) any {
	tb.Helper()
	switch op.Method + " " + op.Route {
	case "POST " + api.PathUsers:
		return api.SignupRequest{Email: h.email()}
	case "POST " + api.PathInvitationAccept:
		_, code := h.createInvitation(tb, w.Owner.Token, w.Org.ID, h.email(), api.RoleMember)
		return api.InvitationAccept{Code: code}
	case "POST " + api.PathPersonalTokens:
		return api.PersonalTokenCreate{Name: h.unique("pat")}
	case "POST " + api.PathOrganizations:
		return h.orgCreateBody(api.PlanHobby)
	case "PATCH " + api.PathOrganization:
		name := h.unique("renamed")
		return api.OrganizationUpdate{Name: &name}
	case "POST " + api.PathMembers:
		return api.MemberCreate{Email: h.signup(tb).Email, Role: api.RoleMember}
	case "PATCH " + api.PathMember:
		role := api.RoleAdmin
		return api.MemberUpdate{Role: &role}
	case "POST " + api.PathInvitations:
		return api.InvitationCreate{Email: h.email(), Role: api.RoleMember}
	case "POST " + api.PathInvitationResend, "POST " + api.PathMembershipAccept, "POST " + api.PathMembershipDecline,
		"POST " + api.PathMemberResend, "POST " + api.PathDomainVerify, "POST " + api.PathWebhookRedeliver:
		return nil
	case "POST " + api.PathDomains:
		return api.DomainCreate{Domain: h.unique("corp") + ".example.test"}
	case "POST " + api.PathVerifyEmail:
		return api.EmailVerification{Code: "orgs_ver_" + h.unique("code")}
	case "POST " + api.PathAPITokens:
		return api.APITokenCreate{Name: h.unique("token"), Role: api.RoleMember}
	case "PATCH " + api.PathAPIToken:
		// A token's expiry only moves earlier: each body asks for an earlier one than the last, a minute
		// at a time, still far in the future.
		return api.APITokenUpdate{ExpiresAt: h.Clock.Now().Add(365*24*time.Hour - time.Duration(h.seq.Add(1))*time.Minute)}
	case "POST " + api.PathContainerRegistries:
		return h.registryBody()
	case "PATCH " + api.PathContainerRegistry:
		d := h.unique("description")
		return api.ContainerRegistryUpdate{Description: &d}
	case "POST " + api.PathLabels:
		return h.labelBody()
	case "PATCH " + api.PathLabel:
		v := h.unique("v")
		return api.LabelUpdate{Value: &v}
	case "POST " + api.PathEnvironments:
		return h.environmentBody()
	case "POST " + api.PathBulkLabels:
		c := h.labelBody()
		return api.BulkRequest[api.LabelCreate, api.LabelUpdate]{Items: []api.BulkItem[api.LabelCreate, api.LabelUpdate]{{Op: api.BulkCreate, Create: &c}}}
	case "POST " + api.PathBulkMembers:
		c := api.MemberCreate{Email: h.email(), Role: api.RoleMember}
		return api.BulkRequest[api.MemberCreate, api.MemberUpdate]{Items: []api.BulkItem[api.MemberCreate, api.MemberUpdate]{{Op: api.BulkCreate, Create: &c}}}
	case "POST " + api.PathBulkTeamMembers:
		// The world's member changes role in the world's team, as the PATCH's body does (an addition
		// would take the person the single add's body adds).
		u := h.teamRoleChange(tb, w)
		return api.BulkRequest[api.TeamMemberCreate, api.TeamMemberUpdate]{Items: []api.BulkItem[api.TeamMemberCreate, api.TeamMemberUpdate]{{Op: api.BulkUpdate, Key: w.Member.Email, Update: &u}}}
	case "POST " + api.PathBulkInvitations:
		c := api.InvitationCreate{Email: h.email(), Role: api.RoleMember}
		return api.BulkRequest[api.InvitationCreate, api.NoUpdate]{Items: []api.BulkItem[api.InvitationCreate, api.NoUpdate]{{Op: api.BulkCreate, Create: &c}}}
	case "PATCH " + api.PathEnvironment:
		n := h.unique("Env")
		return api.EnvironmentUpdate{Name: &n}
	case "POST " + api.PathTeams:
		return h.teamBody()
	case "PATCH " + api.PathTeam:
		d := h.unique("description")
		return api.TeamUpdate{Description: &d}
	case "POST " + api.PathTeamMembers:
		// The world's admin is an active member outside the world's team.
		return api.TeamMemberCreate{Email: w.Admin.Email}
	case "PATCH " + api.PathTeamMember:
		return h.teamRoleChange(tb, w)
	case "POST " + api.PathWebhooks:
		return api.WebhookCreate{URL: h.Receiver.URL, Events: []string{"label.create"}, Secret: h.unique("webhook-secret")}
	case "PATCH " + api.PathWebhook:
		u := h.Receiver.URL + "?v=" + h.unique("v")
		return api.WebhookUpdate{URL: &u}
	}
	if op.Method == "GET" || op.Method == "DELETE" {
		return nil
	}
	tb.Fatalf("no valid body for %s: add one to validBody", op)
	return nil
}

// pendingMembership makes a new organization (owned by a new user) that has added u, pending, and
// returns its id.
func (h *harness) pendingMembership(tb testing.TB, u user) string {
	tb.Helper()
	adder := h.signup(tb)
	org := h.createOrg(tb, adder.Token, api.PlanTeam)
	if m := h.addMember(tb, adder.Token, org.ID, u.Email, api.RoleMember); m.Status != api.MemberPending {
		tb.Fatalf("a member added by someone else is %s, want pending", m.Status)
	}
	return org.ID
}

// paramsFor addresses the world's objects; /user routes address the owner's personal token.
func (w *world) paramsFor(route string) map[string]string {
	p := w.params()
	if strings.HasPrefix(route, api.PathCurrentUser+"/") {
		p["token_id"] = w.OwnerPAT.ID
	}
	return p
}

// teamRoleChange changes the world's member's role in the world's team, whichever role they hold now (a
// read: callers walk routes of organizations that are gone too).
func (h *harness) teamRoleChange(tb testing.TB, w *world) api.TeamMemberUpdate {
	role := api.TeamRoleMaintainer
	r := h.do(tb, w.Owner.Token, http.MethodGet, path(api.PathTeamMember, "org_id", w.Org.ID, "team_slug", w.Team.Slug, "email", w.Member.Email), nil)
	if r.Status == http.StatusOK && decode[api.TeamMember](tb, r).Role == role {
		role = api.TeamRoleMember
	}
	return api.TeamMemberUpdate{Role: &role}
}
