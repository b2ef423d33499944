data "orgs_member" "alice" {
  organization_id = orgs_organization.platform.id
  email           = "alice@example.com"

  # The membership this configuration manages: read once it is there.
  depends_on = [orgs_member.alice]
}

output "alice_role" {
  value = data.orgs_member.alice.role
}
