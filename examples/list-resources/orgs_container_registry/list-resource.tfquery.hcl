# The Amazon ECR credentials of an organization. Secrets are never listed; an imported registry keeps
# the secret the server holds.
list "orgs_container_registry" "ecr" {
  provider = orgs

  config {
    organization_id = "org_q2w2yvnct4y4yn7tbtic"
    kind            = "ecr"
  }
}
