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
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

gremlins=$(ensure_go_tool gremlins github.com/go-gremlins/gremlins/cmd/gremlins "$GREMLINS_VERSION" "2 to 4 minutes")

packages=("$@")
if [ "${#packages[@]}" -eq 0 ]; then
  packages=(./internal/client ./internal/server)
fi
out="${MUTATE_OUT:-.mutate}"
mkdir -p "$out"
: >"$out/summary"

# Tests that need a CLI or a real network run only under TF_ACC; mutation runs the unit tests.
unset TF_ACC
# gremlins times each mutant against its first, unmutated test run; a cached result of that run would
# take a second and turn every mutant into a timeout, so it must really run (-count=1 reaches every go
# test that gremlins starts).
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-count=1"
status=0
for pkg in "${packages[@]}"; do
  [ -d "$pkg" ] || die "no package directory $pkg"
  name=$(echo "${pkg#./}" | tr -c 'a-zA-Z0-9\n' '_')
  # gremlins walks the package's folder and its sub-folders; every Go file not named in FILES is
  # excluded by an anchored pattern on its path relative to the package.
  exclude=()
  if [ -n "${FILES:-}" ]; then
    for f in $FILES; do
      [ -f "$pkg/$f" ] || die "no file $pkg/$f"
    done
    while IFS= read -r f; do
      rel=${f#"$pkg"/}
      case " $FILES " in *" $rel "*) continue ;; esac
      exclude+=(--exclude-files "^$(printf '%s' "$rel" | sed 's/[.]/[.]/g')\$")
    done < <(find "$pkg" -name '*.go' ! -name '*_test.go' | sort)
    name="${name}_$(echo "$FILES" | tr -c 'a-zA-Z0-9\n' '_')"
  fi
  say "mutating $pkg${FILES:+ (only $FILES)} (one worker: each test run already uses both cores)"
  start=$SECONDS
  # Each mutant runs `go test -failfast` on its own package only (gremlins' default, not --integration).
  # --timeout-coefficient: a mutant that makes a test hang is stopped after this many times the length
  # of the first, unmutated run (which includes compiling); 5 leaves room for a shared, loaded machine.
  if ! "$gremlins" unleash --workers 1 --timeout-coefficient 5 "${exclude[@]}" \
    --output "$out/$name.json" "$pkg" | tee "$out/$name.log"; then
    status=1
  fi
  printf '%s%s: %s, %s, %s in %ds\n' "$pkg" "${FILES:+ ($FILES)}" \
    "$(grep -o 'Killed: [0-9]*, Lived: [0-9]*, Not covered: [0-9]*' "$out/$name.log" || echo 'no counts reported')" \
    "$(grep -o 'Timed out: [0-9]*' "$out/$name.log" || echo 'timeouts not reported')" \
    "$(grep -o 'Test efficacy: [0-9.]*%' "$out/$name.log" || echo 'no efficacy reported')" $((SECONDS - start)) |
    tee -a "$out/summary"
done
printf '\n'
cat "$out/summary"
printf 'results (JSON, log): %s/\n' "$out"
exit "$status"
