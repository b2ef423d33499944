package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server"
)

// TestIdempotentReplay sends every POST of the route table twice with one Idempotency-Key: the replay
// answers the first response, byte for byte and with its headers, and does the work once (one new
// object in the list the POST adds to, one invitation email for a resend).
func TestIdempotentReplay(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	w := h.newWorld(t, api.PlanTeam)
	readable := map[string]bool{}
	ops := operations(t)
	for _, op := range ops {
		if op.Method == http.MethodGet {
			readable[op.Route] = true
		}
	}
	for _, op := range ops {
		if op.Method != http.MethodPost {
			continue
		}
		t.Run(op.String(), func(t *testing.T) {
			params := w.paramsFor(op.Route)
			body := h.validBody(t, w, op)
			cred := w.Owner.Token
			switch op.Route {
			case api.PathInvitationResend:
				h.Clock.Advance(api.InvitationResendInterval)
			case api.PathMembershipAccept, api.PathMembershipDecline:
				params["org_id"] = h.pendingMembership(t, w.Owner)
			case api.PathVerifyEmail:
				u := h.signupUnverified(t, h.email())
				cred, body = u.Token, api.EmailVerification{Code: h.verificationCode(t, u.ID)}
			case api.PathMemberResend:
				u := h.signup(t)
				h.addMember(t, w.Owner.Token, w.Org.ID, u.Email, api.RoleMember)
				h.Clock.Advance(api.InvitationResendInterval)
				params["email"] = u.Email
			case api.PathDomainVerify:
				d := h.createDomain(t, w.Owner.Token, w.Org.ID)
				h.DNS.SetTXT(d.VerificationRecordName, d.VerificationRecordValue)
				params["domain"] = d.Domain
			}
			route := fill(t, op.Route, params)
			key := h.unique("key")
			count := func() int {
				if !readable[op.Route] {
					return -1
				}
				return len(listAll[json.RawMessage](t, h, w.Owner.Token, route, 0))
			}
			n, emails := count(), len(h.invitationEmails())

			first := h.do(t, cred, op.Method, route, body, api.HeaderIdempotencyKey, key)
			if first.Status >= 300 {
				t.Fatalf("first call: %s", first)
			}
			replay := h.do(t, cred, op.Method, route, body, api.HeaderIdempotencyKey, key)
			if op.Route == api.PathUsers {
				// Sign-up takes no key: its body holds nothing secret, so a stored response (with the
				// new account's token) could be replayed by anyone who guessed the key. Each sign-up
				// makes a new unproven account, which holds nothing until it proves the address.
				again := decode[api.SignupResponse](t, replay)
				if replay.Status != http.StatusCreated || replay.Header.Get(server.HeaderIdempotentReplayed) != "" ||
					again.User.ID == decode[api.SignupResponse](t, first).User.ID {
					t.Fatalf("a sign-up was replayed:\nfirst  %s\nsecond %s", first, replay)
				}
				return
			}
			if replay.Status != first.Status || !bytes.Equal(replay.Body, first.Body) {
				t.Fatalf("the replay differs from the first response:\nfirst  %s\nreplay %s", first, replay)
			}
			if replay.Header.Get(server.HeaderIdempotentReplayed) != "true" {
				t.Errorf("the replay is not marked %s", server.HeaderIdempotentReplayed)
			}
			for _, name := range []string{"Content-Type", api.HeaderETag, "Location"} {
				if got, want := replay.Header.Get(name), first.Header.Get(name); got != want {
					t.Errorf("replayed %s = %q, first response had %q", name, got, want)
				}
			}
			if n >= 0 {
				if got := count(); got != n+1 {
					t.Errorf("%d new objects after a call and its replay, want 1", got-n)
				}
			}
			if got := len(h.invitationEmails()) - emails; got > 1 {
				t.Errorf("%d invitation emails for a call and its replay, want at most 1", got)
			}
		})
	}
}

