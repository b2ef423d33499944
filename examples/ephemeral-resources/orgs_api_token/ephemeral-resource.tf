# A token for this run only: it is created when the run needs it, revoked when the run ends, and never
# written to the plan or the state. expires_in bounds its life should the run never end cleanly.
ephemeral "orgs_api_token" "deploy" {
  organization_id = orgs_organization.platform.id
  name            = "deploy-run"
  role            = "admin"
  expires_in      = "30m"
}

# A second configuration of the provider that acts with the run's token instead of a personal one
# (its endpoint comes from ORGS_ENDPOINT, as for the default configuration).
provider "orgs" {
  alias = "deploy"
  token = ephemeral.orgs_api_token.deploy.token
}

resource "orgs_label" "team" {
  provider        = orgs.deploy
  organization_id = orgs_organization.platform.id
  key             = "example.com/team"
  value           = "platform"
}
