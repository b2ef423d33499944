import {
  to = orgs_container_registry.ghcr
  identity = {
    organization_id = "org_q2w2yvnct4y4yn7tbtic"
    id              = "reg_pvnh6gr7pebusrmcibsn"
  }
}
