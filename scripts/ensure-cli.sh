#!/usr/bin/env bash
# ensure-cli.sh tofu|terraform: prints the path of the pinned OpenTofu or Terraform binary, building it
# from its Go module on first use (5 to 10 minutes on 2 cores). The binary is cached outside the clone,
# keyed by version, so later runs take no time. The build goes to a temporary name that is renamed at the
# end, so an interrupted build never leaves a half-written binary that looks finished.
#
# Neither CLI can be `go install`ed (both have replace directives). Terraform's module zip also lacks its
# nested remote-state backend modules and internal/legacy, so it is built from a writable copy without
# them: a provider's tests need only local state.
set -euo pipefail

cli="${1:-}"
cache="${ORGS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-orgs}"

case "$cli" in
tofu)
  version="${TOFU_VERSION:-1.12.6}"
  module=github.com/opentofu/opentofu
  pkg=./cmd/tofu
  modflag=''
  ;;
terraform)
  # Not 1.16.0 to 1.16.2: an import block without `provider =` resolves to the wrong namespace there.
  version="${TERRAFORM_VERSION:-1.16.4}"
  module=github.com/hashicorp/terraform
  pkg=.
  modflag=-mod=mod # its go.mod is edited below
  ;;
*)
  echo "usage: $0 tofu|terraform" >&2
  exit 2
  ;;
esac

bin="$cache/$cli-$version/$cli"
if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi

echo ">> building $cli $version from its Go module into $bin (first time only: 5 to 10 minutes on 2 cores)" >&2
dir=$(GOFLAGS=-mod=mod go mod download -json "$module@v$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
if [ -z "$dir" ]; then
  echo "error: could not download the $cli module v$version" >&2
  exit 1
fi
mkdir -p "$(dirname "$bin")"
work=$(mktemp -d "$cache/.$cli-$version.XXXXXX")
trap 'rm -rf "$work"' EXIT

if [ "$cli" = terraform ]; then
  cp -r "$dir" "$work/src"
  chmod -R u+w "$work/src"
  dir="$work/src"
  missing='internal/backend/remote-state/(azure|consul|cos|gcs|kubernetes|oss|pg|s3|oci)|internal/legacy'
  # go.mod: the require and replace lines of the missing nested modules.
  grep -vE "terraform/($missing)[ \"]" "$dir/go.mod" >"$work/go.mod"
  mv "$work/go.mod" "$dir/go.mod"
  # init.go: their imports and their entries in the backends map.
  init="$dir/internal/backend/init/init.go"
  grep -vE 'remote-state/(azure|consul|cos|gcs|kubernetes|oss|pg|s3|oci)"|backend(Azure|Consul|Cos|GCS|Kubernetes|OSS|Pg|S3|OCI)\.New' \
    "$init" >"$work/init.go"
  mv "$work/init.go" "$init"
fi

(cd "$dir" && CGO_ENABLED=0 GOFLAGS="$modflag" go build -ldflags "-X $module/version.dev=no" -o "$work/$cli" "$pkg")
mv "$work/$cli" "$bin"
echo "$bin"
