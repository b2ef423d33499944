data "orgs_webhook" "audit" {
  organization_id = orgs_organization.platform.id
  id              = orgs_webhook.audit.id
}

output "audit_events" {
  value = data.orgs_webhook.audit.events
}
