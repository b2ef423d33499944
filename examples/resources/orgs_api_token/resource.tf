resource "orgs_api_token" "ci" {
  organization_id = orgs_organization.platform.id
  name            = "ci-pipeline"
  role            = "member"
  expires_at      = "2030-01-01T00:00:00Z"
}

# The secret is known only to the run that creates the token; hand it on, for example to a CI secret store.
output "ci_token" {
  value     = orgs_api_token.ci.token
  sensitive = true
}
