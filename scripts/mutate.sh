#!/usr/bin/env bash
# Mutation testing (`make mutate`, or `make mutate PKG=./internal/client`): gremlins changes the code
# of a package one small mutation at a time (a flipped comparison, + for -...) and runs that
# package's tests against each; a mutant the tests do not notice "lived". The efficacy is the share
# of covered mutants the tests killed. Not part of the test command: a full run of internal/server
# takes hours on two cores (contributing/testing.md has the times, the figures and the survivors judged harmless).
#
# FILES='members.go invitations.go' mutates only those files of the package (paths relative to it), for a
# run that fits in less time; the package's whole test suite still judges each mutant. The JSON and the
# log of each run are kept in .mutate/ (MUTATE_OUT to change it), so that survivors can be read after.
#
# RUN='^TestX$' narrows the tests that judge each mutant (go test -run), in any package. DRY_RUN=1 only
# finds the mutants and which of them the tests cover (one unmutated run each), to size a run first.
# SAMPLE=200 judges 200 covered mutants drawn at random (SEED=1 by default: the same seed draws the same
# ones) instead of every one, and gives the efficacy with its 95 % interval (scripts/internal/mutsample).
# ONLY='activity.go:186:12 INCREMENT_DECREMENT,...' judges the mutants named, as a run's log names them:
# survivors judged again after a test is added.
#
# internal/provider is judged by its acceptance tests, through a real CLI (CLI=terraform, the default
# here since it runs every test, Terraform-only ones included; CLI=tofu leaves those out): its unit tests
# alone exercise little. The whole acceptance suite for every mutant would take days, so each file is
# judged by its own tests only: those of its test files (label_resource.go: label_resource_test.go;
# provider.go: provider_test.go and provider_acc_test.go), or, for the shared files that have none, the
# tests named in tests_of below. Without FILES, the provider is mutated file by file that way, one
# gremlins run per file; RUN replaces the choice.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

gremlins=$(ensure_go_tool gremlins github.com/go-gremlins/gremlins/cmd/gremlins "$GREMLINS_VERSION" "2 to 4 minutes")

# mutsample judges a random sample of the covered mutants (SAMPLE=n), for a package whose every mutant
# would take more than a working day.
if [ -n "${SAMPLE:-}${ONLY:-}" ]; then
  mutsample_dir=$(mktemp -d)
  trap 'rm -rf "$mutsample_dir"' EXIT
  mutsample="$mutsample_dir/mutsample"
  go build -o "$mutsample" ./scripts/internal/mutsample || die "could not build scripts/internal/mutsample"
fi

packages=("$@")
if [ "${#packages[@]}" -eq 0 ]; then
  packages=(./internal/client ./internal/server ./internal/provider)
fi
out="${MUTATE_OUT:-.mutate}"
mkdir -p "$out"
: >"$out/summary"

# Tests that need a CLI or a real network run only under TF_ACC; the client and the server are judged
# by their unit tests (the provider sets TF_ACC again for its own runs, in a subshell).
unset TF_ACC
# gremlins times each mutant against its first, unmutated test run; a cached result of that run would
# take a second and turn every mutant into a timeout, so it must really run (-count=1 reaches every go
# test that gremlins starts).
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-count=1"

# tests_of FILE (of internal/provider): the test files, without _test.go, whose tests judge FILE's
# mutants. A file's own test files; a shared file without any is judged by the tests of the files that
# use it most (a few of them, so that its run stays short).
tests_of() {
  local f="$1" stem="${1%.go}"
  case "$f" in
  # The rotation block is validated and planned in api_token_resource.go; its tests are in
  # api_token_rotation_test.go.
  api_token_resource.go) echo api_token_resource api_token_rotation ;;
  base.go) echo label_resource data_sources ;;
  data_source_entries.go) echo data_sources ;;
  environment_keys.go) echo member_resource members_resource ;;
  # A refresh's drift warning (who changed what) is raised in identity.go, for every resource.
  identity.go) echo identity drift_attribution ;;
  modify_plan.go) echo member_resource label_resource invitation_resource ;;
  patch.go) echo label_resource organization_resource environment_resource ;;
  provider_data.go) echo member_resource organization_resource ;;
  shared_helpers.go) echo member_resource provider ;;
  team_entries.go) echo team_data_sources ;;
  timestamps.go) echo api_token_resource organization_resource ;;
  validators.go) echo provider api_token_rotation container_registry_resource ;;
  emailtype/planmodifier.go) echo emailtype/emailtype ;;
  *)
    local t found=""
    for t in "internal/provider/${stem}_test.go" internal/provider/"${stem}"_*_test.go; do
      [ -f "$t" ] || continue
      t=${t#internal/provider/}
      found+="${t%_test.go} "
    done
    [ -n "$found" ] || die "internal/provider/$f has no test file of its own and no entry in tests_of (scripts/mutate.sh): add one, or give RUN"
    echo "$found"
    ;;
  esac
}

