data "orgs_member" "alice" {
  organization_id = orgs_organization.platform.id
  email           = "alice@example.com"
}

output "alice_role" {
  value = data.orgs_member.alice.role
}
