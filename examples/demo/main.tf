# A whole organization, declared in one file. `make demo` (scripts/demo.sh) applies it against a
# local reference server, whose ORGS_SEED_USERS created the users added here as members.
# The provider reads ORGS_ENDPOINT and ORGS_TOKEN from the environment.

terraform {
  required_providers {
    orgs = {
      source = "orgs-dev/orgs"
    }
  }
}

provider "orgs" {}

variable "registry_password" {
  description = "Password of the demo container registry: write-only, so it is in neither the plan nor the state."
  type        = string
  sensitive   = true
  ephemeral   = true
  default     = "demo-registry-password"
}

resource "orgs_organization" "demo" {
  name                 = "Demo Platform Team"
  description          = "Created by make demo"
  website              = "https://platform.example.com"
  admin_contact_emails = ["platform-admins@example.com"]
  plan                 = "team"

  settings = {
    artifacts_storage_limit_gb = 50
    ai_hints_enabled           = true
    mask_webhook_urls          = true
  }
}

# Every organization starts with a default environment; the team plan allows more.
resource "orgs_environment" "staging" {
  organization_id = orgs_organization.demo.id
  name            = "Staging EU"
}

data "orgs_environments" "demo" {
  organization_id = orgs_organization.demo.id

  # Read after the staging environment exists, so the list holds it too.
  depends_on = [orgs_environment.staging]
}

locals {
  default_environment_id = one([for env in data.orgs_environments.demo.environments : env.id if env.default])
}

resource "orgs_member" "alice" {
  organization_id = orgs_organization.demo.id
  email           = "alice@example.com"
  role            = "admin"
}

# A member sees no environment until given a role in it.
resource "orgs_member" "bob" {
  organization_id = orgs_organization.demo.id
  email           = "Bob@Example.com" # emails compare case-insensitively: no diff whatever case the API returns
  role            = "member"

  environment_roles = {
    (local.default_environment_id) = "run"
    (orgs_environment.staging.id)  = "admin"
  }
}

# A team grants access by group: its members are admins of the organization, and Bob, a plain member
# on his own, is an admin for as long as he is in the team.
resource "orgs_team" "platform" {
  organization_id = orgs_organization.demo.id
  name            = "Platform On-Call"
  description     = "Engineers on call for the platform"
  role            = "admin"
}

resource "orgs_team_member" "bob" {
  organization_id = orgs_organization.demo.id
  team_slug       = orgs_team.platform.slug
  email           = orgs_member.bob.email
  role            = "maintainer"
}

resource "orgs_invitation" "carol" {
  organization_id = orgs_organization.demo.id
  email           = "carol@example.com"
  role            = "member"
}

resource "orgs_api_token" "ci" {
  organization_id = orgs_organization.demo.id
  name            = "ci-pipeline"
  role            = "member"
}

resource "orgs_container_registry" "ghcr" {
  organization_id = orgs_organization.demo.id
  name            = "ghcr"
  kind            = "github"
  url             = "https://ghcr.io"
  description     = "Images built by the platform team"
  username        = "platform-bot"

  secret_wo         = var.registry_password
  secret_wo_version = 1
}

resource "orgs_label" "demo" {
  for_each = {
    "example.com/team" = "platform"
    "cost-center"      = "cc-1234"
  }

  organization_id             = orgs_organization.demo.id
  key                         = each.key
  value                       = each.value
  propagate_to_cloud_provider = each.key == "cost-center"
}

# Read after everything above exists, so the counts include it.
data "orgs_usage" "demo" {
  organization_id = orgs_organization.demo.id

  depends_on = [
    orgs_member.alice,
    orgs_member.bob,
    orgs_invitation.carol,
    orgs_api_token.ci,
    orgs_container_registry.ghcr,
    orgs_label.demo,
    orgs_environment.staging,
    orgs_team_member.bob,
  ]
}

output "organization_id" {
  value = orgs_organization.demo.id
}

output "invitation" {
  value = {
    email      = orgs_invitation.carol.email
    status     = orgs_invitation.carol.status
    expires_at = orgs_invitation.carol.expires_at
  }
}

output "usage" {
  description = "Used, limit and remaining for each quantity of the plan."
  value = {
    plan       = data.orgs_usage.demo.plan
    quantities = data.orgs_usage.demo.quantities
  }
}

output "environments" {
  value = [for env in data.orgs_environments.demo.environments : "${env.slug} (${env.status})"]
}

# Who did what to the organization in this apply, newest first.
data "orgs_activity" "demo" {
  organization_id = orgs_organization.demo.id
  max_results     = 5

  depends_on = [data.orgs_usage.demo]
}

output "recent_activity" {
  value = [for e in data.orgs_activity.demo.entries : "${e.actor_type} ${e.action} ${e.target_type}/${e.target_id}"]
}

output "ci_token" {
  description = "The API token's secret: known only to the run that created the token."
  value       = orgs_api_token.ci.token
  sensitive   = true
}
