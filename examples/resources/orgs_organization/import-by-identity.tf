import {
  to = orgs_organization.platform
  identity = {
    id = "org_q2w2yvnct4y4yn7tbtic"
  }
}
