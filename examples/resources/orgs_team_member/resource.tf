resource "orgs_team" "platform_admins" {
  organization_id = orgs_organization.platform.id
  name            = "Platform Admins"
  role            = "admin"
}

# Alice is an active member of the organization (she accepted her membership); in the team she is an
# admin of the organization too, and she manages the team's membership.
resource "orgs_team_member" "alice" {
  organization_id = orgs_organization.platform.id
  team_slug       = orgs_team.platform_admins.slug
  email           = orgs_member.alice.email
  role            = "maintainer"
}
