#!/usr/bin/env bash
# The scan step of the tlslint GitHub Action (action.yml). Kept in a file so that
# action/test.sh can run it locally against a temporary repository.
#
# Inputs arrive only through the environment (never interpolated into the script):
#   TLSLINT             the tlslint binary (default: tlslint on PATH)
#   INPUT_PATH          files and folders to scan, separated by newlines (default: .)
#   INPUT_FAIL_ON       error | warning | note | never (default: tlslint's, any finding)
#   INPUT_BASELINE      a baseline file (optional)
#   INPUT_DIFF_BASE     a git revision (tlslint reports the lines changed since its merge
#                       base with HEAD); "auto" means the pull request's base commit on
#                       pull_request(_target) events and a full scan otherwise; empty: full scan
#   INPUT_SARIF_FILE    where to write the SARIF report (default: tlslint.sarif in
#                       RUNNER_TEMP, outside the checkout)
#   INPUT_ARGS          more tlslint arguments, split on whitespace (no quoting, no globbing)
#   GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP
#
# It writes the annotations to stdout, the Markdown summary to $GITHUB_STEP_SUMMARY, and
# the outputs findings, sarif-file and exit-code to $GITHUB_OUTPUT. It exits 0 when the
# scan ran (whatever it found) so the SARIF upload can follow; action/finish.sh fails the
# job per exit-code. A usage or configuration error (tlslint exit 2) fails at once.
set -euo pipefail

tlslint="${TLSLINT:-tlslint}"
tmp="${RUNNER_TEMP:-${TMPDIR:-/tmp}}"
# The SARIF report goes outside the checkout unless asked otherwise: a pull request could
# commit a symbolic link at a path inside it (tlslint also refuses to write through one).
sarif="${INPUT_SARIF_FILE:-$tmp/tlslint.sarif}"
json_report="$(mktemp "$tmp/tlslint-json.XXXXXX")"
summary="$(mktemp "$tmp/tlslint-summary.XXXXXX")"
trap 'rm -f "$json_report" "$summary"' EXIT

# Workflow-command data: %, CR and LF escaped, so a value cannot end the command or
# start another one.
escape_data() {
  local s="${1//%/%25}"
  s="${s//$'\r'/%0D}"
  s="${s//$'\n'/%0A}"
  printf '%s' "$s"
}

output() {
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
  fi
}

# The pull request's base commit, from the event payload.
pr_base_sha() {
  local event="${GITHUB_EVENT_PATH:-}"
  [ -n "$event" ] && [ -f "$event" ] || return 0
  if command -v jq >/dev/null 2>&1; then
    jq -r '.pull_request.base.sha // empty' "$event"
  elif command -v python3 >/dev/null 2>&1; then
    python3 -c 'import json,sys; print(((json.load(open(sys.argv[1])).get("pull_request") or {}).get("base") or {}).get("sha") or "")' "$event"
  else
    echo "::warning title=tlslint::neither jq nor python3 is available to read the pull request's base commit; scanning every line" >&2
  fi
}

args=(scan --format github --report "sarif:$sarif" --report "json:$json_report" --report "markdown:$summary")

if [ -n "${INPUT_FAIL_ON:-}" ]; then
  args+=(--fail-on "$INPUT_FAIL_ON")
fi
if [ -n "${INPUT_BASELINE:-}" ]; then
  args+=(--baseline "$INPUT_BASELINE")
fi

base="${INPUT_DIFF_BASE:-}"
if [ "$base" = "auto" ]; then
  base=""
  case "${GITHUB_EVENT_NAME:-}" in
    pull_request | pull_request_target) base="$(pr_base_sha)" ;;
  esac
fi
if [ -n "$base" ]; then
  # A revision: a commit id, a branch or tag name, `HEAD~1`, `origin/main`. Nothing that
  # git could read as an option (`--upload-pack=...`), no spaces or control characters.
  case "$base" in
    -* | *[!A-Za-z0-9._/@{}^~+-]* | *..*)
      echo "::error title=tlslint::diff-base is not a git revision: $(escape_data "$base")"
      output exit-code 2
      exit 2
      ;;
  esac
  if ! git cat-file -e "${base}^{commit}" 2>/dev/null; then
    # A shallow checkout (actions/checkout's default) lacks the base commit: fetch it.
    # `--` ends git's options: the revision is never read as one.
    git fetch --no-tags --quiet --depth=1 -- origin "$base" >/dev/null 2>&1 || true
  fi
  if git cat-file -e "${base}^{commit}" 2>/dev/null; then
    # tlslint compares with the merge base of the base and HEAD (what the pull request
    # changed, not what the base branch changed since): fetch history until it is known.
    head="$(git rev-parse HEAD)"
    for depth in 2 10 50 200 1000; do
      git merge-base "$base" "$head" >/dev/null 2>&1 && break
      [ "$(git rev-parse --is-shallow-repository 2>/dev/null)" = true ] || break
      git fetch --no-tags --quiet --depth="$depth" -- origin "$head" "$base" >/dev/null 2>&1 || true
    done
    if ! git merge-base "$base" "$head" >/dev/null 2>&1 \
      && [ "$(git rev-parse --is-shallow-repository 2>/dev/null)" = true ]; then
      git fetch --no-tags --quiet --unshallow -- origin >/dev/null 2>&1 || true
    fi
    if git merge-base "$base" "$head" >/dev/null 2>&1; then
      args+=(--diff-base "$base")
      echo "tlslint: reporting the lines changed since the merge base of $base and HEAD ($(git merge-base "$base" "$head"))"
    else
      echo "::warning title=tlslint::no merge base of $(escape_data "$base") and HEAD; reporting the lines changed since it itself"
      args+=(--diff-base "$base" --diff-exact)
    fi
  else
    echo "::warning title=tlslint::cannot fetch the base commit $(escape_data "$base"); scanning every line"
  fi
fi

if [ -n "${INPUT_ARGS:-}" ]; then
  read -r -a extra <<<"$INPUT_ARGS"
  args+=("${extra[@]}")
fi

paths=()
while IFS= read -r p; do
  [ -n "$p" ] && paths+=("$p")
done <<<"${INPUT_PATH:-.}"
[ "${#paths[@]}" -gt 0 ] || paths=(.)

# `--` ends the options: a path input cannot smuggle one in.
status=0
"$tlslint" "${args[@]}" -- "${paths[@]}" || status=$?

if [ "$status" -ge 2 ]; then
  echo "::error title=tlslint::tlslint failed with exit status $status (see the log above)"
  output exit-code "$status"
  exit "$status"
fi

findings=0
if command -v jq >/dev/null 2>&1; then
  findings="$(jq '.findings | length' "$json_report")"
elif command -v python3 >/dev/null 2>&1; then
  findings="$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$json_report")"
else
  findings="$(grep -c '"rule_id":' "$json_report" || true)"
fi
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  cat "$summary" >>"$GITHUB_STEP_SUMMARY"
fi
output findings "${findings:-0}"
output sarif-file "$sarif"
output exit-code "$status"
echo "tlslint: ${findings:-0} findings; SARIF in $sarif"
