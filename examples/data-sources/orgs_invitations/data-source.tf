# Invitations nobody accepted in time.
data "orgs_invitations" "expired" {
  organization_id = orgs_organization.platform.id
  status          = "expired"
}

output "expired_invitations" {
  value = [for i in data.orgs_invitations.expired.invitations : "${i.email} (${i.role}, expired ${i.expires_at})"]
}
