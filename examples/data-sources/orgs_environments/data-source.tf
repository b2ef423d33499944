data "orgs_environments" "platform" {
  organization_id = orgs_organization.platform.id
}

# Only the environments whose agent needs debugging.
data "orgs_environments" "disconnected" {
  organization_id = orgs_organization.platform.id
  status          = "disconnected"
}

output "default_environment_id" {
  value = one([for env in data.orgs_environments.platform.environments : env.id if env.default])
}

output "disconnected_environments" {
  description = "Environments whose agent needs debugging."
  value       = data.orgs_environments.disconnected.environments[*].slug
}
