package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server"
)

// TestBootstrapAppliesToAnExistingDatabase (issue 10, item 4): every start applies the bootstrap
// settings, idempotently: a restart with a new token or new seed users makes them work, a restart with
// the same settings changes nothing, and the log says which was which without ever holding the token.
func TestBootstrapAppliesToAnExistingDatabase(t *testing.T) {
	t.Parallel()
	const (
		owner    = "owner@example.test"
		first    = "orgs_pat_first-bootstrap-token-of-32-characters"
		second   = "orgs_pat_second-bootstrap-token-of-32-characters"
		seedOld  = "seed-old@example.test"
		seedNew  = "Seed-New@example.test"
		stranger = "stranger@example.test"
	)
	dbPath := filepath.Join(t.TempDir(), "orgs.db")
	keyFile := dbPath + ".key"

	type start struct {
		name             string
		email, token     string
		seeds            []string
		wantErr          string   // the start fails with this (and changes nothing)
		wantLog          []string // lines the log must hold
		works, refused   []string // tokens that must (not) authenticate afterwards, as email's user
		wantPersonalToks int      // personal tokens the bootstrap user holds afterwards
	}
	starts := []start{
		{name: "a new database", email: owner, token: first, seeds: []string{seedOld},
			wantLog: []string{"bootstrap: user created", "bootstrap: personal token added", "added=" + seedOld},
			works:   []string{first}, wantPersonalToks: 1},
		{name: "a restart with a new token and a new seed user", email: owner, token: second, seeds: []string{seedOld, seedNew},
			wantLog: []string{"bootstrap: user already present", "bootstrap: personal token added", "added=" + seedNew, "already_present=" + seedOld},
			works:   []string{first, second}, wantPersonalToks: 2},
		{name: "a restart with the same settings changes nothing", email: strings.ToUpper(owner), token: second, seeds: []string{seedOld, seedNew},
			wantLog: []string{"bootstrap: user already present", "bootstrap: personal token already present", "already_present=" + seedOld + "," + seedNew},
			works:   []string{first, second}, wantPersonalToks: 2},
		{name: "the bootstrap email names an existing user: the token is theirs", email: seedOld, token: "orgs_pat_seed-user-token-of-at-least-32-characters",
			wantLog: []string{"bootstrap: user already present", "email=" + seedOld, "bootstrap: personal token added"},
			works:   []string{"orgs_pat_seed-user-token-of-at-least-32-characters"}, wantPersonalToks: 1},
		{name: "another user's token is refused, never moved", email: stranger, token: first,
			wantErr: "already a personal token of another user", refused: nil},
	}
	for _, st := range starts {
		logs := &bytes.Buffer{}
		srv, err := server.New(server.Config{DBPath: dbPath, KeyFile: keyFile, RateLimit: server.RateLimit{Disabled: true},
			Logger: slog.New(slog.NewTextHandler(logs, nil))})
		if err != nil {
			t.Fatalf("%s: server.New: %v", st.name, err)
		}
		err = srv.Bootstrap(t.Context(), st.email, st.token, st.seeds)
		call := func(cred, method, path string, body any) (int, []byte) {
			return serveJSON(srv, cred, method, path, body)
		}
		switch {
		case st.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), st.wantErr) || strings.Contains(err.Error(), st.token) {
				t.Errorf("%s: want an error with %q (and without the token), got %v", st.name, st.wantErr, err)
			}
			if code, _ := call(st.token, http.MethodGet, api.PathCurrentUser, nil); code == http.StatusOK {
				// The token still works, but as its holder: check it was not moved to the new user.
				_, body := call(st.token, http.MethodGet, api.PathCurrentUser, nil)
				if strings.Contains(string(body), st.email) {
					t.Errorf("%s: the token now acts as %s", st.name, st.email)
				}
			}
		case err != nil:
			t.Errorf("%s: Bootstrap: %v", st.name, err)
		}
		out := logs.String()
		for _, want := range st.wantLog {
			if !strings.Contains(out, want) {
				t.Errorf("%s: the log lacks %q:\n%s", st.name, want, out)
			}
		}
		if st.token != "" && strings.Contains(out, st.token) {
			t.Errorf("%s: the log holds the token:\n%s", st.name, out)
		}
		for _, tok := range st.works {
			code, body := call(tok, http.MethodGet, api.PathCurrentUser, nil)
			var u api.User
			_ = json.Unmarshal(body, &u)
			if code != http.StatusOK || !strings.EqualFold(u.Email, st.email) || !u.EmailVerified {
				t.Errorf("%s: a bootstrap token: %d %s", st.name, code, body)
			}
		}
		if st.wantPersonalToks > 0 {
			code, body := call(st.works[0], http.MethodGet, api.PathPersonalTokens, nil)
			var page api.Page[api.PersonalToken]
			_ = json.Unmarshal(body, &page)
			if code != http.StatusOK || len(page.Items) != st.wantPersonalToks {
				t.Errorf("%s: the user holds %d personal tokens, want %d: %s", st.name, len(page.Items), st.wantPersonalToks, body)
			}
		}
		if st.name == "a restart with a new token and a new seed user" {
			// The new seed user is a proven user: they can be added as a member.
			code, body := call(second, http.MethodPost, api.PathOrganizations,
				api.OrganizationCreate{Name: "seeded", AdminContactEmails: []string{owner}, Plan: api.PlanTeam})
			var org api.Organization
			_ = json.Unmarshal(body, &org)
			if code != http.StatusCreated {
				t.Fatalf("%s: create organization: %d %s", st.name, code, body)
			}
			members := strings.ReplaceAll(api.PathMembers, "{org_id}", org.ID)
			if code, body := call(second, http.MethodPost, members, api.MemberCreate{Email: seedNew, Role: api.RoleMember}); code != http.StatusCreated {
				t.Errorf("%s: add the new seed user as a member: %d %s", st.name, code, body)
			}
		}
		if err := srv.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBootstrapTokenLength: a bootstrap token of 32 characters, the documented minimum, is accepted,
