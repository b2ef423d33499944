# An environment is imported by the organization id and the environment id, separated by a slash.
# The organization's default environment imports too; destroying it only removes it from the state.
terraform import orgs_environment.staging org_q2w2yvnct4y4yn7tbtic/env_4xk2mz7hq9tbvw3n
