import {
  to = orgs_team.platform_admins
  id = "org_q2w2yvnct4y4yn7tbtic/platform-admins"
}
