import {
  to = orgs_organization.platform
  id = "org_q2w2yvnct4y4yn7tbtic"
}
