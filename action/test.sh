#!/usr/bin/env bash
# Runs the GitHub Action's shell steps (action/scan.sh, action/finish.sh) locally, as the
# runner would, against temporary git repositories, and checks the annotations, the
# outputs, the step summary and the exit status.
#
#   action/test.sh                      # builds tlslint with cargo if TLSLINT is unset
#   TLSLINT=target/release/tlslint action/test.sh
#   SARIF_VALIDATE=../shared/tools/sarif-validate action/test.sh   # also validate the SARIF
#
# Scenarios: a pull_request event on a shallow clone whose base branch moved on (the base
# commit and the history down to the merge base are fetched, only the pull request's lines
# are annotated); a push event (everything is reported); a clean folder that must pass;
# fail-on that lets warnings through; a bad input that must fail with status 2; and the
# install step (action/install.sh) against a fake release served from a folder over HTTP
# on loopback and file://: download and SHA-256 check, the cache, the Windows zip, a
# tampered checksum, a missing release and a branch ref (both `cargo install --locked`,
# with a stand-in cargo), and the runner-to-target map.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
if [ -z "${TLSLINT:-}" ]; then
  cargo build --quiet --manifest-path "$here/../Cargo.toml"
  TLSLINT="$here/../target/debug/tlslint"
fi
TLSLINT="$(cd "$(dirname "$TLSLINT")" && pwd)/$(basename "$TLSLINT")"
export TLSLINT

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
expect_contains() { # FILE TEXT WHAT
  grep -qF -- "$2" "$1" || fail "$3: expected to find [$2] in $1:"$'\n'"$(cat "$1")"
}
expect_absent() { # FILE TEXT WHAT
  if grep -qF -- "$2" "$1"; then fail "$3: did not expect [$2] in $1"; fi
}
expect_eq() { # GOT WANT WHAT
  [ "$1" = "$2" ] || fail "$3: got [$1], want [$2]"
}
output_of() { # NAME -> value in $GITHUB_OUTPUT
  sed -n "s/^$1=//p" "$GITHUB_OUTPUT" | tail -n 1
}

g() { git -c user.name=t -c user.email=t@example.com -c commit.gpgsign=false -c init.defaultBranch=main "$@"; }

# --- an "origin" repository with a base and a head commit --------------------------
origin="$work/origin"
mkdir -p "$origin/deploy" "$origin/clean"
g -C "$origin" init -q
g -C "$origin" config uploadpack.allowAnySHA1InWant true
printf '@echo off\r\nset GIT_SSL_NO_VERIFY=1\r\necho base\r\n' >"$origin/deploy/old.cmd"
printf 'Write-Host "hello"\n' >"$origin/deploy/setup.ps1"
printf 'Write-Host "nothing to see: ServerCertificateValidationCallback is documented elsewhere"\n' >"$origin/clean/readme.ps1"
g -C "$origin" add -A
g -C "$origin" commit -q -m base
fork_sha="$(g -C "$origin" rev-parse HEAD)"
g -C "$origin" checkout -q -b feature
cat >"$origin/deploy/setup.ps1" <<'EOF'
Write-Host "hello"
[Net.ServicePointManager]::ServerCertificateValidationCallback = { $true }
[Net.ServicePointManager]::SecurityProtocol = [Net.SecurityProtocolType]::Tls11
EOF
printf '@echo off\r\nset GIT_SSL_NO_VERIFY=1\r\necho head\r\n' >"$origin/deploy/old.cmd"
g -C "$origin" add -A
g -C "$origin" commit -q -m head
# Meanwhile main moves on: it fixes old.cmd's line 2, which the pull request never
# touched. The pull request's base is main's tip; what it changed is measured from the
# merge base (fork_sha), so old.cmd:2 must not be blamed on it.
g -C "$origin" checkout -q main
printf '@echo off\r\nset GIT_SSL_CAINFO=C:\\ca.pem\r\necho base\r\n' >"$origin/deploy/old.cmd"
g -C "$origin" commit -q -am "main moves on"
base_sha="$(g -C "$origin" rev-parse HEAD)"

# The runner's checkout of the pull request's head: shallow, so the base commit and the
# history down to the merge base have to be fetched.
repo="$work/checkout"
g clone -q --depth=1 --branch feature "file://$origin" "$repo"
if g -C "$repo" cat-file -e "$base_sha^{commit}" 2>/dev/null; then
  fail "setup: the shallow clone already has the base commit"
