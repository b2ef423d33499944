import {
  to = orgs_team_members.sre
  id = "org_q2w2yvnct4y4yn7tbtic/sre"
}
