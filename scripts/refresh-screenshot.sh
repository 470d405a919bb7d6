#!/usr/bin/env bash
# Refreshes the README's dashboard screenshot (public/screenshots/dashboard.png): builds the console,
# runs the dashboard spec against a fresh demo lab (it leaves reports/screenshots/dashboard.png) and
# copies that picture over the tracked one. Run it on purpose (`npm run screenshot`); tests never
# write tracked files.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1

browser=$(bash scripts/ensure-chromium.sh)
rm -f reports/screenshots/dashboard.png
npx next build
CHROMIUM_PATH="$browser" npx playwright test e2e/dashboard-screenshot.spec.ts
mkdir -p public/screenshots
cp reports/screenshots/dashboard.png public/screenshots/dashboard.png
echo "public/screenshots/dashboard.png refreshed; review it and commit it"
