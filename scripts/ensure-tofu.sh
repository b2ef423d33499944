#!/usr/bin/env bash
# Prints the path of an OpenTofu binary, building it from its Go module on first use.
# The binary is cached outside the clone, keyed by version, so later runs take no time.
set -euo pipefail
version="${TOFU_VERSION:-1.12.6}"
cache="${ORGS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-orgs}"
bin="$cache/tofu-$version/tofu"
if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi
echo ">> building OpenTofu $version from its Go module into $bin (first time only: 5 to 10 minutes on 2 cores)" >&2
dir=$(GOFLAGS=-mod=mod go mod download -json "github.com/opentofu/opentofu@v$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
if [ -z "$dir" ]; then
  echo "error: could not download the OpenTofu module v$version" >&2
  exit 1
fi
mkdir -p "$(dirname "$bin")"
tmp="$bin.tmp.$$"
(cd "$dir" && CGO_ENABLED=0 go build -ldflags "-X github.com/opentofu/opentofu/version.dev=no" -o "$tmp" ./cmd/tofu)
mv "$tmp" "$bin"
echo "$bin"
