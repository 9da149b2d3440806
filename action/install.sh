#!/usr/bin/env bash
# Installs the tlslint binary for the GitHub Action (action.yml), in two steps around
# actions/cache:
#
#   action/install.sh resolve   -> outputs version, target, mode, dir, key
#   action/install.sh install   -> outputs bin (the binary's path)
#
# `mode` is `release` when the action is used at a version tag (`@v0`, `@v0.1.0`): the
# release binary of the version in the action's own Cargo.toml is downloaded from
# TLSLINT_RELEASE_URL/vVERSION/ (default: this repository's GitHub releases), its SHA-256
# is checked against the `.sha256` file published beside it, and it is unpacked into
# `dir`. When that release has no such file (404), and for a branch or commit ref
# (`@main`, `@<sha>`, `uses: ./`), `mode` is `source`: `cargo install --locked` builds
# tlslint from the action's own source into `dir` (the runner then needs a Rust
# toolchain). A checksum that does not match fails the step. `dir` is cached by
# actions/cache under `key` (the version and target, or a hash of the source), so later
# runs start at once.
#
# Environment: GITHUB_ACTION_PATH, GITHUB_ACTION_REF, RUNNER_OS (Linux, macOS, Windows),
# RUNNER_ARCH (X64, ARM64), RUNNER_TOOL_CACHE or RUNNER_TEMP, GITHUB_OUTPUT; for `install`
# also MODE, VERSION, TARGET and DIR (the outputs of `resolve`); TLSLINT_RELEASE_URL (for
# a mirror, and for action/test.sh's local fake release).
set -euo pipefail

src="${GITHUB_ACTION_PATH:?}"
release_url="${TLSLINT_RELEASE_URL:-https://github.com/tlslint/tlslint/releases/download}"

output() {
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
  fi
}

sha256() { # FILE -> hash
  local line
  if command -v sha256sum >/dev/null 2>&1; then
    line="$(sha256sum "$1")"
  else
    line="$(shasum -a 256 "$1")"
  fi
  printf '%s\n' "${line%% *}"
}

# The release target of this runner (empty when there is no release binary for it).
target_of() { # OS ARCH
  case "$1/$2" in
    Linux/X64) echo x86_64-unknown-linux-musl ;;
    Linux/ARM64) echo aarch64-unknown-linux-musl ;;
    macOS/X64) echo x86_64-apple-darwin ;;
    macOS/ARM64) echo aarch64-apple-darwin ;;
    # Windows on ARM runs the x86_64 binary (emulated).
    Windows/X64 | Windows/ARM64) echo x86_64-pc-windows-msvc ;;
    *) echo "" ;;
  esac
}

resolve() {
  local version target mode ref key dir base
  version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$src/Cargo.toml" | head -n 1)"
  [ -n "$version" ] || { echo "::error title=tlslint::no version in $src/Cargo.toml"; exit 2; }
  target="$(target_of "${RUNNER_OS:-}" "${RUNNER_ARCH:-}")"
  ref="${GITHUB_ACTION_REF:-}"
  mode=source
  if [[ "$ref" =~ ^v[0-9]+(\.[0-9]+){0,2}$ ]] && [ -n "$target" ]; then
    mode=release
  fi
  if [ "$mode" = release ]; then
    key="tlslint-release-$version-$target"
  else
    # The source decides what is built: hash it, so a moving ref gets a new cache entry.
    local files hash
    files="$(cd "$src" && find src rules build.rs Cargo.toml Cargo.lock -type f 2>/dev/null | LC_ALL=C sort)"
    hash="$(cd "$src" && while IFS= read -r f; do printf '%s  %s\n' "$(sha256 "$f")" "$f"; done <<<"$files" | {
      tmp="$(mktemp)"
      cat >"$tmp"
      sha256 "$tmp"
      rm -f "$tmp"
    })"
    key="tlslint-source-${RUNNER_OS:-os}-${RUNNER_ARCH:-arch}-${hash:0:16}"
  fi
  base="${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-${TMPDIR:-/tmp}}}"
  base="${base//\\//}"
  dir="$base/tlslint/$key"
  echo "tlslint: $mode install of $version for ${target:-this runner} (ref ${ref:-local}) into $dir"
  output version "$version"
  output target "$target"
  output mode "$mode"
  output dir "$dir"
  output key "$key"
}

