// Prints the final "N passed, N failed" line from the vitest and Playwright JSON reports plus the
// non-test stages (lint, typecheck, build), and exits non-zero when anything failed.
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;

const stages = existsSync('reports/stages.txt')
  ? readFileSync('reports/stages.txt', 'utf8').trim().split('\n')
  : [];
for (const line of stages) {
  const [name, verdict] = line.split(' ');
  if (name === 'unit' || name === 'e2e') continue; // counted from their reports below
  if (verdict === 'ok') passed += 1;
  else failed += 1;
}

function stageFailed(name) {
  return stages.some((line) => line.startsWith(`${name} FAILED`));
}

if (existsSync('reports/vitest.json')) {
  const report = JSON.parse(readFileSync('reports/vitest.json', 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  // A suite that failed to load has no failed tests but must still fail the run.
  if ((report.numFailedTestSuites ?? 0) > 0 && (report.numFailedTests ?? 0) === 0)
    failed += report.numFailedTestSuites;
} else if (stageFailed('unit')) failed += 1;

if (existsSync('reports/playwright.json')) {
  const report = JSON.parse(readFileSync('reports/playwright.json', 'utf8'));
  const stats = report.stats ?? {};
  passed += (stats.expected ?? 0) + (stats.flaky ?? 0);
  failed += stats.unexpected ?? 0;
  if ((report.errors ?? []).length > 0 && (stats.unexpected ?? 0) === 0) failed += report.errors.length;
  // Stopped early (maxFailures, globalTimeout) or failed outside any test: never a pass.
  else if (stageFailed('e2e') && (stats.unexpected ?? 0) === 0) failed += 1;
} else if (stageFailed('e2e')) failed += 1;

console.log(stages.join('\n'));
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
