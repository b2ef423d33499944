import {
  to = orgs_team_member.alice
  identity = {
    organization_id = "org_q2w2yvnct4y4yn7tbtic"
    team_slug       = "platform-admins"
    email           = "alice@example.com"
  }
}
