# What the CI token changed in the organization since the start of the quarter, newest first.
data "orgs_activity" "ci_changes" {
  organization_id = orgs_organization.platform.id
  actor_id        = orgs_api_token.ci.id
  since           = "2030-01-01T00:00:00Z"
  max_results     = 50
}

# The last ten members added, by anyone.
data "orgs_activity" "members_added" {
  organization_id = orgs_organization.platform.id
  action          = "member.create"
  max_results     = 10
}

output "ci_changes" {
  value = [for e in data.orgs_activity.ci_changes.entries : "${e.time} ${e.action} ${e.target_type}/${e.target_id}"]
}
