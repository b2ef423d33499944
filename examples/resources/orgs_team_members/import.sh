# A team's whole membership is imported by the organization id and the team's slug, separated by a slash.
terraform import orgs_team_members.sre org_q2w2yvnct4y4yn7tbtic/sre
