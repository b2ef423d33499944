package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// TestLogsHoldNoSecrets runs a session that handles every kind of secret (personal and organization
// tokens as credentials and in responses, invitation codes, registry passwords, a bad token, a secret in
// a malformed body) with the logger at debug level, and searches the log for each.
func TestLogsHoldNoSecrets(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	w := h.newWorld(t, api.PlanTeam)
	acceptance := h.acceptInvitation(t, w.InvitationCode)
	pat := h.createPersonalToken(t, w.Member.Token)
	newPassword := h.unique("rotated-password")
	h.expect(t, http.StatusOK, w.Owner.Token, http.MethodPatch, path(api.PathContainerRegistry, "org_id", w.Org.ID, "registry_id", w.Registry.ID),
		api.ContainerRegistryUpdate{Password: &newPassword})
	ecrSecret := h.unique("ecr-secret")
	h.expect(t, http.StatusCreated, w.TokenAdmin.Token, http.MethodPost, path(api.PathContainerRegistries, "org_id", w.Org.ID),
		api.ContainerRegistryCreate{Name: h.unique("ecr"), Kind: api.RegistryECR, URL: "https://ecr.example.test", AccessKeyID: "AKIA", SecretAccessKey: ecrSecret})
	badToken := "orgs_pat_" + h.unique("not-a-token")
	h.expect(t, http.StatusUnauthorized, badToken, http.MethodGet, api.PathCurrentUser, nil)
	malformedSecret := h.unique("password-in-a-broken-body")
	h.expect(t, http.StatusBadRequest, w.Owner.Token, http.MethodPost, path(api.PathContainerRegistries, "org_id", w.Org.ID), `{"password": "`+malformedSecret+`"`)
	tooLong := strings.Repeat("s", 5000) + h.unique("x")
	h.expect(t, http.StatusUnprocessableEntity, w.Owner.Token, http.MethodPost, path(api.PathContainerRegistries, "org_id", w.Org.ID),
		api.ContainerRegistryCreate{Name: "x", Kind: api.RegistryGitHub, URL: "https://x.example.test", Password: tooLong})
	for _, cred := range []string{w.Owner.Token, w.TokenMember.Token, w.TokenBiller.Token, pat.Token, acceptance.Token} {
		h.expect(t, http.StatusOK, cred, http.MethodGet, path(api.PathOrganization, "org_id", w.Org.ID), nil)
	}

	logs := h.Logs.String()
	if !strings.Contains(logs, w.Org.ID) {
		t.Fatalf("the log does not mention the organization the session worked on; is the logger wired?\n%s", logs)
	}
	secrets := map[string]string{
		"owner token": w.Owner.Token, "admin token": w.Admin.Token, "member token": w.Member.Token,
		"org admin token": w.TokenAdmin.Token, "org member token": w.TokenMember.Token, "org biller token": w.TokenBiller.Token,
		"personal token": w.OwnerPAT.Token, "second personal token": pat.Token, "token from an acceptance": acceptance.Token,
		"invitation code": w.InvitationCode, "registry password": w.RegistrySecret, "rotated password": newPassword,
		"secret access key": ecrSecret, "bad token": badToken, "secret in a malformed body": malformedSecret, "too long password": tooLong[4990:],
	}
	for name, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("the log holds the %s", name)
		}
	}
}
