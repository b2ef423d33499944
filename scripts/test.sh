#!/usr/bin/env bash
# The project's test command (`make test`, and what CI runs through .ci/run). It sets up everything
# it needs itself (OpenTofu, Terraform, the pinned linters, the acceptance-test environment) and runs,
# in order: the tracked-files check (no binaries, nothing over 1 MiB), formatting, vet, lint, the OpenAPI
# document's lint, the release configuration check, a release of this platform's archives signed with a
# throwaway key and verified, the docs staleness check, the demo (the README's first command, through the
# pinned OpenTofu), every unit and acceptance test (the acceptance suite once through each CLI), and a
# bounded fuzz run. It stops at the first failing step and names it.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

fuzztime="${FUZZTIME:-20s}"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# A CLI configuration of our own for every step (acc_env writes one per CLI for the tests): some
# machines point TF_CLI_CONFIG_FILE at a file that does not exist, and the CLIs then warn on every run.
export TF_CLI_CONFIG_FILE="$scratch/empty.tfrc"
: >"$TF_CLI_CONFIG_FILE"

steps=(tracked gofmt hclfmt vet lint openapi goreleaser release docs demo test fuzz)
# Arguments pick a subset of the steps, e.g. `scripts/test.sh lint docs`; none runs them all.
selected=("$@")
if [ "${#selected[@]}" -eq 0 ]; then
  selected=("${steps[@]}")
fi
for name in "${selected[@]}"; do
  [[ " ${steps[*]} " == *" $name "* ]] || die "unknown step $name (steps: ${steps[*]})"
done
current=0

step() {
  current=$((current + 1))
  printf '\n==> [%d/%d] %s\n' "$current" "${#selected[@]}" "$1"
}

# The steps run as `if ! step`, where bash ignores `set -e`: every function below returns on its
# first failing command explicitly.
run_step() {
  local name="$1"
  shift
  [[ " ${selected[*]} " == *" $name "* ]] || return 0
  step "$name"
  local start=$SECONDS
  if ! "$@"; then
    printf '\nFAILED at step %s (%s)\n' "$name" "$*" >&2
    exit 1
  fi
  printf -- '--- %s ok (%ds)\n' "$name" $((SECONDS - start))
}

check_gofmt() {
  local unformatted
  unformatted=$(gofmt -l .) || return 1
  if [ -n "$unformatted" ]; then
    echo "these files are not gofmt'd (run make fmt):" >&2
    while read -r file; do echo "  $file"; done <<<"$unformatted" >&2
    return 1
  fi
}

# The examples are shown to users in the docs: they must be formatted as `tofu fmt` would.
check_hclfmt() {
  if ! "$tofu" fmt -check -recursive -list=true examples; then
    echo "these examples are not formatted (run: tofu fmt -recursive examples)" >&2
    return 1
  fi
}

run_lint() {
  local lint
  lint=$(golangci_lint) || return 1
  "$lint" config verify || return 1
  "$lint" run --allow-parallel-runners ./...
}

run_goreleaser_check() {
  local gr
  gr=$(goreleaser) || return 1
  "$gr" check
}

# Every fuzz target in the module, found at run time so a renamed or added target is never missed:
# the packages whose tests declare one, then `go test -list` for the names. `go test -fuzz` takes one
# target of one package at a time.
run_fuzz() {
  local dirs listing pkg name found=0
  dirs=$(grep -rlE --include='*_test.go' '^func Fuzz[A-Z0-9_]' . | xargs -r -n1 dirname | sort -u) || return 1
  if [ -z "$dirs" ]; then
    echo "no fuzz target found (expected at least one, in internal/server)" >&2
    return 1
  fi
  # shellcheck disable=SC2086 # one package directory per word
  listing=$(go test -run '^$' -list '^Fuzz' $dirs) || return 1
  local names=()
  while read -r first second _; do
    case "$first" in
    Fuzz*) names+=("$first") ;;
    ok)
      pkg="$second"
      for name in "${names[@]}"; do
        found=$((found + 1))
        echo "fuzzing $pkg $name for $fuzztime"
        go test "$pkg" -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" || return 1
      done
      names=()
      ;;
    esac
  done <<<"$listing"
  if [ "$found" -eq 0 ]; then
    echo "go test -list found no fuzz target in: $dirs" >&2
    return 1
  fi
}

# Every unit and acceptance test through OpenTofu, then the acceptance suite again through Terraform,
# each through testreport: go test's own package lines, the output of failed tests, and a refusal of
# any skipped test (a skip in CI hides a failure). The last lines count the tests of each CLI.
run_tests() {
  go build -o "$scratch/testreport" ./scripts/internal/testreport || return 1
  local totals="$scratch/totals" failed=0 cli packages pattern
  for cli in "${ACC_CLIS[@]}"; do
    # Each CLI's environment in a subshell of its own, so one never leaks into the other.
    if [ "$cli" = "${ACC_CLIS[0]}" ]; then
      packages=(./...) pattern=.
    else
      packages=("${ACC_PACKAGES[@]}") pattern='^TestAcc'
    fi
    printf '\n--- %s: go test -run %s %s\n' "$cli" "$pattern" "${packages[*]}"
    # shellcheck disable=SC2046 # acc_skip_flags prints zero or one flag
    if ! (
      acc_env "$cli" "$scratch" && echo "using $TF_ACC_TERRAFORM_PATH" &&
        go test -json "${packages[@]}" -run "$pattern" $(acc_skip_flags "$cli") -count=1 -p 2 -parallel 4 -timeout 30m |
        "$scratch/testreport" -run "$cli" -totals "$totals"
    ); then
      failed=1
    fi
  done
  "$scratch/testreport" -summary "$totals" && [ "$failed" -eq 0 ]
}

# The packages that hold acceptance tests (the whole suite runs once per CLI).
ACC_PACKAGES=(./internal/provider/... ./internal/cmd/orgs-onboard/...)

printf '==> setup: OpenTofu and Terraform for the acceptance tests\n'
for cli in "${ACC_CLIS[@]}"; do
  echo "$cli: $(scripts/ensure-cli.sh "$cli")"
done
tofu=$(scripts/ensure-cli.sh tofu)

run_step tracked scripts/check-tracked-files.sh
run_step gofmt check_gofmt
run_step hclfmt check_hclfmt
run_step vet go vet ./...
run_step lint run_lint
run_step openapi scripts/lint-openapi.sh
run_step goreleaser run_goreleaser_check
run_step release scripts/release-snapshot.sh --single-target --dist "$scratch/dist"
run_step docs scripts/generate-docs.sh --check
run_step demo env -u KEEP -u CLI DEMO_CLI="$tofu" scripts/demo.sh
run_step test run_tests
run_step fuzz run_fuzz

printf '\n==> all %d steps passed\n' "${#selected[@]}"
