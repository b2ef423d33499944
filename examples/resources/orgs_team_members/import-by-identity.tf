import {
  to = orgs_team_members.sre
  identity = {
    organization_id = "org_q2w2yvnct4y4yn7tbtic"
    team_slug       = "sre"
  }
}
