# Every organization the provider's credential can see.
list "orgs_organization" "all" {
  provider = orgs
}

# Only those on the enterprise plan, with their whole configuration.
list "orgs_organization" "enterprise" {
  provider         = orgs
  include_resource = true

  config {
    plan = "enterprise"
  }
}
