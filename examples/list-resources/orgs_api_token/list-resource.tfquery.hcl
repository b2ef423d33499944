# API tokens that no longer work (expired, or their creator left): candidates for clean-up.
# No secret is ever listed.
list "orgs_api_token" "inactive" {
  provider = orgs

  config {
    organization_id = "org_q2w2yvnct4y4yn7tbtic"
    status          = "inactive"
  }
}
