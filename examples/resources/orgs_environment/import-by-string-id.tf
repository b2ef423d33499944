import {
  to = orgs_environment.staging
  id = "org_q2w2yvnct4y4yn7tbtic/env_4xk2mz7hq9tbvw3n"
}
