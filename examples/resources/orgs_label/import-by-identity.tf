import {
  to = orgs_label.team
  identity = {
    organization_id = "org_q2w2yvnct4y4yn7tbtic"
    key             = "example.com/team"
  }
}
