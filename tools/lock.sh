#!/usr/bin/env bash
# Refresh requirements.lock: resolve pyproject's dependencies (with the test extra) afresh in a
# throwaway environment and pin every package. Run the tests after, and commit the lock.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="$(mktemp -d)/venv"
trap 'rm -rf "$(dirname "$venv")"' EXIT
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check '.[test]'
{
  echo "# Every dependency pinned; README's commands and .ci/run install with -c requirements.lock."
  echo "# Made by tools/lock.sh (run it to refresh, then the tests)."
  "$venv/bin/pip" freeze --exclude linkdesk
} > requirements.lock
echo "wrote requirements.lock"
