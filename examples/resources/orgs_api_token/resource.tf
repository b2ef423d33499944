resource "orgs_api_token" "ci" {
  organization_id = orgs_organization.platform.id
  name            = "ci-pipeline"
  role            = "member"
  expires_at      = "2030-01-01T00:00:00Z"
}

# The secret is known only to the run that creates the token; hand it on, for example to a CI secret store.
output "ci_token" {
  value     = orgs_api_token.ci.token
  sensitive = true
}

# A token replaced every 30 days without downtime. A plan in the last 7 days of its life (from
# rotation_due_at on) replaces it; the old secret keeps working for an hour after the new one exists, so
# the consumers that read it from the secret store switch over before it stops.
resource "orgs_api_token" "deploy" {
  organization_id = orgs_organization.platform.id
  name            = "deploy"
  role            = "admin"

  rotation = {
    expire_after  = "720h"
    rotate_before = "168h"
    overlap       = "1h"
  }

  # Optional: make the new token before ending the old one.
  lifecycle {
    create_before_destroy = true
  }
}

output "deploy_token_rotation_due_at" {
  value = orgs_api_token.deploy.rotation_due_at
}