fi

new_env() { # fresh runner files for one step
  export RUNNER_TEMP="$work/runner-temp-$1"
  mkdir -p "$RUNNER_TEMP"
  export GITHUB_OUTPUT="$RUNNER_TEMP/output"
  export GITHUB_STEP_SUMMARY="$RUNNER_TEMP/summary.md"
  export GITHUB_EVENT_PATH="$RUNNER_TEMP/event.json"
  : >"$GITHUB_OUTPUT"
  : >"$GITHUB_STEP_SUMMARY"
  unset INPUT_PATH INPUT_FAIL_ON INPUT_BASELINE INPUT_ARGS INPUT_SARIF_FILE
  export INPUT_DIFF_BASE=auto
}

run_scan() { # -> $scan_status, stdout in $RUNNER_TEMP/stdout
  scan_status=0
  (cd "$repo" && "$here/scan.sh") >"$RUNNER_TEMP/stdout" 2>"$RUNNER_TEMP/stderr" || scan_status=$?
}

run_finish() { # -> $finish_status
  finish_status=0
  EXIT_CODE="$(output_of exit-code)" "$here/finish.sh" >/dev/null 2>&1 || finish_status=$?
}

# --- 1. pull_request: only the added lines are annotated ----------------------------
new_env pr
export GITHUB_EVENT_NAME=pull_request
printf '{"action":"opened","number":7,"pull_request":{"number":7,"base":{"ref":"main","sha":"%s"},"head":{"ref":"feature","sha":"%s"}}}\n' \
  "$base_sha" "$(g -C "$repo" rev-parse HEAD)" >"$GITHUB_EVENT_PATH"
export INPUT_SARIF_FILE="$RUNNER_TEMP/pr.sarif"
run_scan
out="$RUNNER_TEMP/stdout"
expect_eq "$scan_status" 0 "pr: scan step status"
expect_contains "$out" "reporting the lines changed since the merge base of $base_sha and HEAD ($fork_sha)" "pr: diff base"
expect_contains "$out" "::error file=deploy/setup.ps1,line=2,col=" "pr: annotation for the added callback"
expect_contains "$out" "title=tlslint certificate-validator-accepts-any::[cert-validation]" "pr: annotation title"
expect_contains "$out" "::warning file=deploy/setup.ps1,line=3,col=" "pr: annotation for the added TLS 1.1"
expect_absent "$out" "file=deploy/old.cmd" "pr: the unchanged finding of a changed file"
expect_eq "$(grep -c '^::' "$out")" 2 "pr: annotation count"
expect_eq "$(output_of findings)" 2 "pr: findings output"
expect_eq "$(output_of sarif-file)" "$INPUT_SARIF_FILE" "pr: sarif-file output"
expect_eq "$(output_of exit-code)" 1 "pr: exit-code output"
expect_contains "$GITHUB_STEP_SUMMARY" "## tlslint" "pr: summary heading"
expect_contains "$GITHUB_STEP_SUMMARY" "**2 findings** in 1 file" "pr: summary totals"
expect_contains "$GITHUB_STEP_SUMMARY" "| \`deploy/setup.ps1:2\` | product | \`certificate-validator-accepts-any\` | error |" "pr: summary row"
[ -s "$INPUT_SARIF_FILE" ] || fail "pr: no SARIF written"
expect_contains "$INPUT_SARIF_FILE" '"uri": "deploy/setup.ps1"' "pr: SARIF path relative to the checkout"
if [ -n "${SARIF_VALIDATE:-}" ]; then
  "$SARIF_VALIDATE" "$INPUT_SARIF_FILE" || fail "pr: the SARIF does not validate"
fi
run_finish
expect_eq "$finish_status" 1 "pr: the job fails"

# --- 2. push: no diff base, everything is reported -----------------------------------
new_env push
export GITHUB_EVENT_NAME=push
printf '{"ref":"refs/heads/main"}\n' >"$GITHUB_EVENT_PATH"
run_scan
out="$RUNNER_TEMP/stdout"
expect_eq "$scan_status" 0 "push: scan step status"
expect_contains "$out" "file=deploy/old.cmd,line=2," "push: the old finding is reported"
expect_eq "$(output_of findings)" 3 "push: findings output"
expect_eq "$(output_of sarif-file)" "$RUNNER_TEMP/tlslint.sarif" "push: default sarif-file (outside the checkout)"
[ -s "$RUNNER_TEMP/tlslint.sarif" ] || fail "push: no SARIF at the default place"
[ ! -e "$repo/tlslint.sarif" ] || fail "push: a SARIF file was written into the checkout"
run_finish
expect_eq "$finish_status" 1 "push: the job fails"

