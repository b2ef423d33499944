# A member is imported by the organization id and the member's email, separated by a slash.
terraform import orgs_member.alice org_q2w2yvnct4y4yn7tbtic/alice@example.com
