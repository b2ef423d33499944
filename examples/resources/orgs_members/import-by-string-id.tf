import {
  to = orgs_members.platform
  id = "org_q2w2yvnct4y4yn7tbtic"
}
