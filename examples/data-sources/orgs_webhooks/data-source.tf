# The webhooks that deliver; leave status out to read them all.
data "orgs_webhooks" "active" {
  organization_id = orgs_organization.platform.id
  status          = "active"
}

output "webhook_urls" {
  value = [for w in data.orgs_webhooks.active.webhooks : w.url]
}
