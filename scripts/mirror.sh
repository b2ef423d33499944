#!/usr/bin/env bash
# Builds the provider into a local filesystem mirror (`make mirror`), the way to use a local build
# with `init` working: OpenTofu's `init` refuses a dev override for a provider the registry does not
# have, and configurations with other providers need `init` anyway. Prints the CLI configuration that
# uses the mirror for orgs-dev/orgs and the registry for everything else.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

mirror="${MIRROR:-$ORGS_CACHE/mirror}"
# A version of its own, so a lock file never mistakes the local build for a release.
version="${MIRROR_VERSION:-0.0.1}"
platform="$(go env GOOS)_$(go env GOARCH)"

for host in registry.opentofu.org registry.terraform.io; do
  dir="$mirror/$host/orgs-dev/orgs/$version/$platform"
  mkdir -p "$dir"
  go build -ldflags "-X main.version=$version" -o "$dir/terraform-provider-orgs_v$version" .
done
say "built terraform-provider-orgs $version for $platform into $mirror"

cat <<CONF
# Put this in ~/.tofurc (OpenTofu), ~/.terraformrc (Terraform) or the file TF_CLI_CONFIG_FILE names,
# then run init as usual. After a new build, run: make mirror && tofu init -upgrade
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.opentofu.org/orgs-dev/orgs", "registry.terraform.io/orgs-dev/orgs"]
  }
  direct {
    exclude = ["registry.opentofu.org/orgs-dev/orgs", "registry.terraform.io/orgs-dev/orgs"]
  }
}
CONF
