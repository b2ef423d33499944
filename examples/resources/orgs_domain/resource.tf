# Claim the domain: the claim names the DNS TXT record that proves the organization owns it.
resource "orgs_domain" "corp" {
  organization_id = orgs_organization.platform.id
  domain          = "example.com"
}

# Publish the record with your DNS provider's resource, from the claim's outputs. With Amazon Route 53:
#
#   resource "aws_route53_record" "orgs_verification" {
#     zone_id = var.route53_zone_id
#     name    = orgs_domain.corp.verification_record_name
#     type    = "TXT"
#     ttl     = 300
#     records = [orgs_domain.corp.verification_record_value]
#   }
#
# The server checks pending domains by itself: a refresh soon after shows status = "verified".
# To have an apply wait for it, see orgs_domain_verification.

# An internationalized domain works in either form; the API returns the ASCII one (xn--bcher-kva.example).
resource "orgs_domain" "books" {
  organization_id = orgs_organization.platform.id
  domain          = "bücher.example"
}
