#!/usr/bin/env bash
# The whole test suite: lint + format check, type-check, unit/integration tests, production build, e2e.
# Each stage writes a JSON report under reports/; the last line is "N passed, N failed" over all of them.
# The e2e stage provisions its browser first (scripts/ensure-chromium.sh: Debian's chromium through apt
# when it is missing and this user may install it, else one line saying what to install).
set -uo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1
mkdir -p reports
rm -f reports/*.json reports/stages.txt

stage() { # name, command...
  local name="$1"; shift
  echo "=== $name"
  if "$@"; then echo "$name ok" >> reports/stages.txt; else echo "$name FAILED" >> reports/stages.txt; fi
}

stage lint npx biome ci .
stage typecheck npx tsc --noEmit -p .
stage unit npx vitest run --reporter=default --reporter=json --outputFile.json=reports/vitest.json
stage build npx next build

e2e() {
  local browser
  browser=$(bash scripts/ensure-chromium.sh) || return 1
  CHROMIUM_PATH="$browser" npx playwright test
}

if grep -q '^build ok' reports/stages.txt; then
  stage e2e e2e
else
  echo "e2e FAILED (skipped: build failed)" >> reports/stages.txt
fi

node scripts/summarize-tests.mjs
