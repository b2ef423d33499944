import {
  to = orgs_container_registry.ghcr
  id = "org_q2w2yvnct4y4yn7tbtic/reg_pvnh6gr7pebusrmcibsn"
}
