package server_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// TestETagIsTheHashOfTheBodySent: the body is encoded once and the ETag is taken from exactly those
// bytes, HTML characters included (they are not escaped in the body), and it is the tag If-Match
// accepts.
func TestETagIsTheHashOfTheBodySent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	route := path(api.PathOrganization, "org_id", org.ID)
	description := `<b>a & b</b>`
	h.expect(t, http.StatusOK, owner.Token, http.MethodPatch, route, api.OrganizationUpdate{Description: &description})

	got := h.expect(t, http.StatusOK, owner.Token, http.MethodGet, route, nil)
	if !bytes.Contains(got.Body, []byte(description)) {
		t.Fatalf("the body does not hold the description as sent: %s", got.Body)
	}
	sum := sha256.Sum256(bytes.TrimSuffix(got.Body, []byte("\n")))
	want := `"` + hex.EncodeToString(sum[:16]) + `"`
	if tag := got.Header.Get(api.HeaderETag); tag != want {
		t.Fatalf("ETag %q, want the hash of the body sent, %q", tag, want)
	}
	other := "changed"
	h.expect(t, http.StatusOK, owner.Token, http.MethodPatch, route, api.OrganizationUpdate{Description: &other}, api.HeaderIfMatch, want)
}
