import {
  to = orgs_members.platform
  identity = {
    organization_id = "org_q2w2yvnct4y4yn7tbtic"
  }
}
