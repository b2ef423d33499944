package client

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

func TestRedactJSON(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"token", `{"id":"t1","token":"s3cret"}`, `{"id":"t1","token":"[REDACTED]"}`},
		{"case-insensitive", `{"Token":"s3cret","PASSWORD":"pw"}`, `{"PASSWORD":"[REDACTED]","Token":"[REDACTED]"}`},
		{
			"registry credentials",
			`{"username":"bot","password":"pw","access_key_id":"AKIA","secret_access_key":"sak"}`,
			`{"access_key_id":"AKIA","password":"[REDACTED]","secret_access_key":"[REDACTED]","username":"bot"}`,
		},
		{"invitation code", `{"code":"c0de","name":"Ann"}`, `{"code":"[REDACTED]","name":"Ann"}`},
		{"nested and in arrays", `{"user":{"id":"u"},"items":[{"token":"a"},{"token":"b"}],"token":"c"}`,
			`{"items":[{"token":"[REDACTED]"},{"token":"[REDACTED]"}],"token":"[REDACTED]","user":{"id":"u"}}`},
		{"other secret-looking names", `{"new_password":"x","client_secret":"y"}`, `{"client_secret":"[REDACTED]","new_password":"[REDACTED]"}`},
		{"non-string secret", `{"token":12345}`, `{"token":"[REDACTED]"}`},
		{"empty secret says it is empty", `{"token":""}`, `{"token":""}`},
		{"page token is not a secret", `{"items":[],"next_page_token":"p2"}`, `{"items":[],"next_page_token":"p2"}`},
		{
			"validation error echoing a secret",
			`{"detail":"bad","errors":[{"location":"body.password","message":"too long","value":"pw"},{"location":"body.name","value":"acme"}]}`,
			`{"detail":"bad","errors":[{"location":"body.password","message":"too long","value":"[REDACTED]"},{"location":"body.name","value":"acme"}]}`,
		},
		{"numbers kept exactly", `{"n":12345678901234567890}`, `{"n":12345678901234567890}`},
		{"not JSON", `token=s3cret`, `(12 bytes, not JSON: omitted)`},
		{"trailing data", `{"a":1} {"token":"x"}`, `(21 bytes, not JSON: omitted)`},
	}
	for _, tt := range tests {
		if got := redactJSON([]byte(tt.in)); got != tt.want {
			t.Errorf("%s: redactJSON(%s) = %s, want %s", tt.name, tt.in, got, tt.want)
		}
	}
}

// TestRedactValidationErrorsEchoingAnyKindOfSecret: a validation error's echoed value is redacted by the
// last segment of its location, whatever the secret's name (not only the "password" ones) and wherever
// the location points (a member, an array element, the top level).
func TestRedactValidationErrorsEchoingAnyKindOfSecret(t *testing.T) {
	t.Parallel()
	for _, loc := range []string{"body.code", "body.token", "body.items[0].token", "token", "body.name.code"} {
		in := `{"errors":[{"location":"` + loc + `","value":"leaked"}]}`
		want := `{"errors":[{"location":"` + loc + `","value":"[REDACTED]"}]}`
		if got := redactJSON([]byte(in)); got != want {
			t.Errorf("location %s: redactJSON = %s, want %s", loc, got, want)
		}
	}
}

