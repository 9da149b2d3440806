#!/usr/bin/env bash
# The build step of the tlslint GitHub Action: builds tlslint from the action's own source
# (GITHUB_ACTION_PATH) with cargo, into CARGO_TARGET_DIR (cached by action.yml), and
# writes the binary's path to the `bin` output.
set -euo pipefail
src="${GITHUB_ACTION_PATH:?}"
if ! command -v cargo >/dev/null 2>&1; then
  echo "::error title=tlslint::cargo is not installed; add a Rust toolchain step (e.g. dtolnay/rust-toolchain) before tlslint"
  exit 2
fi
cargo build --release --locked --quiet --manifest-path "$src/Cargo.toml"
bin="${CARGO_TARGET_DIR:?}/release/tlslint"
[ -x "$bin.exe" ] && bin="$bin.exe"
"$bin" --version
printf 'bin=%s\n' "$bin" >>"${GITHUB_OUTPUT:?}"
