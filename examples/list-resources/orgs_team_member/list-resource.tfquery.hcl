# Every person in every team of an organization, one result per team membership.
list "orgs_team_member" "all" {
  provider = orgs

  config {
    organization_id = "org_q2w2yvnct4y4yn7tbtic"
  }
}

# Only the maintainers, who manage their teams' membership.
list "orgs_team_member" "maintainers" {
  provider = orgs

  config {
    organization_id = "org_q2w2yvnct4y4yn7tbtic"
    role            = "maintainer"
  }
}
