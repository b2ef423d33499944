data "orgs_environments" "platform" {
  organization_id = orgs_organization.platform.id
}

output "disconnected_environments" {
  description = "Environments whose agent needs debugging."
  value       = [for env in data.orgs_environments.platform.environments : env.slug if env.status == "disconnected"]
}
