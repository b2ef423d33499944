data "orgs_labels" "platform" {
  organization_id = orgs_organization.platform.id
}

output "labels" {
  value = { for l in data.orgs_labels.platform.labels : l.key => l.value }
}
