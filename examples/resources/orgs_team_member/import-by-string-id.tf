import {
  to = orgs_team_member.alice
  id = "org_q2w2yvnct4y4yn7tbtic/platform-admins/alice@example.com"
}
