# The whole membership is imported by the organization's id.
terraform import orgs_members.platform org_q2w2yvnct4y4yn7tbtic
