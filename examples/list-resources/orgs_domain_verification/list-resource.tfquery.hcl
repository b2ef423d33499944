# The verified domains, to import as orgs_domain_verification beside their orgs_domain.
list "orgs_domain_verification" "all" {
  provider = orgs

  config {
    organization_id = "org_q2w2yvnct4y4yn7tbtic"
  }
}
