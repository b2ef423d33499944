import {
  to = orgs_domain_verification.corp
  id = "org_q2w2yvnct4y4yn7tbtic/example.com"
}
