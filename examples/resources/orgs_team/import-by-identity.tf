import {
  to = orgs_team.platform_admins
  identity = {
    organization_id = "org_q2w2yvnct4y4yn7tbtic"
    slug            = "platform-admins"
  }
}
