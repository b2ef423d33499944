# Every webhook of an organization, with its URL and events (never its secret).
list "orgs_webhook" "all" {
  provider         = orgs
  include_resource = true

  config {
    organization_id = "org_q2w2yvnct4y4yn7tbtic"
  }
}
