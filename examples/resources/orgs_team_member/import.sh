# A team membership is imported by the organization id, the team's slug and the email, separated by slashes.
terraform import orgs_team_member.alice org_q2w2yvnct4y4yn7tbtic/platform-admins/alice@example.com
