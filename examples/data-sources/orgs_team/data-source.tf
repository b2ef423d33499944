data "orgs_team" "platform_admins" {
  organization_id = orgs_organization.platform.id
  slug            = orgs_team.platform_admins.slug
}

output "platform_admins_grant" {
  value = data.orgs_team.platform_admins.role
}