// and one of 31 is refused with the minimum named.
func TestBootstrapTokenLength(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		token   string
		refused bool
	}{
		{strings.Repeat("a", 32), false},
		{strings.Repeat("a", 31), true},
	} {
		err := bareServer(t, io.Discard).Bootstrap(t.Context(), "owner@example.test", c.token, nil)
		if c.refused != (err != nil) || (c.refused && !strings.Contains(err.Error(), "at least 32")) {
			t.Errorf("a token of %d characters: error %v, refused %v wanted", len(c.token), err, c.refused)
		}
	}
}

// TestBootstrapWithoutTokenOrSeeds: a bootstrap without a token says so in the log, and one without
// seed users does not mention them.
func TestBootstrapWithoutTokenOrSeeds(t *testing.T) {
	t.Parallel()
	logs := &bytes.Buffer{}
	if err := bareServer(t, logs).Bootstrap(t.Context(), "owner@example.test", "", nil); err != nil {
		t.Fatal(err)
	}
	if out := logs.String(); !strings.Contains(out, "bootstrap: no token given") || strings.Contains(out, "personal token") ||
		strings.Contains(out, "seed users") {
		t.Errorf("bootstrap log:\n%s\nwant the missing token said, and no personal token or seed users", out)
	}
}

// TestBootstrapTokenRespectsTheCap: a bootstrap token is one of the user's personal tokens, so a user
// who already holds the most a user may hold (50) gets no 51st from a restart with a new token.
func TestBootstrapTokenRespectsTheCap(t *testing.T) {
	t.Parallel()
	srv := bareServer(t, io.Discard)
	const first = "orgs_pat_first-bootstrap-token-of-32-characters"
	if err := srv.Bootstrap(t.Context(), "owner@example.test", first, nil); err != nil {
		t.Fatal(err)
	}
	for i := range 49 {
		if code, body := serveJSON(srv, first, http.MethodPost, api.PathPersonalTokens, api.PersonalTokenCreate{Name: fmt.Sprintf("t%d", i)}); code != http.StatusCreated {
			t.Fatalf("personal token %d: %d %s", i+2, code, body)
		}
	}
	err := srv.Bootstrap(t.Context(), "owner@example.test", "orgs_pat_second-bootstrap-token-of-32-characters", nil)
	if err == nil || !strings.Contains(err.Error(), "holds 50 personal access tokens, the most a user may hold") {
		t.Fatalf("a 51st token by bootstrap: error %v, want the cap named", err)
	}
}

// bareServer is a server on a new database of its own, without the harness, logging to logs.
func bareServer(t *testing.T, logs io.Writer) *server.Server {
	t.Helper()
	srv, err := server.New(server.Config{DBPath: filepath.Join(t.TempDir(), "orgs.db"), RateLimit: server.RateLimit{Disabled: true},
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// serveJSON sends one request to srv with cred as the bearer credential and body, when not nil, as
// JSON; it returns the status and the body.
func serveJSON(srv http.Handler, cred, method, path string, body any) (int, []byte) {
	var data []byte
	if body != nil {
		data, _ = json.Marshal(body)
	}
	req := httptest.NewRequest(method, path, bytes.NewReader(data))
	req.Header.Set("Authorization", "Bearer "+cred)
	req.Header.Set("Content-Type", api.ContentTypeJSON)
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}
