resource "orgs_domain" "corp" {
  organization_id = orgs_organization.platform.id
  domain          = "example.com"
}

# The record that proves the domain, with your DNS provider's resource. With Amazon Route 53:
#
#   resource "aws_route53_record" "orgs_verification" {
#     zone_id = var.route53_zone_id
#     name    = orgs_domain.corp.verification_record_name
#     type    = "TXT"
#     ttl     = 300
#     records = [orgs_domain.corp.verification_record_value]
#   }

# Waits until the server has found the record; with the record above, add
# depends_on = [aws_route53_record.orgs_verification].
resource "orgs_domain_verification" "corp" {
  organization_id = orgs_domain.corp.organization_id
  domain          = orgs_domain.corp.domain

  timeouts {
    create = "15m"
  }
}

# Added once the domain is verified: with an account, she joins at once instead of having to accept.
resource "orgs_member" "alice" {
  organization_id = orgs_organization.platform.id
  email           = "alice@example.com"
  role            = "member"

  depends_on = [orgs_domain_verification.corp]
}
