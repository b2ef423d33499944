# An organization is imported by its id.
terraform import orgs_organization.platform org_q2w2yvnct4y4yn7tbtic
