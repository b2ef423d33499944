package server

// The OpenAPI document is committed beside the code (openapi.json) so that reviewers see API changes
// in diffs; TestOpenAPIDocumentIsCurrent fails when it is stale. Regenerate it with:
//
//	go generate ./internal/server

//go:generate go run ../cmd/orgs-apiserver -write-openapi openapi.json
