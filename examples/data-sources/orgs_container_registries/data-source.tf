# The organization's Amazon ECR credentials. Secrets are never read: the API does not return them.
data "orgs_container_registries" "ecr" {
  organization_id = orgs_organization.platform.id
  kind            = "ecr"
}

output "ecr_registries" {
  value = { for r in data.orgs_container_registries.ecr.container_registries : r.name => r.url }
}
