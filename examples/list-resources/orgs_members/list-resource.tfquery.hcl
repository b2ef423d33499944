# The whole membership of an organization as one result, as orgs_members holds it. Generate
# configuration from this list or from orgs_member's, not both.
list "orgs_members" "all" {
  provider         = orgs
  include_resource = true

  config {
    organization_id = "org_q2w2yvnct4y4yn7tbtic"
  }
}
