# A registry is imported by the organization id and the registry id, separated by a slash.
# The API never returns its secrets, so the first plan after the import sets them once from the configuration.
terraform import orgs_container_registry.ghcr org_q2w2yvnct4y4yn7tbtic/reg_pvnh6gr7pebusrmcibsn
