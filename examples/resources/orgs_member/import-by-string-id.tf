import {
  to = orgs_member.alice
  id = "org_q2w2yvnct4y4yn7tbtic/alice@example.com"
}
