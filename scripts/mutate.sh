#!/usr/bin/env bash
# Mutation testing (`make mutate`, or `make mutate PKG=./internal/client`): gremlins changes the code
# of a package one small mutation at a time (a flipped comparison, a removed branch...) and runs that
# package's tests against each; a mutant the tests do not notice "lived". The efficacy is the share
# of covered mutants the tests killed. Not part of the test command: a full run of internal/server
# takes over an hour on two cores (docs/testing.md has the figures and the survivors judged harmless).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

gremlins=$(ensure_go_tool gremlins github.com/go-gremlins/gremlins/cmd/gremlins "$GREMLINS_VERSION" "2 to 4 minutes")

packages=("$@")
if [ "${#packages[@]}" -eq 0 ]; then
  packages=(./internal/client ./internal/server)
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# Tests that need a CLI or a real network run only under TF_ACC; mutation runs the unit tests.
unset TF_ACC
status=0
for pkg in "${packages[@]}"; do
  [ -d "$pkg" ] || die "no package directory $pkg"
  name=$(echo "$pkg" | tr -c 'a-zA-Z0-9\n' '_')
  say "mutating $pkg (one worker: each test run already uses both cores)"
  start=$SECONDS
  # --timeout-coefficient: a mutant that makes a test hang is killed by the timeout, not waited for.
  if ! "$gremlins" unleash --workers 1 --timeout-coefficient 5 --output "$scratch/$name.json" "$pkg" | tee "$scratch/$name.log"; then
    status=1
  fi
  printf '%s: %s in %ds\n' "$pkg" "$(grep -o 'Test efficacy: [0-9.]*%' "$scratch/$name.log" || echo 'no efficacy reported')" $((SECONDS - start)) |
    tee -a "$scratch/summary"
done
printf '\n'
cat "$scratch/summary"
exit "$status"
