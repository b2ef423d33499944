import {
  to = orgs_webhook.audit
  identity = {
    organization_id = "org_q2w2yvnct4y4yn7tbtic"
    id              = "wh_k7x2m4yq9d3tbn6cvw5a"
  }
}
