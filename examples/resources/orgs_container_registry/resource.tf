# A registry that logs in with a user name and a password or access token. The secret is write-only
# (Terraform or OpenTofu 1.11 and later): it stays out of the state and the plan. It is sent on create
# and whenever secret_wo_version changes, so bump the version when you rotate the secret.
# Older clients use `password` instead, which the state keeps (marked sensitive).
resource "orgs_container_registry" "ghcr" {
  organization_id   = orgs_organization.platform.id
  name              = "ghcr"
  kind              = "github"
  url               = "https://ghcr.io"
  description       = "Images built by the platform team"
  username          = "platform-bot"
  secret_wo         = var.ghcr_token
  secret_wo_version = 1
}

# Amazon ECR logs in with an access key pair instead: secret_wo is then the secret access key
# (`secret_access_key` on older clients).
resource "orgs_container_registry" "ecr" {
  organization_id   = orgs_organization.platform.id
  name              = "ecr-eu"
  kind              = "ecr"
  url               = "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com"
  access_key_id     = var.ecr_access_key_id
  secret_wo         = var.ecr_secret_access_key
  secret_wo_version = 1
}

# Write-only arguments accept ephemeral values, which are saved nowhere.
variable "ghcr_token" {
  type      = string
  sensitive = true
  ephemeral = true
}

variable "ecr_access_key_id" {
  type = string
}

variable "ecr_secret_access_key" {
  type      = string
  sensitive = true
  ephemeral = true
}
