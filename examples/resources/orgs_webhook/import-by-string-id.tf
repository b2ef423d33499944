import {
  to = orgs_webhook.audit
  id = "org_q2w2yvnct4y4yn7tbtic/wh_k7x2m4yq9d3tbn6cvw5a"
}
