import {
  to = orgs_invitation.carol
  identity = {
    organization_id = "org_q2w2yvnct4y4yn7tbtic"
    id              = "inv_2aytqm4k3gyogfws7uem"
  }
}
