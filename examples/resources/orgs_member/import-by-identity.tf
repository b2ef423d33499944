import {
  to = orgs_member.alice
  identity = {
    organization_id = "org_q2w2yvnct4y4yn7tbtic"
    email           = "alice@example.com"
  }
}
