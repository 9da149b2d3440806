#!/usr/bin/env bash
# The release workflow's first check: the pushed tag is the version the repository says it
# releases. Run from anywhere; ROOT defaults to this checkout.
#
#   .github/release/check-version.sh vX.Y.Z [ROOT]
#
# Fails (exit 1, one line per problem) unless:
#   - the tag is `v` + Cargo.toml's `version`, and Cargo.lock agrees;
#   - CHANGELOG.md has a `## [X.Y.Z] - YYYY-MM-DD` section;
#   - the README and docs/examples name this release (`tlslint/tlslint@vX.Y.Z`,
#     `rev: vX.Y.Z`, `ghcr.io/tlslint/tlslint:X.Y.Z`, `tlslint==X.Y.Z`).
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 vX.Y.Z [ROOT]" >&2; exit 2; }
tag="$1"
root="${2:-$(cd "$(dirname "$0")/../.." && pwd)}"
problems=0
problem() { echo "check-version: $*" >&2; problems=$((problems + 1)); }

version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n 1)"
[ -n "$version" ] || problem "no version in Cargo.toml"
[ "$tag" = "v$version" ] || problem "tag $tag is not v$version (Cargo.toml)"
lock="$(awk '/^name = "tlslint"$/ { getline; print; exit }' "$root/Cargo.lock" | sed 's/^version = "\(.*\)"$/\1/')"
[ "$lock" = "$version" ] || problem "Cargo.lock has tlslint $lock, Cargo.toml $version (run cargo build)"
grep -Eq "^## \[$version\] - [0-9]{4}-[0-9]{2}-[0-9]{2}$" "$root/CHANGELOG.md" \
  || problem "CHANGELOG.md has no '## [$version] - YYYY-MM-DD' section"
for needle in "tlslint/tlslint@v$version" "rev: v$version" "ghcr.io/tlslint/tlslint:$version" "tlslint==$version"; do
  grep -qF "$needle" "$root/README.md" || problem "README.md does not name $needle"
done
grep -qF "tlslint/tlslint@v$version" "$root/docs/examples/github-workflow.yml" \
  || problem "docs/examples/github-workflow.yml does not use tlslint/tlslint@v$version"
grep -qF "rev: v$version" "$root/docs/examples/pre-commit-config.yaml" \
  || problem "docs/examples/pre-commit-config.yaml does not pin rev: v$version"

if [ "$problems" -gt 0 ]; then
  exit 1
fi
echo "check-version: $tag matches Cargo.toml, Cargo.lock, CHANGELOG.md and the README"
