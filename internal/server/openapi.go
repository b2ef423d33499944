package server

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
)

// The OpenAPI document is committed beside the code (openapi.json) so that reviewers see API changes
// in diffs; TestOpenAPIDocumentIsCurrent fails when it is stale. Regenerate it with:
//
//	go generate ./internal/server

//go:generate go run ../cmd/orgs-apiserver -write-openapi openapi.json

// OpenAPI returns the OpenAPI 3.1 document of the API (JSON), exactly as the server serves it at
// api.PathOpenAPI. It needs no database.
func OpenAPI() ([]byte, error) {
	s := newServer(Config{})
	return marshalOpenAPI(s.newAPI(http.NewServeMux()))
}

func marshalOpenAPI(a huma.API) ([]byte, error) {
	doc, err := json.MarshalIndent(a.OpenAPI(), "", "  ")
	if err != nil {
		return nil, fmt.Errorf("marshal OpenAPI document: %w", err)
	}
	return append(doc, '\n'), nil
}

// newAPI builds the huma API on mux and registers every operation.
func (s *Server) newAPI(mux *http.ServeMux) huma.API {
	config := huma.DefaultConfig("Organizations API", "1.0.0")
	config.Info.Description = "The organization API of the terraform-provider-orgs reference server: organizations, " +
		"members, invitations, API tokens, container registries, labels, environments, usage and activity. " +
		"Authenticate with `Authorization: Bearer <token>` (a personal access token or an organization API token). " +
		"Errors are RFC 9457 problem documents (application/problem+json) with a stable `type`. " +
		"Requests are rate limited per user (RateLimit-Policy and RateLimit headers on every answer); a bulk request " +
		"(POST /orgs/{org_id}/bulk/...) of n items costs ceil(n / 50) requests (at least one), and each of its items succeeds or " +
		"fails on its own, with the status and problem document its own request would have had."
	// The document is served by the server itself at api.PathOpenAPI; huma's docs UI, schema routes and
	// the $schema links it adds to every response body are not wanted.
	config.OpenAPIPath = ""
	config.DocsPath = ""
	config.SchemasPath = ""
	config.CreateHooks = nil
	config.Formats = map[string]huma.Format{"application/json": jsonFormat, "json": jsonFormat}
	config.Transformers = append(config.Transformers, sendWithETag)
	config.RejectUnknownQueryParameters = true
	config.Info.License = &huma.License{Name: "MPL-2.0", Identifier: "MPL-2.0"}
	// Where `make server` and the program's default -listen put it; a client points at its own.
	config.Servers = []*huma.Server{{URL: "http://127.0.0.1:8080", Description: "A local reference server (orgs-apiserver's default address)."}}
	config.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		securityScheme: {Type: "http", Scheme: "bearer", Description: "A personal access token (orgs_pat_...) or an organization API token (orgs_ot_...)."},
	}
	registerEnumSchemas(config.Components.Schemas)
	a := humago.New(mux, config)
	a.UseMiddleware(s.checkAccess)
	s.registerUsers(a)
	s.registerOrganizations(a)
	s.registerMembers(a)
	s.registerInvitations(a)
	s.registerAPITokens(a)
	s.registerContainerRegistries(a)
	s.registerLabels(a)
	s.registerEnvironments(a)
	s.registerUsage(a)
	s.registerActivity(a)
	s.registerDomains(a)
	s.registerTeams(a)
	s.registerWebhooks(a)
	return a
}
