resource "orgs_invitation" "carol" {
  organization_id = orgs_organization.platform.id
  email           = "carol@example.com"
  role            = "member"

  # Re-send (same invitation, new code and expiry) when a refresh finds it expired.
  resend_when_expired = true
}

output "carol_invitation" {
  value = {
    status     = orgs_invitation.carol.status
    expires_at = orgs_invitation.carol.expires_at
  }
}