# --- 3. a clean folder passes ---------------------------------------------------------
new_env clean
export INPUT_PATH=clean INPUT_SARIF_FILE="$RUNNER_TEMP/clean.sarif"
run_scan
expect_eq "$scan_status" 0 "clean: scan step status"
expect_eq "$(grep -c '^::' "$RUNNER_TEMP/stdout" || true)" 0 "clean: no annotation"
expect_eq "$(output_of findings)" 0 "clean: findings output"
expect_contains "$GITHUB_STEP_SUMMARY" "No settings that weaken TLS found" "clean: summary"
run_finish
expect_eq "$finish_status" 0 "clean: the job passes"

# --- 4. fail-on error lets the warning-only change through; args reach tlslint --------
new_env failon
export GITHUB_EVENT_NAME=pull_request INPUT_FAIL_ON=error INPUT_ARGS="--select legacy-protocol"
printf '{"pull_request":{"base":{"sha":"%s"}}}\n' "$base_sha" >"$GITHUB_EVENT_PATH"
export INPUT_SARIF_FILE="$RUNNER_TEMP/failon.sarif"
run_scan
expect_eq "$(output_of findings)" 1 "fail-on: findings output (legacy-protocol only)"
expect_contains "$RUNNER_TEMP/stdout" "::warning file=deploy/setup.ps1,line=3," "fail-on: the warning is annotated"
expect_eq "$(output_of exit-code)" 0 "fail-on: exit-code output"
run_finish
expect_eq "$finish_status" 0 "fail-on: the job passes"

# --- 5. a bad input fails the step with status 2 -------------------------------------
new_env bad
export GITHUB_EVENT_NAME=push INPUT_FAIL_ON=sometimes
run_scan
expect_eq "$scan_status" 2 "bad input: scan step status"
expect_contains "$RUNNER_TEMP/stdout" "::error title=tlslint::tlslint failed with exit status 2" "bad input: error annotation"

# --- 6. a path input cannot inject options ---------------------------------------------
new_env inject
export GITHUB_EVENT_NAME=push INPUT_PATH="--output=/tmp/owned"
run_scan
expect_eq "$scan_status" 2 "injection: scan step status"
[ ! -e /tmp/owned ] || fail "injection: --output was honoured"

# --- 7. installing the binary: the release download, checksum, cache and fallback -------
# A fake release of this version, packed by the release script from the test binary,
# served from a folder over HTTP on loopback (and over file://).
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$here/../Cargo.toml" | head -n 1)"
releases="$work/releases"
mkdir -p "$releases/v$version"
# The packed "binary" is a small stand-in that answers --version like tlslint (packing the
# 90 MB debug build twice would cost seconds); the real binary writes the completions.
fake_bin="$work/fake-tlslint"
printf '#!/bin/sh\necho "tlslint %s"\n' "$version" >"$fake_bin"
chmod +x "$fake_bin"
for t in x86_64-unknown-linux-musl x86_64-pc-windows-msvc; do
  TLSLINT_HOST="$TLSLINT" "$here/../.github/release/package.sh" "$fake_bin" "$t" "$version" "$releases/v$version" >/dev/null
done
port_file="$work/http-port"
python3 - "$releases" "$port_file" >"$work/http.log" 2>&1 <<'PY' &
import functools, http.server, sys
root, port_file = sys.argv[1], sys.argv[2]
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=root)
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
with open(port_file, "w") as f:
    f.write(str(server.server_port))
server.serve_forever()
PY
http_pid=$!
trap 'kill "$http_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do [ -s "$port_file" ] && break; sleep 0.1; done
http_url="http://127.0.0.1:$(cat "$port_file")"

