#!/usr/bin/env bash
# release-snapshot.sh [--single-target] [--dist DIR]: builds the release as a tag would (.goreleaser.yml:
# every archive, the SHA256SUMS file and its signature) without a tag or publishing, then verifies it
# with scripts/verify-release.sh: every line of SHA256SUMS against the files, every archive listed in it,
# and the signature against the key.
#
# The key: GPG_FINGERPRINT names a real one in the usual keyring (GNUPGHOME or ~/.gnupg). Without it a
# throwaway key is made in a temporary GNUPGHOME, used, and deleted with it at the end, so the signature
# can no longer be checked after the run: it proves the signing works, nothing more.
#
# `make release-snapshot` runs it as it is: every platform into dist/ (the figure is in the GNUmakefile).
# The test command's release step runs it with --single-target (this machine's platform only, three
# archives) and --dist in its scratch directory, so it never touches dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

single=""
dist=dist
while [ "$#" -gt 0 ]; do
  case "$1" in
  --single-target) single=1 ;;
  --dist)
    [ "$#" -ge 2 ] || die "--dist needs a directory"
    dist="$2"
    shift
    ;;
  *) die "usage: $0 [--single-target] [--dist DIR]" ;;
  esac
  shift
done

started=$SECONDS
gr=$(goreleaser)
command -v gpg >/dev/null || die "gpg is needed to sign the checksums (GnuPG 2)"

scratch=$(mktemp -d)
throwaway_home=""
cleanup() {
  if [ -n "$throwaway_home" ]; then
    # The agent gpg started for the throwaway keyring holds it open: stop it before removing it.
    GNUPGHOME="$throwaway_home" gpgconf --kill all 2>/dev/null || true
    rm -rf "$throwaway_home"
  fi
  rm -rf "$scratch"
}
trap cleanup EXIT

if [ -z "${GPG_FINGERPRINT:-}" ]; then
  # Under /tmp, not TMPDIR: gpg-agent's socket lives in GNUPGHOME, and a socket path has a length limit
  # that macOS's long TMPDIR can exceed.
  throwaway_home=$(mktemp -d /tmp/orgs-release-gnupg.XXXXXX)
  export GNUPGHOME="$throwaway_home"
  # RSA, as the Terraform registry requires of a real provider signing key; no passphrase, one day.
  gpg --batch --quiet --passphrase '' --quick-gen-key \
    'terraform-provider-orgs release snapshot (throwaway) <release-snapshot@example.invalid>' rsa3072 sign 1d 2>/dev/null ||
    die "could not make a throwaway signing key"
  GPG_FINGERPRINT=$(gpg --batch --with-colons --list-secret-keys 2>/dev/null | awk -F: '$1 == "fpr" { print $10; exit }')
  [ -n "$GPG_FINGERPRINT" ] || die "could not read the throwaway key's fingerprint"
  say "signing with a throwaway key $GPG_FINGERPRINT (GPG_FINGERPRINT unset), deleted at the end"
else
  gpg --batch --list-secret-keys "$GPG_FINGERPRINT" >/dev/null 2>&1 ||
    die "GPG_FINGERPRINT=$GPG_FINGERPRINT: no such secret key in ${GNUPGHOME:-~/.gnupg}"
  say "signing with the key $GPG_FINGERPRINT"
fi
export GPG_FINGERPRINT

args=(release --snapshot --clean)
config=.goreleaser.yml
if [ -n "$single" ] || [ "$dist" != dist ]; then
  # A copy of the configuration: goreleaser takes its output folder from it only, and its release
  # command has no --single-target (its build command has), so the copy gives every build (each
  # entry of builds: has a binary: line) this platform as its only target.
  config="$scratch/goreleaser.yml"
  target="$(go env GOOS)_$(go env GOARCH)"
  awk -v single="$single" -v target="$target" '
    { print }
    single && /^    binary: / { print "    targets: [" target "]" }
  ' .goreleaser.yml >"$config"
  printf '\ndist: %s\n' "$dist" >>"$config"
fi
args+=(--config "$config")
if [ -z "$single" ]; then
  # 30 binaries: goreleaser's one-hour limit is too short on a loaded machine.
  args+=(--timeout=3h)
fi
say "goreleaser ${args[*]}"
"$gr" "${args[@]}" || die "goreleaser failed"

scripts/verify-release.sh "$dist"
if [ -n "$single" ]; then
  shopt -s nullglob
  archives=("$dist"/*.zip "$dist"/*.tar.gz)
  [ "${#archives[@]}" -eq 3 ] || die "--single-target made ${#archives[@]} archives, not 3 (one per program): see the builds in .goreleaser.yml"
fi
say "release snapshot done in $((SECONDS - started))s"
