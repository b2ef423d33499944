#!/usr/bin/env bash
# Runs the provider's acceptance tests through OpenTofu (`make testacc`), with the same environment
# as the full test command. Arguments go to `go test` and win over the defaults, e.g.
# `scripts/testacc.sh -run TestAccLabel`.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
acc_env "$scratch"

go test ./internal/provider/... -run '^TestAcc' -count=1 -p 2 -parallel 4 -timeout 30m "$@"
