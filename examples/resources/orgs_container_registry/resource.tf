# A registry that logs in with a user name and a password or access token.
resource "orgs_container_registry" "ghcr" {
  organization_id = orgs_organization.platform.id
  name            = "ghcr"
  kind            = "github"
  url             = "https://ghcr.io"
  description     = "Images built by the platform team"
  username        = "platform-bot"
  password        = var.ghcr_token
}

# Amazon ECR logs in with an access key pair instead.
resource "orgs_container_registry" "ecr" {
  organization_id   = orgs_organization.platform.id
  name              = "ecr-eu"
  kind              = "ecr"
  url               = "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com"
  access_key_id     = var.ecr_access_key_id
  secret_access_key = var.ecr_secret_access_key
}

variable "ghcr_token" {
  type      = string
  sensitive = true
}

variable "ecr_access_key_id" {
  type = string
}

variable "ecr_secret_access_key" {
  type      = string
  sensitive = true
}
