# A domain is imported by the organization id and the domain, separated by a slash.
terraform import orgs_domain.corp org_q2w2yvnct4y4yn7tbtic/example.com
