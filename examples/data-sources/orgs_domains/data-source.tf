data "orgs_domains" "platform" {
  organization_id = orgs_organization.platform.id
}

# The TXT records still to publish, by name.
output "pending_verification_records" {
  value = {
    for d in data.orgs_domains.platform.domains : d.verification_record_name => d.verification_record_value
    if d.status == "pending"
  }
}
