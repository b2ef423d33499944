# Every domain the organization claims, verified or pending (status = "pending" lists only those).
list "orgs_domain" "all" {
  provider         = orgs
  include_resource = true

  config {
    organization_id = "org_q2w2yvnct4y4yn7tbtic"
  }
}
