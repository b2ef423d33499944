# The user the provider's credential acts as: the organization's creator, and its owner.
data "orgs_current_user" "me" {}

# The organization's whole membership: each address to its role. Any membership the organization has
# that is not named here is removed by the next apply, so a member added by hand shows in the plan as a
# removal.
resource "orgs_members" "platform" {
  organization_id = orgs_organization.platform.id

  members = {
    # Your own owner membership must stay: the plan refuses to remove or demote it.
    (data.orgs_current_user.me.email) = "owner"

    "alice@example.com"   = "admin"
    "billing@example.com" = "biller"
    "bob@example.com"     = "member"
  }

  # A member sees no environment until given a role in it, keyed by the environment's slug.
  environment_roles = {
    "bob@example.com" = { default = "run" }
  }
}
