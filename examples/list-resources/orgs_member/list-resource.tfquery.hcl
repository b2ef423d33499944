# Every member of an organization. `terraform query -generate-config-out=members.tf` writes an import
# block and a resource block for each.
list "orgs_member" "all" {
  provider = orgs

  config {
    organization_id = "org_q2w2yvnct4y4yn7tbtic"
  }
}

# Only the owners.
list "orgs_member" "owners" {
  provider = orgs

  config {
    organization_id = "org_q2w2yvnct4y4yn7tbtic"
    role            = "owner"
  }
}
