# What the CI token changed in the organization during the first quarter, newest first.
data "orgs_activity" "ci_changes" {
  organization_id = orgs_organization.platform.id
  actor_id        = orgs_api_token.ci.id
  since           = "2030-01-01T00:00:00Z"
  until           = "2030-04-01T00:00:00Z"
  max_results     = 50
}

# The last ten members added, by anyone.
data "orgs_activity" "members_added" {
  organization_id = orgs_organization.platform.id
  action          = "member.create"
  max_results     = 10
}

resource "orgs_label" "team" {
  organization_id = orgs_organization.platform.id
  key             = "team"
  value           = "platform"
}

resource "orgs_label" "cost_center" {
  organization_id = orgs_organization.platform.id
  key             = "cost-center"
  value           = "cc-42"
}

# Who touched these two labels, and what they did. The server filters: however long the log, this reads only
# the entries about them.
data "orgs_activity" "label_history" {
  organization_id = orgs_organization.platform.id
  target_type     = "label"
  target_ids      = [orgs_label.team.key, orgs_label.cost_center.key]
}

output "ci_changes" {
  value = [for e in data.orgs_activity.ci_changes.entries : "${e.time} ${e.action} ${e.target_type}/${e.target_id}"]
}
