package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// TestOpenAPIDocumentIsCurrent fails when the committed openapi.json differs from the document the code
// generates. Fix it with `go generate ./internal/server`.
func TestOpenAPIDocumentIsCurrent(t *testing.T) {
	t.Parallel()
	want, err := OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatalf("read the committed document: %v (generate it with `go generate ./internal/server`)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("internal/server/openapi.json is stale: regenerate it with `go generate ./internal/server` and commit it")
	}
}

// TestOpenAPIDocumentIsDeterministic guards the staleness check itself: a document that changed from
// one generation to the next would make it fail at random.
func TestOpenAPIDocumentIsDeterministic(t *testing.T) {
	t.Parallel()
	first, err := OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		again, err := OpenAPI()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, again) {
			t.Fatal("two generations of the OpenAPI document differ")
		}
	}
}

// TestOpenAPIDocumentDescribesTheContract checks what clients rely on: every enumeration is listed,
// request bodies refuse unknown fields, lists take page parameters, and creates document Idempotency-Key.
func TestOpenAPIDocumentDescribesTheContract(t *testing.T) {
	t.Parallel()
	raw, err := OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI    string `json:"openapi"`
		Components struct {
			Schemas map[string]struct {
				AdditionalProperties *bool `json:"additionalProperties"`
				Properties           map[string]struct {
					Enum []string `json:"enum"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
		Paths map[string]map[string]struct {
			Parameters []struct {
				Name string `json:"name"`
				In   string `json:"in"`
			} `json:"parameters"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	enums := map[string][2]string{ // schema.property: one value it must list
		"MemberCreate.role":              {"owner", "biller"},
		"APITokenCreate.role":            {"admin", "member"},
		"OrganizationCreate.plan":        {"hobby", "enterprise"},
		"ContainerRegistryCreate.kind":   {"ecr", "other"},
		"EnvironmentUpdate.status":       {"connected", "disconnected"},
		"Invitation.status":              {"pending", "expired"},
		"OrganizationUpdate.plan":        {"starter", "team"},
		"InvitationCreate.role":          {"admin", "owner"},
		"ActivityEntry.actor_type":       {"user", "token"},
		"ContainerRegistry.kind":         {"dockerhub", "gar"},
		"Environment.status":             {"connected", "disconnected"},
		"Usage.plan":                     {"hobby", "startup"},
		"Member.role":                    {"owner", "member"},
		"APIToken.role":                  {"admin", "biller"},
		"Organization.plan":              {"hobby", "team"},
		"MemberUpdate.role":              {"owner", "admin"},
		"LabelCreate.key":                {"", ""}, // present, no enum
		"SignupRequest.email":            {"", ""},
		"InvitationAccept.code":          {"", ""},
		"PersonalTokenCreate.expires_at": {"", ""},
	}
	for ref, values := range enums {
		schemaName, prop, _ := strings.Cut(ref, ".")
		schema, ok := doc.Components.Schemas[schemaName]
		if !ok {
			t.Errorf("no schema %s", schemaName)
			continue
		}
		p, ok := schema.Properties[prop]
		if !ok {
			t.Errorf("schema %s has no property %s", schemaName, prop)
			continue
		}
		for _, v := range values {
			if v != "" && !slices.Contains(p.Enum, v) {
				t.Errorf("%s: enum %v lacks %q", ref, p.Enum, v)
			}
		}
	}
	for _, name := range []string{"OrganizationCreate", "OrganizationUpdate", "MemberCreate", "LabelCreate", "ContainerRegistryUpdate", "APITokenCreate"} {
		if s := doc.Components.Schemas[name]; s.AdditionalProperties == nil || *s.AdditionalProperties {
			t.Errorf("schema %s allows unknown properties", name)
		}
	}
	hasParam := func(path, method, name, in string) bool {
		for _, p := range doc.Paths[path][method].Parameters {
			if p.Name == name && p.In == in {
				return true
			}
		}
		return false
	}
	for _, path := range []string{"/api/v1/orgs", "/api/v1/orgs/{org_id}/members", "/api/v1/orgs/{org_id}/activity", "/api/v1/user/tokens"} {
		if !hasParam(path, "get", "page_size", "query") || !hasParam(path, "get", "page_token", "query") {
			t.Errorf("GET %s does not document page_size and page_token", path)
		}
	}
	for _, path := range []string{"/api/v1/orgs", "/api/v1/orgs/{org_id}/labels", "/api/v1/orgs/{org_id}/tokens", "/api/v1/invitations/accept"} {
		if !hasParam(path, "post", "Idempotency-Key", "header") {
			t.Errorf("POST %s does not document Idempotency-Key", path)
		}
	}
	for _, path := range []string{"/api/v1/orgs/{org_id}", "/api/v1/orgs/{org_id}/labels/{key}"} {
		if !hasParam(path, "patch", "If-Match", "header") {
			t.Errorf("PATCH %s does not document If-Match", path)
		}
	}
}

func TestOpenAPIServedMatchesOpenAPI(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, api.PathOpenAPI, nil))
	want, err := OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rec.Body)
	if rec.Code != http.StatusOK || !bytes.Equal(got, want) {
		t.Fatalf("served document (%d, %d bytes) differs from OpenAPI() (%d bytes)", rec.Code, len(got), len(want))
	}
}