// TestLogsHoldNoSecrets runs calls that carry every kind of secret, in both directions, and checks
// the TRACE logs: the exchanges are there, the secrets are not.
func TestLogsHoldNoSecrets(t *testing.T) {
	t.Parallel()
	const (
		password     = "pw-registry-d41d8cd9"
		secretKey    = "sak-registry-8f00b204"
		orgToken     = "orgtok-e9800998ecf8427e"
		inviteCode   = "invite-code-0a1b2c3d"
		rejectedPass = "pw-rejected-77aa88bb"
	)
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/api/v1/orgs/o1/registries":
			writeJSON(w, 201, api.ContainerRegistry{ID: "r1", Name: "ecr", Kind: api.RegistryECR})
		case r.Method == http.MethodPatch && r.URL.Path == "/api/v1/orgs/o1/registries/r1":
			w.Header().Set("Content-Type", api.ContentTypeError)
			w.WriteHeader(422)
			_ = json.NewEncoder(w).Encode(api.Problem{Type: api.ProblemInvalid, Status: 422, Detail: "validation failed",
				Errors: []api.ProblemError{{Location: "body.password", Message: "too long", Value: rejectedPass}}})
		case r.URL.Path == "/api/v1/orgs/o1/tokens":
			writeJSON(w, 201, api.APIToken{ID: "t1", Name: "ci", Token: orgToken})
		case r.URL.Path == "/api/v1/invitations/accept":
			writeJSON(w, 200, api.InvitationAcceptance{User: api.User{ID: "u2"}, Token: orgToken + "-personal"})
		default:
			writeProblem(w, 404, api.ProblemNotFound, "no such thing")
		}
	})

	logs := newLogCapture()
	if _, err := c.CreateContainerRegistry(logs.ctx, "o1", api.ContainerRegistryCreate{
		Name: "ecr", Kind: api.RegistryECR, URL: "https://ecr.example.test", AccessKeyID: "AKIAEXAMPLE", SecretAccessKey: secretKey,
		Password: password,
	}); err != nil {
		t.Fatal(err)
	}
	long := rejectedPass
	if _, err := c.UpdateContainerRegistry(logs.ctx, "o1", "r1", api.ContainerRegistryUpdate{Password: &long}); !IsInvalid(err) {
		t.Fatalf("UpdateContainerRegistry err = %v, want invalid", err)
	}
	if tok, err := c.CreateAPIToken(logs.ctx, "o1", api.APITokenCreate{Name: "ci", Role: api.RoleMember}); err != nil || tok.Token != orgToken {
		t.Fatalf("CreateAPIToken = %+v, %v", tok, err)
	}
	if _, err := c.AcceptInvitation(logs.ctx, api.InvitationAccept{Code: inviteCode}); err != nil {
		t.Fatal(err)
	}

	out := logs.buf.String()
	for _, secret := range []string{testToken, "Bearer", "Authorization", password, secretKey, orgToken, inviteCode, rejectedPass} {
		if strings.Contains(out, secret) {
			t.Errorf("logs contain %q", secret)
		}
	}
	// The logs must still show the exchanges, or the check above proves nothing.
	for _, want := range []string{"/api/v1/orgs/o1/registries", "AKIAEXAMPLE", `\"token\":\"[REDACTED]\"`, `\"password\":\"[REDACTED]\"`, `\"code\":\"[REDACTED]\"`} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %s", want)
		}
	}
	var statuses []float64
	for _, e := range logs.entries(t) {
		if e["@message"] == "received orgs API response" {
			status, _ := e["status"].(float64)
			statuses = append(statuses, status)
		}
	}
	if len(statuses) != 4 || statuses[1] != 422 {
		t.Errorf("logged statuses %v, want 4 with the 422 second", statuses)
	}
}

// TestLogsMaskTheTokenWhereverItAppears: a server that echoes the caller's credential in free text (a
// problem's detail, which body redaction keeps) still gets it masked in the TRACE logs.
func TestLogsMaskTheTokenWhereverItAppears(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, http.StatusUnauthorized, api.ProblemUnauthorized, "the credential "+testToken+" is not known here")
	})
	logs := newLogCapture()
	if _, err := c.GetOrganization(logs.ctx, "o1"); !IsUnauthorized(err) {
		t.Fatalf("err = %v, want unauthorized", err)
	}
	out := logs.buf.String()
	if strings.Contains(out, testToken) {
		t.Errorf("logs contain the token: %s", out)
	}
	if !strings.Contains(out, "is not known here") {
		t.Errorf("logs lack the response body, so the check above proves nothing: %s", out)
	}
}