# run_regex FILE...: the go test -run pattern of every test that judges the files' mutants.
run_regex() {
  local f stem names=()
  for f in "$@"; do
    for stem in $(tests_of "$f"); do
      [ -f "internal/provider/${stem}_test.go" ] || die "tests_of $f names internal/provider/${stem}_test.go, which does not exist"
      while IFS= read -r name; do names+=("$name"); done < <(sed -n 's/^func \(Test[A-Za-z0-9_]*\)(t \*testing\.T).*/\1/p' "internal/provider/${stem}_test.go")
    done
  done
  [ "${#names[@]}" -gt 0 ] || die "no tests judge $*"
  # Each test once, whichever files named it.
  mapfile -t names < <(printf '%s\n' "${names[@]}" | sort -u)
  local IFS='|'
  echo "^(${names[*]})\$"
}

# mutate PKG FILES RUN [JUDGES]: one gremlins run of PKG, of only FILES when not empty, judged by the
# tests RUN matches when not empty. With SAMPLE=n, gremlins only finds the mutants and their coverage
# (--dry-run), and scripts/internal/mutsample judges n covered ones drawn at random (SEED, 1 unless
# given), each by the tests JUDGES names for its file when given (lines file<TAB>pattern).
mutate() {
  local pkg="$1" files="$2" run="$3" judges="${4:-}"
  [ -d "$pkg" ] || die "no package directory $pkg"
  local name
  name=$(echo "${pkg#./}" | tr -c 'a-zA-Z0-9\n' '_')
  # gremlins walks the package's folder and its sub-folders; every Go file not named in FILES is
  # excluded by an anchored pattern on its path relative to the package.
  local exclude=()
  if [ -n "$files" ]; then
    local f rel
    for f in $files; do
      [ -f "$pkg/$f" ] || die "no file $pkg/$f"
    done
    while IFS= read -r f; do
      rel=${f#"$pkg"/}
      case " $files " in *" $rel "*) continue ;; esac
      exclude+=(--exclude-files "^$(printf '%s' "$rel" | sed 's/[.]/[.]/g')\$")
    done < <(find "$pkg" -name '*.go' ! -name '*_test.go' | sort)
    name="${name}_$(echo "$files" | tr -c 'a-zA-Z0-9\n' '_')"
  fi
  say "mutating $pkg${files:+ (only $files)}${run:+ judged by $run}${SAMPLE:+, $SAMPLE covered mutants drawn at random}${ONLY:+, only $ONLY} (one worker: each test run already uses both cores)"
  local start=$SECONDS status=0
  if [ -n "${SAMPLE:-}${ONLY:-}" ]; then
    local which=() m
    if [ -n "${ONLY:-}" ]; then
      # The mutants named, as a run's log names them, judged again (after adding tests).
      name="${name}_only"
      IFS=',' read -ra list <<<"$ONLY"
      for m in "${list[@]}"; do which+=(-only "$m"); done
    else
      name="${name}_sample${SAMPLE}_seed${SEED:-1}"
      GOFLAGS="$GOFLAGS${run:+ -run=$run}" "$gremlins" unleash --dry-run --workers 1 "${exclude[@]}" \
        --output "$out/$name.mutants.json" "$pkg" >"$out/$name.mutants.log" || die "gremlins could not list the mutants of $pkg: $out/$name.mutants.log"
      which=(-report "$out/$name.mutants.json" -n "$SAMPLE" -seed "${SEED:-1}")
    fi
    if ! GOFLAGS="$GOFLAGS${run:+ -run=$run}" "$mutsample" "${which[@]}" -pkg "$pkg" -timeout-coefficient 5 \
      ${judges:+-judges "$judges"} | tee "$out/$name.log"; then
      status=1
    fi
    printf '%s%s: %s, %s in %ds\n' "$pkg" "${files:+ ($files)}" \
      "$(grep -o 'Killed: .*, in' "$out/$name.log" | sed 's/, in$//' || echo 'no counts reported')" \
      "$(grep -o 'efficacy: .*)' "$out/$name.log" || echo 'no efficacy reported')" $((SECONDS - start)) |
      tee -a "$out/summary"
    return "$status"
  fi
  # Each mutant runs `go test -failfast` on its own package only (gremlins' default, not --integration).
  # --timeout-coefficient: a mutant that makes a test hang is stopped after this many times the length
  # of the first, unmutated run (which includes compiling); 5 leaves room for a shared, loaded machine.
  # gremlins passes no test flags of its own: -run reaches go test through GOFLAGS (no spaces in it).
  if ! GOFLAGS="$GOFLAGS${run:+ -run=$run}" "$gremlins" unleash ${DRY_RUN:+--dry-run} --workers 1 --timeout-coefficient 5 "${exclude[@]}" \
    --output "$out/$name.json" "$pkg" | tee "$out/$name.log"; then
    status=1
  fi
  printf '%s%s: %s, %s, %s in %ds\n' "$pkg" "${files:+ ($files)}" \
    "$(grep -o -e 'Killed: [0-9]*, Lived: [0-9]*, Not covered: [0-9]*' -e 'Runnable: [0-9]*, Not covered: [0-9]*' "$out/$name.log" || echo 'no counts reported')" \
    "$(grep -o 'Timed out: [0-9]*' "$out/$name.log" || echo 'timeouts not reported')" \
    "$(grep -o 'Test efficacy: [0-9.]*%' "$out/$name.log" || echo 'no efficacy reported')" $((SECONDS - start)) |
    tee -a "$out/summary"
  return "$status"
}

