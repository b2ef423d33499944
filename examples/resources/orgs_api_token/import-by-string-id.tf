import {
  to = orgs_api_token.ci
  id = "org_q2w2yvnct4y4yn7tbtic/tok_qwm5dycsge4qvtfcjmmv"
}
