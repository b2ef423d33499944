# An administrator of the whole organization. Any address: with an account in one of the organization's
# verified domains (orgs_domain) it is active at once; another account is pending until the person
# accepts; an address without an account is invited, and active once the person accepts.
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

  # Keyed by the environment's slug, so a plan says which environment changes.
  environment_roles = {
    default = "run"
  }
}
