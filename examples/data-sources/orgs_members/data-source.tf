data "orgs_members" "owners" {
  organization_id = orgs_organization.platform.id
  role            = "owner"
}

output "owner_emails" {
  value = data.orgs_members.owners.members[*].email
}
