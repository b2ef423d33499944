import {
  to = orgs_invitation.carol
  id = "org_q2w2yvnct4y4yn7tbtic/inv_2aytqm4k3gyogfws7uem"
}
