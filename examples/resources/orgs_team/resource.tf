# A team that administers the organization: each of its members can do what an admin can, for as long
# as they are in it.
resource "orgs_team" "platform_admins" {
  organization_id = orgs_organization.platform.id
  name            = "Platform Admins" # the slug is derived from it: platform-admins
  description     = "On-call engineers of the platform team"
  role            = "admin"
}

resource "orgs_environment" "staging" {
  organization_id = orgs_organization.platform.id
  name            = "Staging"
}

# A team that grants no organization role, only a role in one environment.
resource "orgs_team" "release" {
  organization_id = orgs_organization.platform.id
  name            = "Release Engineers"
  slug            = "release"

  environment_roles = {
    (orgs_environment.staging.slug) = "run"
  }
}
