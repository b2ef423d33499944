data "orgs_usage" "platform" {
  organization_id = orgs_organization.platform.id
}

# Each limited quantity (members, environments, api_tokens, container_registries, labels) with its
# used, limit and remaining counts.
output "members_remaining" {
  value = data.orgs_usage.platform.quantities["members"].remaining
}
