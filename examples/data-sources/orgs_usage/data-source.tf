data "orgs_usage" "platform" {
  organization_id = orgs_organization.platform.id

  # Read after the members this configuration manages are added, so the numbers are the ones the next
  # plan reads too (otherwise its outputs change on the next plan).
  depends_on = [orgs_member.alice]
}

# Each limited quantity (members, environments, api_tokens, container_registries, labels) with its
# used, limit and remaining counts; seats says what holds the members' seats.
output "members_remaining" {
  value = data.orgs_usage.platform.quantities["members"].remaining
}

output "seats" {
  value = data.orgs_usage.platform.seats
}
