# A token is imported by the organization id and the token id, separated by a slash.
# An imported token has no secret: the API shows it only when the token is created.
terraform import orgs_api_token.ci org_q2w2yvnct4y4yn7tbtic/tok_qwm5dycsge4qvtfcjmmv
