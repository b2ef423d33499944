#!/usr/bin/env bash
# Runs the pinned golangci-lint with .golangci.yml (`make lint`); extra arguments go to `golangci-lint run`.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

lint=$(golangci_lint)
"$lint" config verify
# Two checkouts may lint at once on one machine: without this flag the second run fails at once.
"$lint" run --allow-parallel-runners "$@" ./...
