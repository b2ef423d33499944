#!/usr/bin/env bash
# find-cli.sh [tofu|terraform]: prints the path of an OpenTofu or Terraform already installed (on PATH)
# whose version the provider supports, and says on standard error which one it uses; with no argument
# it looks for tofu first, then terraform. When none is found it says what it found and why it cannot
# use it, and exits 1: the caller then builds the pinned one (scripts/ensure-cli.sh). The demo uses it;
# the tests do not, they run the pinned versions.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

case "${1:-}" in
'') names=(tofu terraform) ;;
tofu | terraform) names=("$1") ;;
*)
  echo "usage: $0 [tofu|terraform]" >&2
  exit 2
  ;;
esac

rejected=()
for name in "${names[@]}"; do
  path=$(command -v "$name" 2>/dev/null) || continue
  # An empty CLI configuration, so that a missing ~/.terraformrc or a stray TF_CLI_CONFIG_FILE does not
  # print warnings into the answer.
  version=$(TF_CLI_CONFIG_FILE=/dev/null CHECKPOINT_DISABLE=1 "$path" version -json 2>/dev/null |
    sed -n 's/^[[:space:]]*"terraform_version":[[:space:]]*"\([^"]*\)".*/\1/p') || true
  if [ -z "$version" ]; then
    rejected+=("$name at $path (its version could not be read)")
  elif cli_version_supported "$version"; then
    for r in "${rejected[@]}"; do echo "not using $r" >&2; done
    echo "using $name $version, installed at $path (the provider supports $CLI_SUPPORTED)" >&2
    echo "$path"
    exit 0
  else
    rejected+=("$name $version at $path (the provider needs $CLI_SUPPORTED)")
  fi
done

if [ "${#rejected[@]}" -eq 0 ]; then
  echo "found no ${names[*]} on PATH" >&2
else
  for r in "${rejected[@]}"; do echo "not using $r" >&2; done
fi
exit 1
