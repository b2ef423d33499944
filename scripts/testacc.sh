#!/usr/bin/env bash
# Runs the acceptance tests through one CLI (`make testacc`, `make testacc CLI=terraform`), with the
# same environment as the full test command. CLI is tofu (the default) or terraform. Arguments go to
# `go test` and win over the defaults, e.g. `scripts/testacc.sh -run TestAccLabel`; so do the words of
# TESTARGS (`make testacc TESTARGS='-run TestAccLabel|TestAccMember'`), split at white space only, never
# read by a shell, so that a pattern's | ( ) need no quoting.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cli="${CLI:-tofu}"
acc_env "$cli" "$scratch" || die "could not set up $cli"

read -ra testargs <<<"${TESTARGS:-}"
# shellcheck disable=SC2046 # acc_skip_flags prints zero or one flag
go test ./internal/provider/... ./internal/cmd/orgs-onboard/... -run '^TestAcc' $(acc_skip_flags "$cli") \
  -count=1 -p 2 -parallel 4 -timeout 30m "${testargs[@]}" "$@"
