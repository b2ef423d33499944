# shellcheck shell=bash
# Shared by the scripts in this directory (sourced, not run). Only Go, bash and coreutils are assumed.

# The cache outside the clone where pinned tools are built once, keyed by version
# (scripts/ensure-cli.sh uses the same place for OpenTofu and Terraform).
ORGS_CACHE="${ORGS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-orgs}"

# Pinned tool versions: bump here and the next run builds the new version beside the old one.
GOLANGCI_LINT_VERSION=v2.15.0
GORELEASER_VERSION=v2.15.1
TFPLUGINDOCS_VERSION=v0.24.0
GREMLINS_VERSION=v0.6.0

export CHECKPOINT_DISABLE=1 # OpenTofu and the test framework must not phone home

say() { printf '>> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# ensure_go_tool NAME MODULE/PATH VERSION [ABOUT]: prints the path of NAME built from MODULE/PATH@VERSION,
# installing it into the cache on first use. The install goes to a temporary folder that is renamed
# at the end, so an interrupted build never leaves a half-written tool behind that looks finished.
ensure_go_tool() {
  local name="$1" pkg="$2" version="$3" about="${4:-a few minutes}"
  local dir="$ORGS_CACHE/$name-$version"
  if [ -x "$dir/$name" ]; then
    echo "$dir/$name"
    return 0
  fi
  say "installing $name $version into $dir (first time only: $about)"
  mkdir -p "$ORGS_CACHE"
  local tmp
  tmp=$(mktemp -d "$ORGS_CACHE/.$name-$version.XXXXXX")
  # Outside the module, so the tool's own go.mod decides its dependencies.
  if ! (cd "$tmp" && GOBIN="$tmp" GOFLAGS='' go install "$pkg@$version" >&2); then
    rm -rf "$tmp"
    die "could not install $name $version"
  fi
  rm -rf "$dir"
  mv "$tmp" "$dir"
  echo "$dir/$name"
}

golangci_lint() {
  ensure_go_tool golangci-lint github.com/golangci/golangci-lint/v2/cmd/golangci-lint "$GOLANGCI_LINT_VERSION" "4 to 6 minutes"
}

goreleaser() {
  ensure_go_tool goreleaser github.com/goreleaser/goreleaser/v2 "$GORELEASER_VERSION" "4 to 6 minutes"
}

tfplugindocs() {
  ensure_go_tool tfplugindocs github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs "$TFPLUGINDOCS_VERSION" "1 to 2 minutes"
}

# The OpenTofu and Terraform versions the provider works with: 1.11 brought write-only attributes, which
# its schemas (and the demo) use. The tests run the pinned versions of scripts/ensure-cli.sh; the demo
# takes an installed CLI of a supported version (scripts/find-cli.sh).
CLI_SUPPORTED="OpenTofu or Terraform 1.11 or a later 1.x"

# cli_version_supported VERSION: whether a CLI reporting VERSION ("1.12.6", "1.14.0-beta1") is supported.
cli_version_supported() {
  local major minor
  IFS=. read -r major minor _ <<<"$1"
  minor="${minor%%[!0-9]*}"
  [[ "$major" == 1 && "$minor" =~ ^[0-9]+$ ]] && [ "$minor" -ge 11 ]
}

# The CLIs the acceptance suite runs through, in the order the test command runs them.
ACC_CLIS=(tofu terraform)

# acc_env CLI SCRATCH: exports the acceptance-test environment for CLI (tofu or terraform), with the
# CLI configuration written under SCRATCH. Set here, never inherited: a TF_CLI_CONFIG_FILE pointing at
# a missing file (as some machines export) breaks OpenTofu's version detection in the test framework,
# and a stray TF_LOG floods the output.
acc_env() {
  local cli="$1" scratch="$2"
  export TF_ACC=1
  TF_ACC_TERRAFORM_PATH=$(scripts/ensure-cli.sh "$cli") || return 1
  export TF_ACC_TERRAFORM_PATH
  # The test framework writes the provider's source with this host: each CLI's own default one.
  case "$cli" in
  tofu) export TF_ACC_PROVIDER_HOST=registry.opentofu.org ;;
  terraform) export TF_ACC_PROVIDER_HOST=registry.terraform.io ;;
  esac
  export TF_CLI_CONFIG_FILE="$scratch/$cli.tfrc"
  : >"$TF_CLI_CONFIG_FILE"
  unset TF_LOG TF_LOG_PATH TF_CLI_ARGS TF_PLUGIN_CACHE_DIR TF_ACC_LOG_PATH
}

# Acceptance tests that need what only Terraform has are named TestAccQuery_* (list resources,
# `terraform query`) or TestAccTerraform_* (anything else): they are not run with OpenTofu, and
# acctest.RequireTerraform fails them if they are.
TERRAFORM_ONLY_TESTS='^TestAcc(Query|Terraform)_'

# acc_skip_flags CLI: the go test flags that leave out the tests CLI cannot run.
acc_skip_flags() {
  case "$1" in
  tofu) echo "-skip=$TERRAFORM_ONLY_TESTS" ;;
  esac
}
