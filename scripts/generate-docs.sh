#!/usr/bin/env bash
# Generates docs/ with tfplugindocs from templates/, examples/ and the provider's schema
# (`make generate`), and the drawn parts of the maintainers' docs in contributing/: the diagrams
# (scripts/internal/diagrams) and the scale charts and the performance page's figures, redrawn from
# the committed record of the scale harness's runs (scripts/internal/scale -redraw; only `make scale`
# measures). With --check it generates both into a scratch copy and fails when docs/ or contributing/
# differs, leaving the working tree untouched either way.
#
# tfplugindocs would normally build the provider and download a Terraform CLI to read the schema;
# neither is possible offline, so the schema comes from the provider built here and read by the
# Terraform from scripts/ensure-cli.sh through a dev_overrides CLI configuration. Terraform, not
# OpenTofu: only Terraform's schema holds the list resources.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

mode=generate
case "${1:-}" in
"") ;;
--check) mode=check ;;
*) die "usage: $0 [--check]" ;;
esac

root=$(pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

say "drawing the maintainers' diagrams and the scale charts and figures"
maint="$scratch/contributing"
cp -R contributing "$maint"
go run ./scripts/internal/diagrams -out "$maint/diagrams"
go run ./scripts/internal/scale -redraw -record "$maint/scale/runs.json" -page "$maint/performance.md"

terraform=$(scripts/ensure-cli.sh terraform)
docs_tool=$(tfplugindocs)

say "building the provider"
mkdir -p "$scratch/bin" "$scratch/schema"
go build -o "$scratch/bin/terraform-provider-orgs" .

say "reading the provider schema through Terraform"
cat >"$scratch/cli.tfrc" <<EOF
provider_installation {
  dev_overrides {
    "hashicorp/orgs" = "$scratch/bin"
  }
  direct {}
}
EOF
cat >"$scratch/schema/main.tf" <<'EOF'
terraform {
  required_providers {
    orgs = {
      source = "hashicorp/orgs"
    }
  }
}
EOF
if ! (cd "$scratch/schema" && TF_CLI_CONFIG_FILE="$scratch/cli.tfrc" TF_IN_AUTOMATION=1 \
  "$terraform" providers schema -json >"$scratch/schema-cli.json" 2>"$scratch/cli.err"); then
  cat "$scratch/cli.err" >&2
  die "terraform providers schema failed"
fi

# The site is rendered in a scratch provider directory holding copies of the inputs, so the templates
# can be completed (plan limits) and the output compared without touching the working tree.
site="$scratch/site"
mkdir -p "$site"
cp -R templates examples "$site/"
go run ./scripts/internal/docsprep \
  -schema-in "$scratch/schema-cli.json" \
  -schema-out "$scratch/schema.json" \
  -provider orgs \
  -template "$site/templates/index.md.tmpl"

say "rendering docs with tfplugindocs $TFPLUGINDOCS_VERSION"
if ! "$docs_tool" generate \
  --provider-dir "$site" \
  --provider-name orgs \
  --rendered-provider-name orgs \
  --providers-schema "$scratch/schema.json" \
  --examples-dir examples \
  --website-source-dir templates \
  --rendered-website-dir docs >"$scratch/tfplugindocs.log" 2>&1; then
  cat "$scratch/tfplugindocs.log" >&2
  die "tfplugindocs generate failed"
fi
if ! "$docs_tool" validate --provider-dir "$site" --provider-name orgs \
  --providers-schema "$scratch/schema.json" >"$scratch/validate.log" 2>&1; then
  cat "$scratch/validate.log" >&2
  die "tfplugindocs validate failed"
fi

if [ "$mode" = check ]; then
  stale=0
  if ! diff -ru docs "$site/docs" >"$scratch/docs.diff" 2>&1; then
    cat "$scratch/docs.diff" >&2
    echo "docs/ is stale: run make generate" >&2
    stale=1
  fi
  if ! diff -ru contributing "$maint" >"$scratch/contributing.diff" 2>&1; then
    cat "$scratch/contributing.diff" >&2
    echo "contributing/ is stale (its diagrams, or the scale charts and figures against scale/runs.json): run make generate" >&2
    stale=1
  fi
  [ "$stale" = 0 ] || exit 1
  echo "docs/ and the drawings of contributing/ are up to date"
  exit 0
fi

rm -rf "$root/docs"
cp -R "$site/docs" "$root/docs"
mkdir -p "$root/contributing/diagrams" "$root/contributing/scale"
cp "$maint"/diagrams/*.svg "$root/contributing/diagrams/"
cp "$maint"/scale/*.svg "$root/contributing/scale/"
cp "$maint/performance.md" "$root/contributing/performance.md"
echo "generated docs/ and the drawings of contributing/"
