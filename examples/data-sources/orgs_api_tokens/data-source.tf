# Tokens that no longer work: expired, or their creator left the organization. No secret is ever read.
data "orgs_api_tokens" "inactive" {
  organization_id = orgs_organization.platform.id
  status          = "inactive"
}

output "inactive_tokens" {
  value = [for t in data.orgs_api_tokens.inactive.api_tokens : "${t.name} (${t.id})"]
}