# mutate_provider PKG: the provider, file by file (or FILES together), judged by its acceptance tests.
mutate_provider() (
  local pkg="$1" cli="${CLI:-terraform}" scratch
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  acc_env "$cli" "$scratch" || die "could not set up $cli"
  # The unmutated run must finish within go test's timeout, and the acceptance tests run side by side
  # as in the test command.
  GOFLAGS="$GOFLAGS -timeout=60m -parallel=4$(acc_skip_flags "$cli" | sed 's/^./ &/')"
  local status=0 f files run
  if [ -n "${SAMPLE:-}${ONLY:-}" ]; then
    # One list of the mutants and their coverage by the whole acceptance suite (or by RUN), then each
    # drawn mutant judged by its own file's tests, as in a run file by file.
    files=${FILES:-$(cd "$pkg" && find . -name '*.go' ! -name '*_test.go' | sed 's|^\./||' | sort)}
    for f in $files; do
      run=${RUN:-$(run_regex "$f")} || exit 1
      printf '%s\t%s\n' "$f" "$run"
    done >"$scratch/judges"
    mutate "$pkg" "${FILES:-}" "${RUN:-}" "$scratch/judges" || status=1
    return "$status"
  fi
  if [ -n "${FILES:-}" ]; then
    # shellcheck disable=SC2086 # FILES is a list
    run=${RUN:-$(run_regex $FILES)} || exit 1
    mutate "$pkg" "$FILES" "$run" || status=1
    return "$status"
  fi
  files=$(cd "$pkg" && find . -name '*.go' ! -name '*_test.go' | sed 's|^\./||' | sort)
  for f in $files; do
    run=${RUN:-$(run_regex "$f")} || exit 1
    mutate "$pkg" "$f" "$run" || status=1
  done
  return "$status"
)

status=0
for pkg in "${packages[@]}"; do
  case "${pkg#./}" in
  internal/provider | internal/provider/) mutate_provider ./internal/provider || status=1 ;;
  *) mutate "$pkg" "${FILES:-}" "${RUN:-}" || status=1 ;;
  esac
done
printf '\n'
cat "$out/summary"
printf 'results (JSON, log): %s/\n' "$out"
exit "$status"
