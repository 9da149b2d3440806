#!/usr/bin/env bash
# Prints the CHANGELOG.md section of one version (without its heading): the release notes.
#
#   .github/release/notes.sh X.Y.Z [CHANGELOG]
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 X.Y.Z [CHANGELOG]" >&2; exit 2; }
version="$1"
changelog="${2:-$(cd "$(dirname "$0")/../.." && pwd)/CHANGELOG.md}"
awk -v v="$version" '
  index($0, "## [" v "]") == 1 { inside = 1; next }
  inside && /^## \[/ { exit }
  inside && /^\[[^]]+\]: / { exit }
  inside { print }
' "$changelog" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' | sed '/./,$!d'
