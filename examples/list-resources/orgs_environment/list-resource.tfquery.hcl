# Environments whose agent is disconnected and needs debugging.
list "orgs_environment" "disconnected" {
  provider = orgs

  config {
    organization_id = "org_q2w2yvnct4y4yn7tbtic"
    status          = "disconnected"
  }
}