# Builds tlslint from the action's source with cargo.
from_source() { # DIR
  local dir="$1"
  if ! command -v cargo >/dev/null 2>&1; then
    echo "::error title=tlslint::no release binary to download for this ref, and cargo is not installed: use a release tag (uses: tlslint/tlslint@vX.Y.Z) or add a Rust toolchain step"
    exit 2
  fi
  echo "tlslint: building from source with cargo install --locked (a few minutes; cached afterwards)"
  cargo install --locked --path "$src" --root "$dir" --force
}

# Downloads, verifies and unpacks the release archive. Returns 3 when there is no such
# release (the caller falls back to the source); exits 1 on a checksum mismatch.
from_release() { # DIR VERSION TARGET
  local dir="$1" version="$2" target="$3" ext=tar.gz exe=tlslint tmp name url want got
  case "$target" in *windows*) ext=zip exe=tlslint.exe ;; esac
  name="tlslint-v$version-$target"
  url="$release_url/v$version/$name.$ext"
  tmp="$(mktemp -d)"
  echo "tlslint: downloading $url"
  if ! curl -fsSL --retry 3 --retry-delay 2 -o "$tmp/$name.$ext" "$url"; then
    echo "::warning title=tlslint::no release binary at $url; building tlslint from source instead"
    rm -rf "$tmp"
    return 3
  fi
  if ! curl -fsSL --retry 3 --retry-delay 2 -o "$tmp/$name.$ext.sha256" "$url.sha256"; then
    echo "::error title=tlslint::the release has $name.$ext but no $name.$ext.sha256 to check it against"
    rm -rf "$tmp"
    exit 1
  fi
  want="$(tr -d '\r' <"$tmp/$name.$ext.sha256" | awk '{ print tolower($1); exit }')"
  got="$(sha256 "$tmp/$name.$ext" | tr 'A-F' 'a-f')"
  if [ -z "$want" ] || [ "$want" != "$got" ]; then
    echo "::error title=tlslint::checksum mismatch for $name.$ext: expected ${want:-nothing}, got $got; not installing it"
    rm -rf "$tmp"
    exit 1
  fi
  echo "tlslint: sha256 $got verified"
  mkdir -p "$tmp/x"
  if [ "$ext" = zip ]; then
    if command -v unzip >/dev/null 2>&1; then
      unzip -q "$tmp/$name.$ext" -d "$tmp/x"
    elif command -v 7z >/dev/null 2>&1; then
      7z x -bso0 -bsp0 -o"$tmp/x" "$tmp/$name.$ext"
    else
      python3 -m zipfile -e "$tmp/$name.$ext" "$tmp/x"
    fi
  else
    tar -xzf "$tmp/$name.$ext" -C "$tmp/x"
  fi
  [ -f "$tmp/x/$name/$exe" ] || { echo "::error title=tlslint::$name.$ext holds no $name/$exe"; rm -rf "$tmp"; exit 1; }
  mkdir -p "$dir/bin"
  cp "$tmp/x/$name/$exe" "$dir/bin/$exe"
  chmod 0755 "$dir/bin/$exe"
  rm -rf "$tmp"
}

install() {
  local mode="${MODE:?}" version="${VERSION:?}" target="${TARGET:-}" dir="${DIR:?}" bin status
  bin="$dir/bin/tlslint"
  case "${RUNNER_OS:-}" in Windows) bin="$bin.exe" ;; esac
  if [ -x "$bin" ]; then
    echo "tlslint: using the cached $bin"
  elif [ "$mode" = release ]; then
    status=0
    from_release "$dir" "$version" "$target" || status=$?
    if [ "$status" = 3 ]; then
      from_source "$dir"
    elif [ "$status" != 0 ]; then
      exit "$status"
    fi
  else
    from_source "$dir"
  fi
  [ -x "$bin" ] || { echo "::error title=tlslint::$bin was not installed"; exit 2; }
  local shown
  shown="$("$bin" --version)"
  echo "$shown"
  if [ "$mode" = release ] && [ "$shown" != "tlslint $version" ]; then
    echo "::error title=tlslint::$bin says \"$shown\", expected tlslint $version"
    exit 1
  fi
  output bin "$bin"
}

case "${1:-}" in
  resolve) resolve ;;
  install) install ;;
  *) echo "usage: $0 resolve|install" >&2; exit 2 ;;
esac
