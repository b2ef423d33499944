# Look an organization up by id...
data "orgs_organization" "by_id" {
  id = "org_q2w2yvnct4y4yn7tbtic"
}

# ...or by name, among the organizations the credential can see.
data "orgs_organization" "by_name" {
  name = "Platform Team"
}

output "platform_plan" {
  value = data.orgs_organization.by_name.plan
}
