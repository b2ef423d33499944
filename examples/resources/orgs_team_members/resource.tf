resource "orgs_team" "sre" {
  organization_id = orgs_organization.platform.id
  name            = "SRE"
  role            = "admin"
}

# Everyone in the team, authoritative: someone added to the team outside Terraform shows in the next
# plan as a removal. Each address must be an active member of the organization.
resource "orgs_team_members" "sre" {
  organization_id = orgs_organization.platform.id
  team_slug       = orgs_team.sre.slug

  members = {
    (orgs_member.alice.email) = "maintainer"
  }
}
