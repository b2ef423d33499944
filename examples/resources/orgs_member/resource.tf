data "orgs_environments" "platform" {
  organization_id = orgs_organization.platform.id
}

locals {
  default_environment_id = one([for env in data.orgs_environments.platform.environments : env.id if env.default])
}

# An administrator of the whole organization.
resource "orgs_member" "alice" {
  organization_id = orgs_organization.platform.id
  email           = "alice@example.com"
  role            = "admin"
}

# A member sees no environment until given a role in it.
resource "orgs_member" "bob" {
  organization_id = orgs_organization.platform.id
  email           = "bob@example.com"
  role            = "member"

  environment_roles = {
    (local.default_environment_id) = "run"
  }
}
