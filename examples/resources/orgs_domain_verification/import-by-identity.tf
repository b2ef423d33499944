import {
  to = orgs_domain_verification.corp
  identity = {
    organization_id = "org_q2w2yvnct4y4yn7tbtic"
    domain          = "example.com"
  }
}
