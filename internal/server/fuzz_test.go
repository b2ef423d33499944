package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// FuzzDecodeRequest sends arbitrary bodies to every POST and PATCH of the route table, as the owner of a
// populated organization. Whatever the bytes, the server answers, never with a 5xx, and every refusal
// is a well-formed problem document. The seed corpus runs with every `go test`; the README's test
// command also fuzzes it for a bounded time:
//
//	go test ./internal/server/ -run '^$' -fuzz '^FuzzDecodeRequest$' -fuzztime 20s
func FuzzDecodeRequest(f *testing.F) {
	h := newHarness(f)
	w := h.newWorld(f, api.PlanTeam)
	var ops []operation
	for _, op := range operations(f) {
		if op.Method == http.MethodPost || op.Method == http.MethodPatch {
			ops = append(ops, op)
		}
	}
	if len(ops) < 10 {
		f.Fatalf("only %d POST and PATCH operations in the route table", len(ops))
	}

	// Every operation gets these, and its own valid body; the rest of the seeds are dealt out over the
	// operations, which keeps the baseline small enough for a short -fuzztime.
	everywhere := []string{``, `{`, `null`, `[]`, `{"name": "\u0000", "value": "\u0000", "email": "\u0000"}`,
		// Email fields: non-ASCII addresses (Unicode case folding differs from SQLite's ASCII-only
		// lower()), one whose lower case changes its length, and invalid UTF-8.
		`{"email": "Ärger-İ@Exämple.test", "role": "member", "name": "ü", "admin_contact_emails": ["Ö@exämple.test"]}`,
		"{\"email\": \"\xc3(@example.test\", \"role\": \"member\"}",
		// Mixed-script and folding addresses: a dotted capital I and a Cyrillic a in the domain, a Kelvin
		// sign in the local part, and invisible or bidirectional characters, which must be refused.
		"{\"email\": \"x@\u0130bm.example\", \"role\": \"member\", \"admin_contact_emails\": [\"x@ex\u0430mple.test\"]}",
		"{\"email\": \"\u212Aevin@example.test\", \"role\": \"admin\"}",
		"{\"email\": \"al\u200bice@example.test\", \"role\": \"member\", \"admin_contact_emails\": [\"mal\u202eory@example.test\"]}"}
	seeds := []string{
		`}`, `true`, `0`, `-1e999`, `"x"`, `{}`, `[{}]`, `{"":""}`,
		`{"name": null}`, `{"name": 1}`, `{"name": ""}`, `{"name": "\u0000"}`, `{"name": "\ud800"}`,
		`{"name": "` + strings.Repeat("x", 5000) + `"}`, `{"role": "owner"}`, `{"role": ["owner"]}`,
		`{"plan": "free"}`, `{"plan": null}`, `{"email": "@"}`, `{"email": "a@b@c"}`, `{"key": "a/b/c"}`,
		`{"expires_at": "yesterday"}`, `{"expires_at": "0001-01-01T00:00:00Z"}`, `{"expires_at": "9999-12-31T23:59:59Z"}`,
		`{"settings": {"artifacts_storage_limit_gb": 1e300}}`, `{"settings": {"artifacts_storage_limit_gb": -1}}`,
		`{"settings": {"artifacts_storage_limit_gb": 9223372036854775808}}`, `{"settings": []}`,
		`{"environment_roles": {"": "read"}}`, `{"environment_roles": {"env_x": "root"}}`, `{"environment_roles": null}`,
		`{"admin_contact_emails": []}`, `{"admin_contact_emails": [null]}`, `{"kind": "ecr", "secret_access_key": 5}`,
		`{"name": "a", "name": "b"}`, `{"code": ""}`, `{"code": "orgs_inv_"}`, "\xff\xfe{}", `{"a":` + strings.Repeat(`[`, 20000),
		strings.Repeat(`{"a":`, 5000) + `1` + strings.Repeat(`}`, 5000),
	}
	for i, op := range ops {
		valid, err := json.Marshal(h.validBody(f, w, op))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), valid)
		for _, s := range everywhere {
			f.Add(uint8(i), []byte(s))
		}
	}
	for i, s := range seeds {
		f.Add(uint8(i%len(ops)), []byte(s))
	}

	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		op := ops[int(which)%len(ops)]
		route := fill(t, op.Route, w.paramsFor(op.Route))
		r, err := h.send(w.Owner.Token, op.Method, route, body)
		if err != nil {
			t.Fatalf("%s with %q: %v", op, body, err)
		}
		if r.Status >= 500 {
			t.Fatalf("%s with %q: %s", op, body, r)
		}
		checkResponse(t, r)
	})
}
