terraform {
  required_providers {
    orgs = {
      source = "orgs-dev/orgs"
    }
  }
}

# Both settings may come from the environment instead: ORGS_ENDPOINT and ORGS_TOKEN.
provider "orgs" {
  endpoint = "http://127.0.0.1:8080" # a local reference server; see "The reference server" below
  token    = var.orgs_token

  max_retries     = 4
  request_timeout = "30s"
}

variable "orgs_token" {
  type      = string
  sensitive = true
}
