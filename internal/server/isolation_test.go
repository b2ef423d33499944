package server_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// TestIsolation calls every operation whose route takes an id (organization, member, invitation, token,
// registry, label, environment), taken from the OpenAPI document, with the ids of one organization and
// the credentials of another. Each call must answer exactly as it would for an id that does not exist:
// 404 (403 for an organization token on a /user route), no value of the addressed objects in the body,
// and nothing changed.
func TestIsolation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	w := h.newWorld(t, api.PlanTeam)

	// Every value of the organization that a stranger must not learn.
	private := map[string]string{
		"organization name": w.Org.Name, "organization description": w.Org.Description, "organization website": w.Org.Website,
		"admin contact": w.Org.AdminContactEmails[0],
		"owner email":   w.Owner.Email, "owner id": w.Owner.ID, "admin email": w.Admin.Email, "admin id": w.Admin.ID,
		"member id": w.Member.ID, "biller email": w.Biller.Email, "biller id": w.Biller.ID,
		"token id": w.TokenAdmin.ID, "token name": w.TokenAdmin.Name, "token secret": w.TokenAdmin.Token,
		"member token name": w.TokenMember.Name, "member token secret": w.TokenMember.Token,
		"personal token name": w.OwnerPAT.Name, "personal token secret": w.OwnerPAT.Token,
		"label value": w.Label.Value,
		"registry id": w.Registry.ID, "registry name": w.Registry.Name, "registry url": w.Registry.URL,
		"registry username": w.Registry.Username, "registry password": w.RegistrySecret,
		"invitation email": w.Invitation.Email, "invitation code": w.InvitationCode,
		"environment name": w.Environment.Name, "environment slug": w.Environment.Slug, "default environment": w.DefaultEnvID,
	}
	ops := operations(t)

	// What the owner reads before; strangers' calls must leave every byte of it.
	snapshot := func() map[string][]byte {
		s := map[string][]byte{}
		for _, op := range ops {
			if op.Method == http.MethodGet && strings.Contains(op.Route, "{") {
				p := fill(t, op.Route, w.paramsFor(op.Route))
				s[p] = h.expect(t, http.StatusOK, w.Owner.Token, http.MethodGet, p, nil).Body
			}
		}
		return s
	}
	before := snapshot()

	callers := []struct {
		name string
		cred string
		// the status on routes outside any organization (/user/...), where the caller's kind decides
		userRoutes int
	}{
		{"user of another organization", w.Outsider.Token, http.StatusNotFound},
		{"token of another organization", w.OtherAdminToken.Token, http.StatusForbidden},
	}
	tested := 0
	for _, op := range ops {
		if !strings.Contains(op.Route, "{") {
			continue
		}
		tested++
		for _, c := range callers {
			t.Run(op.String()+"/"+c.name, func(t *testing.T) {
				want := http.StatusNotFound
				if strings.HasPrefix(op.Route, api.PathCurrentUser+"/") {
					want = c.userRoutes
				}
				params := w.paramsFor(op.Route)
				route := fill(t, op.Route, params)
				r := h.expect(t, want, c.cred, op.Method, route, h.validBody(t, w, op))
				for name, v := range private {
					if v != "" && bytes.Contains(r.Body, []byte(v)) {
						t.Errorf("the answer shows the %s (%q): %s", name, v, r.Body)
					}
				}

				// The same call for ids that do not exist must read the same, once the ids are swapped.
				fake := map[string]string{}
				for k := range params {
					fake[k] = h.unique("missing")
				}
				fr := h.expect(t, want, c.cred, op.Method, fill(t, op.Route, fake), h.validBody(t, w, op))
				got, unknown := r.problem(t), fr.problem(t)
				for k, v := range fake {
					unknown.Detail = strings.ReplaceAll(unknown.Detail, v, params[k])
				}
				if got.Type != unknown.Type || got.Title != unknown.Title || got.Detail != unknown.Detail {
					t.Errorf("an existing object answers differently from a missing one:\nexisting %+v\nmissing  %+v", got, unknown)
				}
			})
		}
	}
	if tested < 15 {
		t.Fatalf("only %d operations take an id; the route table is not what the test expects", tested)
	}

	after := snapshot()
	for p, b := range before {
		if !bytes.Equal(b, after[p]) {
			t.Errorf("%s changed under calls from another organization:\nbefore %s\nafter  %s", p, b, after[p])
		}
	}
}
