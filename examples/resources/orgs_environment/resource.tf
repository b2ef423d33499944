resource "orgs_environment" "staging" {
  organization_id = orgs_organization.platform.id
  name            = "Staging EU" # the slug is derived from it: staging-eu
}

resource "orgs_environment" "production" {
  organization_id = orgs_organization.platform.id
  name            = "Production"
  slug            = "prod"
}

# A member sees an environment only once given a role in it.
resource "orgs_member" "release_bot" {
  organization_id = orgs_organization.platform.id
  email           = "release-bot@example.com"
  role            = "member"

  environment_roles = {
    (orgs_environment.staging.slug)    = "run"
    (orgs_environment.production.slug) = "read"
  }
}
