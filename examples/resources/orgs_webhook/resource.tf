# Deliver every membership event and label changes to a receiver. The signing secret is write-only
# (Terraform or OpenTofu 1.11 and later): it stays out of the state and the plan. It is sent on create
# and whenever secret_wo_version changes, so bump the version when you rotate the secret.
resource "orgs_webhook" "audit" {
  organization_id   = orgs_organization.platform.id
  url               = "https://hooks.example.com/orgs"
  events            = ["member.*", "label.create", "label.update", "label.delete"]
  secret_wo         = var.webhook_secret
  secret_wo_version = 1
}

# Every event, paused for now: an inactive webhook delivers nothing.
resource "orgs_webhook" "everything" {
  organization_id   = orgs_organization.platform.id
  url               = "https://siem.example.com/ingest/orgs"
  events            = ["*"]
  active            = false
  secret_wo         = var.webhook_secret
  secret_wo_version = 1
}

# Write-only arguments accept ephemeral values, which are saved nowhere.
variable "webhook_secret" {
  type      = string
  sensitive = true
  ephemeral = true
}
