#!/usr/bin/env bash
# Lints the committed OpenAPI document (internal/server/openapi.json) with Redocly's "recommended"
# ruleset. Redocly's CLI is installed on first use with npm into the project cache
# (${ORGS_CACHE_DIR:-$HOME/.cache/terraform-provider-orgs}/redocly-cli-<version>) and reused after.
# Every problem fails the run, warnings included: a warning that nobody must fix is a rule to turn
# off here, with a reason, not noise to scroll past.
set -euo pipefail
cd "$(dirname "$0")/.."

REDOCLY_VERSION=2.77.0
cache="${ORGS_CACHE_DIR:-$HOME/.cache/terraform-provider-orgs}"
dir="$cache/redocly-cli-$REDOCLY_VERSION"
doc="${1:-internal/server/openapi.json}"

die() { printf 'error: %s\n' "$*" >&2; exit 1; }
command -v npm >/dev/null || die "npm is needed to install Redocly's CLI (Node.js 20 or later)"

if [ ! -x "$dir/node_modules/.bin/redocly" ]; then
  printf '>> installing @redocly/cli %s into %s (first time only)\n' "$REDOCLY_VERSION" "$dir" >&2
  mkdir -p "$cache"
  tmp=$(mktemp -d "$cache/.redocly-cli-$REDOCLY_VERSION.XXXXXX")
  # Into a temporary folder renamed at the end, so an interrupted install never looks finished.
  if ! npm install --prefix "$tmp" --no-audit --no-fund --loglevel=error "@redocly/cli@$REDOCLY_VERSION" >&2; then
    rm -rf "$tmp"
    die "could not install @redocly/cli $REDOCLY_VERSION"
  fi
  rm -rf "$dir"
  mv "$tmp" "$dir"
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cat >"$scratch/redocly.yaml" <<'EOF'
extends:
  - recommended
EOF

export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
# JSON output counts errors and warnings alike; the exit status alone would let warnings through.
set +e
"$dir/node_modules/.bin/redocly" lint --config "$scratch/redocly.yaml" --format json "$doc" >"$scratch/report.json" 2>"$scratch/stderr"
rc=$?
set -e
problems=$(node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const list = r.problems || [];
for (const p of list) {
  const where = (p.location || []).map(l => l.pointer).filter(Boolean).join(", ");
  console.error(`${p.severity}: ${p.ruleId}: ${p.message}${where ? " (" + where + ")" : ""}`);
}
console.log(list.length);
' "$scratch/report.json" 2>&1 >"$scratch/count") || {
  cat "$scratch/stderr" >&2
  die "redocly lint produced no readable report (exit status $rc)"
}
count=$(cat "$scratch/count")
if [ -n "$problems" ]; then
  printf '%s\n' "$problems" >&2
fi
if [ "$count" != 0 ] || [ "$rc" -ne 0 ]; then
  die "$doc: $count problem(s) from Redocly's recommended rules"
fi
echo "$doc: no problems with Redocly's recommended rules"
