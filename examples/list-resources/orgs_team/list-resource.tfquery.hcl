# Every team of an organization. `terraform query -generate-config-out=teams.tf` writes an import block
# and a resource block for each.
list "orgs_team" "all" {
  provider         = orgs
  include_resource = true

  config {
    organization_id = "org_q2w2yvnct4y4yn7tbtic"
  }
}
