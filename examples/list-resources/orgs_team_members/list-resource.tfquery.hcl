# Every team of an organization with its whole membership, one result per team. Generate configuration
# from this list or from orgs_team_member's, not both.
list "orgs_team_members" "all" {
  provider         = orgs
  include_resource = true

  config {
    organization_id = "org_q2w2yvnct4y4yn7tbtic"
  }
}
