package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// runCommand runs the program to its exit and returns its stdout, stderr and exit code.
func runCommand(t *testing.T, bin string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "ORGS_BOOTSTRAP_EMAIL=", "ORGS_BOOTSTRAP_TOKEN=", "ORGS_SEED_USERS=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return stdout.String(), stderr.String(), 0
	case errors.As(err, &exit):
		return stdout.String(), stderr.String(), exit.ExitCode()
	}
	t.Fatalf("run %v: %v\n%s", args, err, stderr.String())
	return "", "", 0
}

// testAdmin (issue 10, item 5): each operator subcommand, run against the database of a server that
// is running and being written to at the same time, with what it must print, its exit code, and what
// the API shows afterwards.
func testAdmin(t *testing.T, bin string) {
	dir := t.TempDir()
	db := filepath.Join(dir, "orgs.db")
	owner, ownerToken := "admin-owner-"+randomHex()+"@example.test", "orgs_pat_"+randomHex()+randomHex()
	p := start(t, bin, db, owner, ownerToken)

	var org api.Organization
	p.must(t, http.StatusCreated, ownerToken, http.MethodPost, api.PathOrganizations,
		api.OrganizationCreate{Name: "operated", AdminContactEmails: []string{owner}, Plan: api.PlanTeam}, &org)
	orgPath := func(template string, kv ...string) string {
		out := strings.ReplaceAll(template, "{org_id}", org.ID)
		for i := 0; i+1 < len(kv); i += 2 {
			out = strings.ReplaceAll(out, "{"+kv[i]+"}", kv[i+1])
		}
		return out
	}
	invite := func(t *testing.T, email string) api.Invitation {
		var inv api.Invitation
		p.must(t, http.StatusCreated, ownerToken, http.MethodPost, orgPath(api.PathInvitations), api.InvitationCreate{Email: email, Role: api.RoleMember}, &inv)
		return inv
	}
	memberStatus := func(t *testing.T, email string) api.MemberStatus {
		var m api.Member
		p.must(t, http.StatusOK, ownerToken, http.MethodGet, orgPath(api.PathMember, "email", email), nil, &m)
		return m.Status
	}

	// The server keeps writing while the subcommands run: both must go on working on the one file.
	stopWriting := make(chan struct{})
	var writes atomic.Int64
	var writer sync.WaitGroup
	writer.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stopWriting:
				return
			default:
			}
			// Create and delete one label in turn: the plan's label limit is never reached.
			method, path, body, want := http.MethodPost, orgPath(api.PathLabels), any(api.LabelCreate{Key: "example.test/beside", Value: fmt.Sprint(i)}), http.StatusCreated
			if i%2 == 1 {
				method, path, body, want = http.MethodDelete, orgPath(api.PathLabel, "key", "example.test%2Fbeside"), nil, http.StatusNoContent
			}
			status, data, err := p.call(ownerToken, method, path, body)
			if err != nil || status != want {
				t.Errorf("a write beside the subcommands: %d %v %s", status, err, data)
				return
			}
			writes.Add(1)
		}
	})

	carol, dave := "carol-"+randomHex()+"@example.test", "dave-"+randomHex()+"@example.test"
	erin, frank := "erin-"+randomHex()+"@example.test", "frank-"+randomHex()+"@example.test"
	ids := map[string]string{"db": db, "org": org.ID, "missing-db": filepath.Join(dir, "missing.db")}
	tokenLine := regexp.MustCompile(`^orgs_pat_\S+\n$`)
	codeLine := regexp.MustCompile(`^orgs_inv_\S+\n$`)

	steps := []struct {
		name     string
		before   func(t *testing.T) // sets up what the command works on, through the API
		args     []string           // {db}, {org} and ids set by before are replaced
		wantExit int
		wantOut  []string // substrings of stdout
		wantErr  []string // substrings of stderr
		after    func(t *testing.T, stdout, stderr string)
	}{
		{name: "users add creates proven users", args: []string{"users", "add", "-db", "{db}", carol, dave},
			wantOut: []string{carol + "\tadded", dave + "\tadded"}},
		{name: "users add is idempotent, flags may follow the arguments", args: []string{"users", "add", carol, "-db", "{db}"},
			wantOut: []string{carol + "\talready present"}},
		{name: "users add refuses what is not an address", args: []string{"users", "add", "-db", "{db}", "not-an-address"},
			wantExit: 2, wantErr: []string{`"not-an-address" is not an email address`}},
		{name: "users add needs an address", args: []string{"users", "add", "-db", "{db}"},
			wantExit: 2, wantErr: []string{"missing EMAIL"}},
		{name: "users list shows them, proven", args: []string{"users", "list", "-db", "{db}"},
			after: func(t *testing.T, stdout, _ string) {
				if !regexp.MustCompile(regexp.QuoteMeta(carol) + `\s+true`).MatchString(stdout) {
					t.Errorf("users list does not show %s as proven:\n%s", carol, stdout)
				}
			}},
		{name: "tokens create prints a token that works at once", args: []string{"tokens", "create", "-db", "{db}", "-name", "ci", carol},
			wantErr: []string{"shown this once"},
			after: func(t *testing.T, stdout, stderr string) {
				if !tokenLine.MatchString(stdout) {
					t.Fatalf("stdout is not one token line: %q", stdout)
				}
				token := strings.TrimSpace(stdout)
				ids["carol-token"] = token
				if strings.Contains(stderr, token) {
					t.Errorf("the token is on stderr too: %s", stderr)
				}
				var u api.User
				p.must(t, http.StatusOK, token, http.MethodGet, api.PathCurrentUser, nil, &u)
				if u.Email != carol || !u.EmailVerified {
					t.Errorf("the new token acts as %+v", u)
				}
			}},
		{name: "tokens create names a missing user", args: []string{"tokens", "create", "-db", "{db}", "nobody@example.test"},
			wantExit: 1, wantErr: []string{"no user holds the address nobody@example.test", "users add"}},
		{name: "tokens create refuses a negative expiry", args: []string{"tokens", "create", "-db", "{db}", "-expires-in", "-1h", carol},
			wantExit: 2, wantErr: []string{"-expires-in"}},
		{name: "a missing database is named, not created", args: []string{"tokens", "create", "-db", "{missing-db}", carol},
			wantExit: 1, wantErr: []string{"no database at " + filepath.Join(dir, "missing.db")},
			after: func(t *testing.T, _, _ string) {
				if _, err := os.Stat(filepath.Join(dir, "missing.db")); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("the subcommand created the missing database: %v", err)
				}
			}},
		{name: "memberships list shows a pending membership",
			before: func(t *testing.T) {
				p.must(t, http.StatusCreated, ownerToken, http.MethodPost, orgPath(api.PathMembers), api.MemberCreate{Email: carol, Role: api.RoleAdmin}, nil)
			},
			args: []string{"memberships", "list", "-db", "{db}", carol}, wantOut: []string{org.ID, carol, "admin", "pending"}},
		{name: "memberships accept activates it", args: []string{"memberships", "accept", "-db", "{db}", "{org}", carol},
			wantOut: []string{org.ID + "\t" + carol + "\tadmin\tactive"},
			after: func(t *testing.T, _, _ string) {
				if s := memberStatus(t, carol); s != api.MemberActive {
					t.Errorf("after memberships accept the API says %s", s)
				}
				// The activity log says the operator did it, not carol.
				var log api.Page[api.ActivityEntry]
				p.must(t, http.StatusOK, ownerToken, http.MethodGet, orgPath(api.PathActivity), nil, &log)
				found := false
				for _, e := range log.Items {
					found = found || (e.Action == "member.accept" && e.ActorID == "operator")
				}
				if !found {
					t.Errorf("the activity log has no member.accept by the operator: %+v", log.Items)
				}
			}},
		{name: "memberships accept twice says it is active", args: []string{"memberships", "accept", "-db", "{db}", "{org}", carol},
			wantExit: 1, wantErr: []string{"already active"}},
		{name: "memberships accept needs both arguments", args: []string{"memberships", "accept", "-db", "{db}", "{org}"},
			wantExit: 2, wantErr: []string{"missing ORG_ID EMAIL"}},
		{name: "invitations list shows pending invitations, never a code",
			before: func(t *testing.T) {
				ids["inv-erin"] = invite(t, erin).ID
				ids["inv-frank"] = invite(t, frank).ID
			},
			args: []string{"invitations", "list", "-db", "{db}", "-org", "{org}"}, wantOut: []string{erin, frank, "pending"}, wantErr: []string{"invitations resend"},
			after: func(t *testing.T, stdout, _ string) {
				if !strings.Contains(stdout, ids["inv-erin"]) || strings.Contains(stdout, "orgs_inv_") {
					t.Errorf("invitations list:\n%s", stdout)
				}
			}},
		{name: "invitations list filters by address", args: []string{"invitations", "list", "-db", "{db}", "-email", strings.ToUpper(erin), "-json"},
			after: func(t *testing.T, stdout, _ string) {
				var invs []api.Invitation
				if err := json.Unmarshal([]byte(stdout), &invs); err != nil || len(invs) != 1 || invs[0].Email != erin {
					t.Errorf("invitations list -email %s -json: %v\n%s", erin, err, stdout)
				}
			}},
		{name: "invitations accept makes the invitee a member", args: []string{"invitations", "accept", "-db", "{db}", "{inv-erin}"},
			wantOut: []string{erin + "\tmember\tactive"}, wantErr: []string{"tokens create"},
			after: func(t *testing.T, _, _ string) {
				if s := memberStatus(t, erin); s != api.MemberActive {
					t.Errorf("after invitations accept the API says %s", s)
				}
			}},
		{name: "invitations accept twice says it was accepted", args: []string{"invitations", "accept", "-db", "{db}", "{inv-erin}"},
			wantExit: 1, wantErr: []string{"already accepted"}},
		{name: "invitations accept names an unknown invitation", args: []string{"invitations", "accept", "-db", "{db}", "inv_nosuchinvitation"},
			wantExit: 1, wantErr: []string{`invitation "inv_nosuchinvitation" not found`}},
		{name: "invitations resend prints a new code the invitee can accept with", args: []string{"invitations", "resend", "-db", "{db}", "{inv-frank}"},
			wantErr: []string{"no longer works", api.PathInvitationAccept},
			after: func(t *testing.T, stdout, _ string) {
				if !codeLine.MatchString(stdout) {
					t.Fatalf("stdout is not one code line: %q", stdout)
				}
				var acc api.InvitationAcceptance
				p.must(t, http.StatusOK, "", http.MethodPost, api.PathInvitationAccept, api.InvitationAccept{Code: strings.TrimSpace(stdout)}, &acc)
				if acc.Member.Email != frank || acc.Member.Status != api.MemberActive {
					t.Errorf("acceptance with the re-sent code: %+v", acc.Member)
				}
			}},
		{name: "invitations resend refuses a negative lifetime", args: []string{"invitations", "resend", "-db", "{db}", "-invitation-ttl", "-1h", "{inv-frank}"},
			wantExit: 2, wantErr: []string{"-invitation-ttl must not be negative"}},
		{name: "invitations resend refuses an accepted invitation", args: []string{"invitations", "resend", "-db", "{db}", "{inv-frank}"},
			wantExit: 1, wantErr: []string{"already accepted"}},
		{name: "orgs list shows the organization with its counts",
			before: func(t *testing.T) {
				p.must(t, http.StatusCreated, ownerToken, http.MethodPost, orgPath(api.PathMembers), api.MemberCreate{Email: dave, Role: api.RoleMember}, nil)
			},
			args: []string{"orgs", "list", "-db", "{db}", "-json"},
			after: func(t *testing.T, stdout, _ string) {
				var orgs []struct {
					ID                 string `json:"id"`
					Name               string `json:"name"`
					ActiveMembers      int    `json:"active_members"`
					PendingMembers     int    `json:"pending_members"`
					PendingInvitations int    `json:"pending_invitations"`
				}
				if err := json.Unmarshal([]byte(stdout), &orgs); err != nil || len(orgs) != 1 {
					t.Fatalf("orgs list -json: %v\n%s", err, stdout)
				}
				// owner, carol, erin, frank active; dave pending.
				if o := orgs[0]; o.ID != org.ID || o.Name != "operated" || o.ActiveMembers != 4 || o.PendingMembers != 1 || o.PendingInvitations != 0 {
					t.Errorf("orgs list: %+v", o)
				}
			}},
		{name: "orgs list prints a table", args: []string{"orgs", "list", "-db", "{db}"},
			wantOut: []string{"MEMBERS", org.ID, "operated"}},
		{name: "orgs create makes an organization owned by a proven user, with the settings given and defaults for the rest",
			args:    []string{"orgs", "create", "-db", "{db}", "-owner", carol, "-plan", "team", "-ai-hints", "Brought In"},
			wantErr: []string{"import {", "orgs_organization", "orgs-onboard -org"},
			after: func(t *testing.T, stdout, _ string) {
				if !regexp.MustCompile(`^org_\S+\n$`).MatchString(stdout) {
					t.Fatalf("stdout is not one organization id: %q", stdout)
				}
				id := strings.TrimSpace(stdout)
				var got api.Organization
				p.must(t, http.StatusOK, ids["carol-token"], http.MethodGet, strings.ReplaceAll(api.PathOrganization, "{org_id}", id), nil, &got)
				want := api.OrganizationSettings{ArtifactsStorageLimitGB: api.DefaultOrganizationSettings.ArtifactsStorageLimitGB, AIHintsEnabled: true}
				if got.Name != "Brought In" || got.Plan != api.PlanTeam || got.Settings != want || len(got.AdminContactEmails) != 1 || got.AdminContactEmails[0] != carol {
					t.Errorf("the organization as its owner reads it: %+v", got)
				}
				var m api.Member
				p.must(t, http.StatusOK, ids["carol-token"], http.MethodGet, strings.NewReplacer("{org_id}", id, "{email}", carol).Replace(api.PathMember), nil, &m)
				if m.Role != api.RoleOwner || m.Status != api.MemberActive {
					t.Errorf("the owner's membership: %+v", m)
				}
				var log api.Page[api.ActivityEntry]
				p.must(t, http.StatusOK, ids["carol-token"], http.MethodGet, strings.ReplaceAll(api.PathActivity, "{org_id}", id), nil, &log)
				actions := map[string]string{}
				for _, e := range log.Items {
					actions[e.Action] = e.ActorType + " " + e.ActorID
				}
				if actions["organization.create"] != "user operator" || actions["environment.create"] != "user operator" {
					t.Errorf("the activity log does not show the operator creating it: %v", actions)
				}
			}},
		{name: "orgs create refuses an unknown plan, naming the plans", args: []string{"orgs", "create", "-db", "{db}", "-owner", carol, "-plan", "gold", "Gold"},
			wantExit: 1, wantErr: []string{`"gold" is not a plan`, "enterprise"}},
		{name: "orgs create names a missing owner", args: []string{"orgs", "create", "-db", "{db}", "-owner", "nobody@example.test", "Nobody's"},
			wantExit: 1, wantErr: []string{"no user holds the address nobody@example.test", "users add"}},
		{name: "orgs create needs -owner", args: []string{"orgs", "create", "-db", "{db}", "Ownerless"},
			wantExit: 2, wantErr: []string{"-owner is required"}},
		{name: "orgs create holds the organization cap",
			before: func(t *testing.T) {
				// carol is in "operated" and "Brought In": three more make five.
				for i := range 3 {
					if stdout, stderr, exit := runCommand(t, bin, "orgs", "create", "-db", db, "-owner", carol, fmt.Sprint("filler ", i)); exit != 0 {
						t.Fatalf("orgs create filler %d: exit %d\n%s%s", i, exit, stdout, stderr)
					}
				}
			},
			args: []string{"orgs", "create", "-db", "{db}", "-owner", carol, "One Too Many"}, wantExit: 1, wantErr: []string{"at most 5 organizations"}},
		{name: "an unknown action is a usage error", args: []string{"orgs", "delete", "-db", "{db}"},
			wantExit: 2, wantErr: []string{`unknown action "delete"`, "orgs list"}},
		{name: "an unknown flag is a usage error", args: []string{"orgs", "list", "-db", "{db}", "-frobnicate"},
			wantExit: 2, wantErr: []string{"-frobnicate"}},
		{name: "-h shows the flags", args: []string{"tokens", "create", "-h"},
			wantErr: []string{"-expires-in", "-db"}},
		{name: "an unknown subcommand is a usage error", args: []string{"user", "add"},
			wantExit: 2, wantErr: []string{`"user"`, "users, tokens"}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.before != nil {
				st.before(t)
			}
			args := make([]string, len(st.args))
			for i, a := range st.args {
				args[i] = a
				if strings.HasPrefix(a, "{") && strings.HasSuffix(a, "}") {
					args[i] = ids[strings.Trim(a, "{}")]
				}
			}
			stdout, stderr, exit := runCommand(t, bin, args...)
			if exit != st.wantExit {
				t.Fatalf("%v: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", args, exit, st.wantExit, stdout, stderr)
			}
			for _, want := range st.wantOut {
				if !strings.Contains(stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, stdout)
				}
			}
			for _, want := range st.wantErr {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
			if st.after != nil {
				st.after(t, stdout, stderr)
			}
		})
	}
	close(stopWriting)
	writer.Wait()
	if writes.Load() == 0 {
		t.Error("the server took no write while the subcommands ran")
	}
	if err := p.stop(t, syscall.SIGTERM); err != nil {
		t.Fatalf("the server after the subcommands: %v\n%s", err, p.output)
	}
}
