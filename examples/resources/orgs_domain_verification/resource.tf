resource "orgs_domain" "corp" {
  organization_id = orgs_organization.platform.id
  domain          = "example.com"
}

# The record that proves the domain, with your DNS provider's resource (here Amazon Route 53).
resource "aws_route53_record" "orgs_verification" {
  zone_id = var.route53_zone_id
  name    = orgs_domain.corp.verification_record_name
  type    = "TXT"
  ttl     = 300
  records = [orgs_domain.corp.verification_record_value]
}

# Waits, after the record is made, until the server has found it.
resource "orgs_domain_verification" "corp" {
  organization_id = orgs_domain.corp.organization_id
  domain          = orgs_domain.corp.domain

  depends_on = [aws_route53_record.orgs_verification]

  timeouts {
    create = "15m"
  }
}

# Added once the domain is verified, so that she joins at once instead of having to accept.
resource "orgs_member" "alice" {
  organization_id = orgs_organization.platform.id
  email           = "alice@example.com"
  role            = "member"

  depends_on = [orgs_domain_verification.corp]
}
