# An invitation is imported by the organization id and the invitation id, separated by a slash.
terraform import orgs_invitation.carol org_q2w2yvnct4y4yn7tbtic/inv_2aytqm4k3gyogfws7uem
