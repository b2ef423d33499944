import {
  to = orgs_label.team
  id = "org_q2w2yvnct4y4yn7tbtic/example.com/team"
}
