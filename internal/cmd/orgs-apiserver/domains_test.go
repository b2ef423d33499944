package main_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// testDomainsVerify: `domains verify` marks a claimed domain verified for local setups without DNS,
// beside the running server, which then shows it verified; an unclaimed domain is an error naming it.
func testDomainsVerify(t *testing.T, bin string) {
	db := filepath.Join(t.TempDir(), "orgs.db")
	owner, token := "dom-owner-"+randomHex()+"@example.test", "orgs_pat_"+randomHex()+randomHex()
	p := start(t, bin, db, owner, token)
	var org api.Organization
	p.must(t, http.StatusCreated, token, http.MethodPost, api.PathOrganizations,
		api.OrganizationCreate{Name: "domains", AdminContactEmails: []string{owner}, Plan: api.PlanTeam}, &org)
	domains := strings.ReplaceAll(api.PathDomains, "{org_id}", org.ID)
	var d api.Domain
	p.must(t, http.StatusCreated, token, http.MethodPost, domains, api.DomainCreate{Domain: "Corp-" + randomHex() + ".example.test"}, &d)

	stdout, stderr, code := runCommand(t, bin, "domains", "verify", "-db", db, org.ID, strings.ToUpper(d.Domain))
	if code != 0 || stdout != org.ID+"\t"+d.Domain+"\tverified\n" {
		t.Fatalf("domains verify: exit %d\nstdout %q\nstderr %s", code, stdout, stderr)
	}
	var got api.Domain
	p.must(t, http.StatusOK, token, http.MethodGet, domains+"/"+d.Domain, nil, &got)
	if got.Status != api.DomainVerified || got.VerifiedAt == nil {
		t.Fatalf("the server shows %+v after the operator verified it", got)
	}
	_, stderr, code = runCommand(t, bin, "domains", "verify", "-db", db, org.ID, "unclaimed.example.test")
	if code != 1 || !strings.Contains(stderr, `domain "unclaimed.example.test" not found`) {
		t.Fatalf("verifying an unclaimed domain: exit %d, %s", code, stderr)
	}
}
