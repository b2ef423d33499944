import {
  to = orgs_domain.corp
  id = "org_q2w2yvnct4y4yn7tbtic/example.com"
}
