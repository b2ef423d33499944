# The invitations still waiting for an answer.
list "orgs_invitation" "pending" {
  provider = orgs

  config {
    organization_id = "org_q2w2yvnct4y4yn7tbtic"
    status          = "pending"
  }
}
