# A webhook is imported by the organization id and the webhook id, separated by a slash.
# The API never returns its secret: the webhook keeps the one the server holds until secret_wo_version is set.
terraform import orgs_webhook.audit org_q2w2yvnct4y4yn7tbtic/wh_k7x2m4yq9d3tbn6cvw5a
