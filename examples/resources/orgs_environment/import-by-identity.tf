import {
  to = orgs_environment.staging
  identity = {
    organization_id = "org_q2w2yvnct4y4yn7tbtic"
    id              = "env_4xk2mz7hq9tbvw3n"
  }
}
