data "orgs_teams" "all" {
  organization_id = orgs_organization.platform.id

  # Read after the team this configuration manages exists, so the list holds it.
  depends_on = [orgs_team.platform_admins]
}

# Only the teams that make their members admins.
data "orgs_teams" "admins" {
  organization_id = orgs_organization.platform.id
  role            = "admin"

  depends_on = [orgs_team.platform_admins]
}

output "team_slugs" {
  value = data.orgs_teams.all.teams[*].slug
}

output "admin_teams" {
  value = data.orgs_teams.admins.teams[*].name
}
