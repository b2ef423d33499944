import {
  to = orgs_api_token.ci
  identity = {
    organization_id = "org_q2w2yvnct4y4yn7tbtic"
    id              = "tok_qwm5dycsge4qvtfcjmmv"
  }
}
