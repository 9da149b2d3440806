#!/usr/bin/env bash
# The last step of the tlslint GitHub Action: fail the job per fail-on, after the SARIF
# upload. EXIT_CODE is the scan step's exit-code output (tlslint's exit status).
set -euo pipefail
code="${EXIT_CODE:-}"
case "$code" in
  0) exit 0 ;;
  1) echo "tlslint: findings at or above fail-on; failing the job" ; exit 1 ;;
  '') echo "::error title=tlslint::the scan step did not report an exit code" ; exit 2 ;;
  *) exit "$code" ;;
esac
