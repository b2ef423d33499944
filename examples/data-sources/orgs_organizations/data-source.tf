data "orgs_organizations" "all" {}

data "orgs_organizations" "enterprise" {
  plan = "enterprise"
}

output "organization_names" {
  value = { for o in data.orgs_organizations.all.organizations : o.id => o.name }
}