# A stand-in for cargo that records its arguments and "builds" the binary.
stub="$work/stub-bin"
mkdir -p "$stub"
cat >"$stub/cargo" <<STUB
#!/usr/bin/env bash
printf '%s\n' "\$*" >>"$work/cargo-calls"
root=""
while [ \$# -gt 0 ]; do [ "\$1" = --root ] && root="\$2"; shift; done
mkdir -p "\$root/bin" && cp "$TLSLINT" "\$root/bin/tlslint"
STUB
chmod +x "$stub/cargo"

run_install() { # NAME REF OS ARCH URL -> $install_status; outputs in $RUNNER_TEMP/output
  new_env "install-$1"
  install_status=0
  local runner=(env GITHUB_ACTION_PATH="$here/.." GITHUB_ACTION_REF="$2" RUNNER_OS="$3" RUNNER_ARCH="$4"
    TLSLINT_RELEASE_URL="$5" RUNNER_TOOL_CACHE="$work/toolcache-$1" PATH="$stub:$PATH")
  {
    "${runner[@]}" "$here/install.sh" resolve &&
      "${runner[@]}" MODE="$(output_of mode)" VERSION="$(output_of version)" TARGET="$(output_of target)" \
        DIR="$(output_of dir)" "$here/install.sh" install
  } >"$RUNNER_TEMP/stdout" 2>"$RUNNER_TEMP/stderr" || install_status=$?
}

# 7a. A version tag downloads the release binary over HTTP and checks its SHA-256.
: >"$work/cargo-calls"
run_install tag v0 Linux X64 "$http_url"
expect_eq "$install_status" 0 "install tag: status"
expect_eq "$(output_of mode)" release "install tag: mode"
expect_eq "$(output_of target)" x86_64-unknown-linux-musl "install tag: target"
expect_eq "$(output_of key)" "tlslint-release-$version-x86_64-unknown-linux-musl" "install tag: cache key"
expect_contains "$RUNNER_TEMP/stdout" "downloading $http_url/v$version/tlslint-v$version-x86_64-unknown-linux-musl.tar.gz" "install tag: the URL"
expect_contains "$RUNNER_TEMP/stdout" "verified" "install tag: checksum"
expect_contains "$work/http.log" "GET /v$version/tlslint-v$version-x86_64-unknown-linux-musl.tar.gz.sha256" "install tag: the checksum was fetched"
bin="$(output_of bin)"
expect_eq "$bin" "$(output_of dir)/bin/tlslint" "install tag: bin output"
expect_eq "$("$bin" --version)" "tlslint $version" "install tag: the installed binary runs"
[ -s "$work/cargo-calls" ] && fail "install tag: cargo was called"

# 7b. The cached binary is used without a download (the server is not asked).
cached_dir="$work/toolcache-tag"
new_env install-cached
install_status=0
env GITHUB_ACTION_PATH="$here/.." RUNNER_OS=Linux RUNNER_ARCH=X64 \
  TLSLINT_RELEASE_URL="http://127.0.0.1:9/nothing-here" PATH="$stub:$PATH" \
  MODE=release VERSION="$version" TARGET=x86_64-unknown-linux-musl \
  DIR="$cached_dir/tlslint/tlslint-release-$version-x86_64-unknown-linux-musl" \
  "$here/install.sh" install >"$RUNNER_TEMP/stdout" 2>&1 || install_status=$?
expect_eq "$install_status" 0 "install cached: status"
expect_contains "$RUNNER_TEMP/stdout" "using the cached" "install cached: no download"

# 7c. A file:// release of the Windows archive (zip, tlslint.exe), as a Windows runner sees it.
run_install windows "v$version" Windows X64 "file://$releases"
expect_eq "$install_status" 0 "install windows: status"
expect_eq "$(output_of target)" x86_64-pc-windows-msvc "install windows: target"
expect_eq "$(output_of bin)" "$(output_of dir)/bin/tlslint.exe" "install windows: bin"
expect_contains "$RUNNER_TEMP/stdout" "tlslint-v$version-x86_64-pc-windows-msvc.zip" "install windows: the zip"

# 7d. A checksum that does not match fails the step, and nothing is installed.
tampered="$work/tampered"
cp -R "$releases" "$tampered"
printf '0000000000000000000000000000000000000000000000000000000000000000  tlslint-v%s-x86_64-unknown-linux-musl.tar.gz\n' "$version" \
  >"$tampered/v$version/tlslint-v$version-x86_64-unknown-linux-musl.tar.gz.sha256"
run_install tampered v0 Linux X64 "file://$tampered"
expect_eq "$install_status" 1 "install tampered: status"
expect_contains "$RUNNER_TEMP/stdout" "::error title=tlslint::checksum mismatch" "install tampered: error"
[ -e "$work/toolcache-tampered/tlslint/tlslint-release-$version-x86_64-unknown-linux-musl/bin/tlslint" ] \
  && fail "install tampered: a binary was installed"

# 7e. A tag without a release (404): cargo install --locked from the action's source.
: >"$work/cargo-calls"
run_install norelease v0 Linux X64 "$http_url/missing"
expect_eq "$install_status" 0 "install no release: status"
expect_contains "$RUNNER_TEMP/stdout" "::warning title=tlslint::no release binary at $http_url/missing/" "install no release: warning"
expect_contains "$work/cargo-calls" "install --locked --path $here/.. --root $work/toolcache-norelease/tlslint/tlslint-release-$version-x86_64-unknown-linux-musl" "install no release: cargo install"

# 7f. A branch ref builds from source at once, keyed on a hash of the source.
: >"$work/cargo-calls"
run_install branch main Linux X64 "http://127.0.0.1:9/never-asked"
expect_eq "$install_status" 0 "install branch: status"
expect_eq "$(output_of mode)" source "install branch: mode"
case "$(output_of key)" in
  tlslint-source-Linux-X64-????????????????) ;;
  *) fail "install branch: cache key $(output_of key)" ;;
