package server_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/servertest"
)

// TestDomainVerification (issue 18): a claimed domain is pending, with the TXT record that proves it;
// verifying without the record is refused, naming the record and what was found; with it, the domain
// is verified. A second organization that proves the same domain takes it: the first one's claim goes
// back to pending and its activity log says so. Invalid domains are refused.
func TestDomainVerification(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	d := h.createDomain(t, owner.Token, org.ID)
	if d.VerificationRecordName != "_orgs-verification."+d.Domain || !strings.HasPrefix(d.VerificationRecordValue, "orgs-domain-verification=") {
		t.Fatalf("the verification record: %+v", d)
	}
	verify := func(cred, orgID string) *response {
		return h.do(t, cred, http.MethodPost, path(api.PathDomainVerify, "org_id", orgID, "domain", d.Domain), nil)
	}
	h.DNS.SetTXT(d.VerificationRecordName, "something-else")
	if r := verify(owner.Token, org.ID); r.Status != http.StatusConflict || !strings.Contains(r.problem(t).Detail, d.VerificationRecordName) ||
		!strings.Contains(r.problem(t).Detail, "something-else") {
		t.Fatalf("verifying without the record: %s", r)
	}
	h.DNS.SetTXT(d.VerificationRecordName, "something-else", d.VerificationRecordValue)
	if got := decode[api.Domain](t, verify(owner.Token, org.ID)); got.Status != api.DomainVerified {
		t.Fatalf("verifying with the record: %+v", got)
	}

	rival := h.signup(t)
	rivalOrg := h.createOrg(t, rival.Token, api.PlanTeam)
	claim := decode[api.Domain](t, h.expect(t, http.StatusCreated, rival.Token, http.MethodPost, path(api.PathDomains, "org_id", rivalOrg.ID),
		api.DomainCreate{Domain: strings.ToUpper(d.Domain)}))
	if claim.Status != api.DomainPending || claim.VerificationRecordValue == d.VerificationRecordValue {
		t.Fatalf("a second organization's claim: %+v; want pending, with a value of its own", claim)
	}
	if r := verify(rival.Token, rivalOrg.ID); r.Status != http.StatusConflict {
		t.Fatalf("the second organization, proving nothing: %s", r)
	}
	h.DNS.SetTXT(d.VerificationRecordName, claim.VerificationRecordValue)
	if got := decode[api.Domain](t, verify(rival.Token, rivalOrg.ID)); got.Status != api.DomainVerified {
		t.Fatalf("the second organization, proving it: %+v", got)
	}
	if got := decode[api.Domain](t, h.expect(t, http.StatusOK, owner.Token, http.MethodGet, path(api.PathDomain, "org_id", org.ID, "domain", d.Domain), nil)); got.Status != api.DomainPending {
		t.Errorf("the first organization's claim once another proved the domain: %+v; want pending", got)
	}
	log := listAll[api.ActivityEntry](t, h, owner.Token, path(api.PathActivity, "org_id", org.ID), 0)
	if !slices.ContainsFunc(log, func(e api.ActivityEntry) bool {
		return e.Action == "domain.unverify" && e.ActorID == server.ServerActor
	}) {
		t.Errorf("the first organization's log does not say it lost the domain: %+v", log)
	}

	for _, bad := range []string{"localhost", "-bad-.example", "a b.example", ""} {
		h.expect(t, http.StatusUnprocessableEntity, owner.Token, http.MethodPost, path(api.PathDomains, "org_id", org.ID), api.DomainCreate{Domain: bad})
	}
	h.expectProblem(t, http.StatusConflict, api.ProblemConflict, owner.Token, http.MethodPost, path(api.PathDomains, "org_id", org.ID), api.DomainCreate{Domain: d.Domain})
}

// TestPendingDomainsAreCheckedByTheServer: a pending domain becomes verified by itself once its record
// appears, at the server's own check interval, without anyone asking.
func TestPendingDomainsAreCheckedByTheServer(t *testing.T) {
	t.Parallel()
	h := newHarness(t, servertest.WithConfig(func(c *server.Config) { c.DomainCheckInterval = 20 * time.Millisecond }))
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	d := h.createDomain(t, owner.Token, org.ID)
	h.DNS.SetTXT(d.VerificationRecordName, d.VerificationRecordValue)
	h.Clock.Advance(time.Minute) // the fake clock decides what is due; the ticker only wakes the checker
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := decode[api.Domain](t, h.expect(t, http.StatusOK, owner.Token, http.MethodGet, path(api.PathDomain, "org_id", org.ID, "domain", d.Domain), nil))
		if got.Status == api.DomainVerified {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the domain is still %s 10 s after its record appeared (the server asked the DNS %d times)", got.Status, h.DNS.Queries())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
