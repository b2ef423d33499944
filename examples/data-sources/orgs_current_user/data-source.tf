# The user the provider's personal access token acts as.
data "orgs_current_user" "me" {}

# Everything that user changed in an organization.
data "orgs_activity" "mine" {
  organization_id = orgs_organization.platform.id
  actor_id        = data.orgs_current_user.me.id
}