esac
expect_contains "$work/cargo-calls" "install --locked --path" "install branch: cargo install"
expect_absent "$RUNNER_TEMP/stdout" "downloading" "install branch: no download"

# 7g. Every runner the release workflow builds for maps to one of its targets.
for pair in Linux/X64:x86_64-unknown-linux-musl Linux/ARM64:aarch64-unknown-linux-musl \
  macOS/X64:x86_64-apple-darwin macOS/ARM64:aarch64-apple-darwin Windows/X64:x86_64-pc-windows-msvc; do
  os="${pair%%/*}" rest="${pair#*/}"
  new_env "resolve-$os-${rest%%:*}"
  (GITHUB_ACTION_PATH="$here/.." GITHUB_ACTION_REF="v$version" RUNNER_OS="$os" RUNNER_ARCH="${rest%%:*}" \
    "$here/install.sh" resolve) >/dev/null
  expect_eq "$(output_of target)" "${rest#*:}" "resolve $pair"
  expect_eq "$(output_of mode)" release "resolve $pair: mode"
done

# --- 9. D15: diff-base cannot reach git fetch as an option ------------------------------
new_env upload-pack
export GITHUB_EVENT_NAME=push INPUT_SARIF_FILE="$RUNNER_TEMP/x.sarif"
export INPUT_DIFF_BASE="--upload-pack=touch $work/uploadpack-ran; git-upload-pack"
run_scan
expect_eq "$scan_status" 2 "diff-base option: scan step status"
[ ! -e "$work/uploadpack-ran" ] || fail "diff-base option: git fetch ran --upload-pack"
expect_contains "$RUNNER_TEMP/stdout" "::error title=tlslint::diff-base is not a git revision" "diff-base option: error annotation"
new_env newline-base
export GITHUB_EVENT_NAME=push INPUT_SARIF_FILE="$RUNNER_TEMP/x.sarif"
export INPUT_DIFF_BASE=$'main\n::error file=fake.sh,line=1::injected'
run_scan
expect_eq "$scan_status" 2 "diff-base newline: scan step status"
[ "$(grep -c '^::error file=fake.sh' "$RUNNER_TEMP/stdout" || true)" = 0 ] || fail "diff-base newline: injected workflow command"

# --- 10. D6: a committed symlink at the SARIF path does not redirect the report -----------
new_env symlink
export GITHUB_EVENT_NAME=push
mkdir -p "$work/victim"
echo precious >"$work/victim/file"
ln -s "$work/victim/file" "$repo/tlslint.sarif"
run_scan
expect_eq "$(cat "$work/victim/file")" precious "symlink: default sarif-file"
export INPUT_SARIF_FILE=tlslint.sarif
run_scan
expect_eq "$scan_status" 2 "symlink: explicit sarif-file through a symlink is refused"
expect_eq "$(cat "$work/victim/file")" precious "symlink: explicit sarif-file"
expect_contains "$RUNNER_TEMP/stderr" "is a symbolic link; not written" "symlink: reason"
rm -f "$repo/tlslint.sarif"

if [ "$failures" -gt 0 ]; then
  echo "action/test.sh: $failures failures" >&2
  exit 1
fi
echo "action/test.sh: all scenarios passed"
