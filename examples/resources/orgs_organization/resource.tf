resource "orgs_organization" "platform" {
  name                 = "Platform Team"
  description          = "Shared CI and hosting account of the platform team"
  website              = "https://platform.example.com"
  admin_contact_emails = ["platform-admins@example.com"]
  plan                 = "team"

  settings = {
    artifacts_storage_limit_gb = 50
    ai_hints_enabled           = true
    mask_webhook_urls          = true
  }
}
