#!/usr/bin/env bash
# release-notes.sh VERSION: prints CHANGELOG.md's section for VERSION (the lines under
# "## VERSION (date)", up to the next version's heading), the notes of the release the workflow
# publishes for tag vVERSION. Fails when there is no such section or it is still "(Unreleased)", so a
# tag without its changelog entry publishes nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

version="${1:-}"
version="${version#v}"
[ -n "$version" ] || die "usage: $0 VERSION (e.g. 0.1.0 or v0.1.0)"

heading=$(awk -v start="## $version (" 'index($0, start) == 1 { print; exit }' CHANGELOG.md)
[ -n "$heading" ] || die "CHANGELOG.md has no section \"## $version (<date>)\": add one before tagging v$version"
case "$heading" in
*"(Unreleased)"*) die "CHANGELOG.md's section for $version is still \"(Unreleased)\": give it the release date" ;;
esac
awk -v heading="$heading" '
  $0 == heading { inside = 1; next }
  inside && /^## / { exit }
  inside { print }
' CHANGELOG.md | sed -e '/./,$!d' # without the blank lines after the heading
