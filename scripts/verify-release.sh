#!/usr/bin/env bash
# verify-release.sh [DIST]: checks a release goreleaser built into DIST (dist/ by default): one
# *_SHA256SUMS file that every file it lists matches and that lists every archive, an archive of each
# program (the provider, orgs-apiserver, orgs-onboard), and a signature of the checksums that verifies
# and was made by the key GPG_FINGERPRINT names (in the keyring GNUPGHOME points at). Run by
# scripts/release-snapshot.sh after every snapshot, and by the release workflow after a release.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

dist="${1:-dist}"
[ -n "${GPG_FINGERPRINT:-}" ] || die "GPG_FINGERPRINT must name the key the checksums were signed with"

found=("$dist"/*_SHA256SUMS)
if [ "${#found[@]}" -ne 1 ] || [ ! -f "${found[0]}" ]; then
  die "expected one *_SHA256SUMS file in $dist"
fi
sums="${found[0]}"
sig="$sums.sig"
[ -f "$sig" ] || die "no signature $sig"
version=$(basename "$sums")
version=${version#terraform-provider-orgs_}
version=${version%_SHA256SUMS}
# The manifest is listed in SHA256SUMS and uploaded beside the archives by the release; goreleaser
# leaves no copy in dist/, so put one there to check it and to have the registry's whole layout.
cp terraform-registry-manifest.json "$dist/terraform-provider-orgs_${version}_manifest.json"

if command -v sha256sum >/dev/null; then
  sha256=(sha256sum)
else
  sha256=(shasum -a 256) # macOS
fi
(cd "$dist" && "${sha256[@]}" --strict -c "$(basename "$sums")") || die "a file does not match $sums"

archives=0
for archive in "$dist"/*.zip "$dist"/*.tar.gz; do
  [ -f "$archive" ] || continue
  archives=$((archives + 1))
  awk -v name="$(basename "$archive")" '$2 == name { found = 1 } END { exit !found }' "$sums" ||
    die "$archive is not in $sums"
done
for program in terraform-provider-orgs orgs-apiserver orgs-onboard; do
  ls "$dist/${program}_${version}_"* >/dev/null 2>&1 || die "no $program archive in $dist"
done

# VALIDSIG names the key that made the signature (a subkey's fingerprint, then the primary's last):
# the signature must verify and be the key's that was asked for, not any key of the keyring.
status=$(gpg --batch --status-fd 1 --verify "$sig" "$sums" 2>/dev/null) || die "the signature $sig does not verify"
validsig=$(awk '$2 == "VALIDSIG" { print $3, $NF }' <<<"$status")
# GPG_FINGERPRINT may be written in lower case, with spaces, or be a long key id (the end of one).
want=$(tr -d ' ' <<<"${GPG_FINGERPRINT#0x}" | tr 'a-f' 'A-F')
signed=""
for fpr in $validsig; do
  [[ "$fpr" == *"$want" ]] && signed=1
done
[ -n "$signed" ] ||
  die "$sig is not signed by $GPG_FINGERPRINT (VALIDSIG: ${validsig:-none})"

say "verified $dist: $archives archives, $(basename "$sums"), $(basename "$sig"), the manifest"
for file in "$dist"/*.zip "$dist"/*.tar.gz "$sums" "$sig" "$dist"/*_manifest.json; do
  if [ -f "$file" ]; then printf '   %10d  %s\n' "$(wc -c <"$file")" "$file"; fi
done
say "every file matches $(basename "$sums"), every archive is in it, and $(basename "$sig") verifies with $GPG_FINGERPRINT"
