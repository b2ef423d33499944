# A label is imported by the organization id and the label key, separated by a slash.
# A key with a prefix holds a slash itself: everything after the first slash is the key.
terraform import orgs_label.team org_q2w2yvnct4y4yn7tbtic/example.com/team
