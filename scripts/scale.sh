#!/usr/bin/env bash
# The scale harness (`make scale`, `make scale N=10000`, `make scale CLI=terraform`): applies N orgs_member
# and up to the plan's limit of orgs_label through a real CLI against an in-process reference server with
# its default rate limit, plans, and prints one table next to two floors measured in the same run (see
# scripts/internal/scale and contributing/performance.md). PROVIDER_BIN measures a prebuilt provider binary
# instead of this checkout's; BASELINE_BIN adds the plans of another (an older commit's) on the same
# organization, as "before" rows. A run at N=1000 takes a few minutes; N=10000 much longer.
#
# A run of this checkout's provider is recorded in contributing/scale/runs.json, in place of the last run
# of the same CLI and N, and the charts beside it (time against N) and the figures of
# contributing/performance.md are redrawn from every run recorded. A run of PROVIDER_BIN is not recorded:
# the record is of this checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

cli_name="${CLI:-tofu}"
case "$cli_name" in
tofu | terraform) ;;
*) die "CLI must be tofu or terraform, not $cli_name" ;;
esac
cli=$(scripts/ensure-cli.sh "$cli_name")

args=(-n "${N:-1000}" -cli "$cli")
if [ -n "${PROVIDER_BIN:-}" ]; then
  [ -x "$PROVIDER_BIN" ] || die "PROVIDER_BIN=$PROVIDER_BIN is not an executable file"
  args+=(-provider "$PROVIDER_BIN")
else
  args+=(-record contributing/scale/runs.json -page contributing/performance.md)
fi
if [ -n "${BASELINE_BIN:-}" ]; then
  [ -x "$BASELINE_BIN" ] || die "BASELINE_BIN=$BASELINE_BIN is not an executable file"
  args+=(-baseline "$BASELINE_BIN")
fi
say "scale harness: N=${N:-1000}, $cli_name ($cli)${PROVIDER_BIN:+, provider $PROVIDER_BIN}${BASELINE_BIN:+, baseline $BASELINE_BIN}"
go run ./scripts/internal/scale "${args[@]}" "$@"