// TestIdempotentConcurrent sends one create many times at once with one key: exactly one object is made;
// every answer is the first response or a 409 saying the first is still running.
func TestIdempotentConcurrent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	tokens := path(api.PathAPITokens, "org_id", org.ID)

	for round := range 3 {
		key := h.unique("key")
		// Token names need not be unique, so only the key can stop a duplicate.
		body := api.APITokenCreate{Name: "concurrent", Role: api.RoleMember}
		const n = 8
		responses := make([]*response, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				r, err := h.send(owner.Token, http.MethodPost, tokens, body, api.HeaderIdempotencyKey, key)
				if err != nil {
					t.Error(err)
					return
				}
				checkResponse(t, r)
				responses[i] = r
			})
		}
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
		var created []*response
		for _, r := range responses {
			switch r.Status {
			case http.StatusCreated:
				created = append(created, r)
			case http.StatusConflict:
				if p := r.problem(t); p.Type != api.ProblemIdempotencyBusy {
					t.Errorf("a concurrent replay got %s, want problem %s", r, api.ProblemIdempotencyBusy)
				}
				if r.Header.Get(api.HeaderRetryAfter) == "" {
					t.Errorf("a concurrent replay got %s without Retry-After: clients retry it", r)
				}
			default:
				t.Errorf("a concurrent replay got %s", r)
			}
		}
		if len(created) == 0 {
			t.Fatal("no call of the concurrent batch succeeded")
		}
		for _, r := range created[1:] {
			if !bytes.Equal(r.Body, created[0].Body) {
				t.Errorf("two different successful answers for one key:\n%s\n%s", created[0].Body, r.Body)
			}
		}
		all := listAll[api.APIToken](t, h, owner.Token, tokens, 0)
		if len(all) != round+1 {
			t.Fatalf("round %d: %d tokens exist, want %d", round, len(all), round+1)
		}
	}
}

func TestIdempotencyKeyReuse(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	admin := h.newMember(t, owner.Token, org.ID, api.RoleAdmin)
	tokens := path(api.PathAPITokens, "org_id", org.ID)
	labels := path(api.PathLabels, "org_id", org.ID)
	key := h.unique("key")

	first := decode[api.APIToken](t, h.expect(t, http.StatusCreated, owner.Token, http.MethodPost, tokens,
		api.APITokenCreate{Name: "first", Role: api.RoleMember}, api.HeaderIdempotencyKey, key))

	t.Run("another body", func(t *testing.T) {
		h.expectProblem(t, http.StatusUnprocessableEntity, api.ProblemIdempotencyReused, owner.Token, http.MethodPost, tokens,
			api.APITokenCreate{Name: "second", Role: api.RoleMember}, api.HeaderIdempotencyKey, key)
	})
	t.Run("another route", func(t *testing.T) {
		h.expectProblem(t, http.StatusUnprocessableEntity, api.ProblemIdempotencyReused, owner.Token, http.MethodPost, labels,
			h.labelBody(), api.HeaderIdempotencyKey, key)
	})
	if n := len(listAll[api.APIToken](t, h, owner.Token, tokens, 0)); n != 1 {
		t.Fatalf("%d tokens after refused reuses of a key, want 1", n)
	}
	if n := len(listAll[api.Label](t, h, owner.Token, labels, 0)); n != 0 {
		t.Fatalf("%d labels after a refused reuse of a key, want 0", n)
	}

	// Keys belong to the credential that sent them: another caller's same key is a new request, and it
	// must never be handed the first caller's response (which holds a secret).
	t.Run("another caller", func(t *testing.T) {
		r := h.expect(t, http.StatusCreated, admin.Token, http.MethodPost, tokens, api.APITokenCreate{Name: "first", Role: api.RoleMember}, api.HeaderIdempotencyKey, key)
		second := decode[api.APIToken](t, r)
		if second.ID == first.ID || strings.Contains(string(r.Body), first.Token) {
			t.Fatalf("another caller's replay got the first caller's token: %s", r.Body)
		}
		ids := []string{}
		for _, tok := range listAll[api.APIToken](t, h, owner.Token, tokens, 0) {
			ids = append(ids, tok.ID)
		}
		slices.Sort(ids)
		want := []string{first.ID, second.ID}
		slices.Sort(want)
		if !slices.Equal(ids, want) {
			t.Fatalf("tokens %v, want %v", ids, want)
		}
	})
}

// TestIdempotencyKeyLength: a key of 1 to 255 characters is taken, the longest included; an empty or a
// longer one is refused, naming the header.
func TestIdempotencyKeyLength(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanEnterprise)
	labels := path(api.PathLabels, "org_id", org.ID)
	for _, key := range []string{"k", strings.Repeat("k", 255)} {
		h.expect(t, http.StatusCreated, owner.Token, http.MethodPost, labels, h.labelBody(), api.HeaderIdempotencyKey, key)
	}
	for _, key := range []string{"", strings.Repeat("k", 256)} {
		p := h.expectProblem(t, http.StatusUnprocessableEntity, api.ProblemInvalid, owner.Token, http.MethodPost, labels, h.labelBody(), api.HeaderIdempotencyKey, key)
		if !strings.Contains(p.Detail+fmt.Sprint(p.Errors), api.HeaderIdempotencyKey) {
			t.Errorf("a key of %d characters: %+v, want the header named", len(key), p)
		}
	}
}
