package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/servertest"
)

// TestDeletedOrganizationAnswers checks the rule of contributing/threat-model.md that lets a client tell losing
// access from deletion: for every operation under /orgs/{org_id}, a deleted organization answers 410
// organization-deleted to those who were its active members when it was deleted, and to everyone else
// exactly what an id that never existed answers (404 organization-not-found), so that nobody learns
// anything of another tenant's organization. Losing access answers that same 404, never 410.
func TestDeletedOrganizationAnswers(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	w := h.newWorld(t, api.PlanTeam)
	id := w.Org.ID

	// A former member, removed before the deletion; a pending member, who never had access.
	former := h.newMember(t, w.Owner.Token, id, api.RoleMember)
	h.expect(t, http.StatusNoContent, w.Owner.Token, http.MethodDelete, path(api.PathMember, "org_id", id, "email", former.Email), nil)
	pending := h.signup(t)
	if m := h.addMember(t, w.Owner.Token, id, pending.Email, api.RoleAdmin); m.Status != api.MemberPending {
		t.Fatalf("the membership of %s is %s, want pending", pending.Email, m.Status)
	}
	// Losing access is not deletion: the former member gets the organization-level 404 while the
	// organization lives.
	h.expectProblem(t, http.StatusNotFound, api.ProblemOrganizationNotFound, former.Token, http.MethodGet, path(api.PathOrganization, "org_id", id), nil)

	h.expect(t, http.StatusNoContent, w.Owner.Token, http.MethodDelete, path(api.PathOrganization, "org_id", id), nil)

	never := "org_" + strings.Repeat("z", len(id)-len("org_"))
	callers := []struct {
		name string
		cred string
		want int
	}{
		{"owner", w.Owner.Token, http.StatusGone},
		{"admin", w.Admin.Token, http.StatusGone},
		{"member", w.Member.Token, http.StatusGone},
		{"biller", w.Biller.Token, http.StatusGone},
		{"member removed before the deletion", former.Token, http.StatusNotFound},
		{"pending member", pending.Token, http.StatusNotFound},
		{"user of another organization", w.Outsider.Token, http.StatusNotFound},
		{"organization token of the deleted organization", w.TokenAdmin.Token, http.StatusUnauthorized},
		{"token of another organization", w.OtherAdminToken.Token, http.StatusNotFound},
	}
	tested := 0
	for _, op := range operations(t) {
		if !strings.HasPrefix(op.Route, api.PathOrganization) {
			continue
		}
		tested++
		params := w.paramsFor(op.Route)
		route := fill(t, op.Route, params)
		params["org_id"] = never
		neverRoute := fill(t, op.Route, params)
		for _, c := range callers {
			t.Run(op.String()+"/"+c.name, func(t *testing.T) {
				body := h.validBody(t, w, op)
				r := h.expect(t, c.want, c.cred, op.Method, route, body)
				p := r.problem(t)
				switch c.want {
				case http.StatusGone:
					if p.Type != api.ProblemOrganizationDeleted || !strings.Contains(p.Detail, id) {
						t.Errorf("want a problem of type %s naming %s, got %s", api.ProblemOrganizationDeleted, id, r)
					}
				case http.StatusNotFound:
					// Byte for byte what an id that never existed gets, but for the id.
					n := h.expect(t, http.StatusNotFound, c.cred, op.Method, neverRoute, body)
					if got, want := strings.ReplaceAll(string(r.Body), id, never), string(n.Body); got != want {
						t.Errorf("a deleted organization answers %s\nan id that never existed answers %s", got, want)
					}
					if p.Type != api.ProblemOrganizationNotFound {
						t.Errorf("want problem type %s, got %s", api.ProblemOrganizationNotFound, r)
					}
				}
			})
		}
	}
	if tested < 20 {
		t.Fatalf("only %d operations under %s; the OpenAPI document lost some", tested, api.PathOrganization)
	}
	// An object missing from an organization the caller can see stays the object-level 404.
	h.expectProblem(t, http.StatusNotFound, api.ProblemNotFound, w.Outsider.Token, http.MethodGet,
		path(api.PathLabel, "org_id", w.OtherOrg.ID, "key", "missing"), nil)
}

// TestDeletedOrganizationAnswersSurviveRestart checks that the tombstone is on disk: after a restart,
// the deleted organization's members still get 410 and others 404.
func TestDeletedOrganizationAnswersSurviveRestart(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	outsider := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	orgPath := path(api.PathOrganization, "org_id", org.ID)
	h.expect(t, http.StatusNoContent, owner.Token, http.MethodDelete, orgPath, nil)
	if err := h.Server.Close(); err != nil {
		t.Fatal(err)
	}

	restarted := servertest.Start(t, servertest.WithDatabase(h.DBPath), servertest.WithClock(h.Clock.Now))
	after := &harness{URL: restarted.URL, DBPath: h.DBPath, Server: restarted.Server, Clock: h.Clock, client: &http.Client{}}
	after.expectProblem(t, http.StatusGone, api.ProblemOrganizationDeleted, owner.Token, http.MethodGet, orgPath, nil)
	after.expectProblem(t, http.StatusGone, api.ProblemOrganizationDeleted, owner.Token, http.MethodGet, path(api.PathMembers, "org_id", org.ID), nil)
	after.expectProblem(t, http.StatusNotFound, api.ProblemOrganizationNotFound, outsider.Token, http.MethodGet, orgPath, nil)
}
