resource "orgs_label" "team" {
  organization_id             = orgs_organization.platform.id
  key                         = "example.com/team"
  value                       = "platform"
  propagate_to_cloud_provider = true
}

# Many labels at once.
resource "orgs_label" "billing" {
  for_each = {
    "cost-center" = "cc-1234"
    "environment" = "production"
  }

  organization_id = orgs_organization.platform.id
  key             = each.key
  value           = each.value
}
