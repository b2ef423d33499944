# The user the provider's credential acts as: the organization's creator, and its owner.
data "orgs_current_user" "me" {}

# The organization's whole membership. Any membership it has that is not named here is removed by the
# next apply, so a member added by hand shows in the plan as a removal.
resource "orgs_members" "platform" {
  organization_id = orgs_organization.platform.id

  members = {
    # Your own owner membership must stay: the plan refuses to remove or demote it.
    (data.orgs_current_user.me.email) = { role = "owner" }

    "alice@example.com"   = { role = "admin" }
    "billing@example.com" = { role = "biller" }

    # A member sees no environment until given a role in it, keyed by the environment's slug.
    "bob@example.com" = {
      role              = "member"
      environment_roles = { default = "run" }
    }
  }
}
