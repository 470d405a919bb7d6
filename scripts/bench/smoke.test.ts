/**
 * The bench's smoke run in the test suite (issue 13: "CI runs a small-estate smoke of the bench"):
 * `scripts/bench.ts --smoke` on a 1 % estate, every in-process part once (lists, claims,
 * evaluation, previews and starts) and, where PostgreSQL runs, the scale-out part beside SQLite.
 * Nothing is timed or judged here: the run must complete, exit 0 and print a row for every
 * scenario family, so a bench broken by a change is found by CI, not by the next person measuring.
 * The HTTP and SSE parts need a built console and run in `npm run bench` only.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { postgresForTests } from '../../db/pg/test-database';
import { getConfig } from '../../server/config';

const ROOT = path.resolve(import.meta.dirname, '../..');

function runBench(
  env: Record<string, string | undefined>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'scripts/bench.ts', '--scale', '0.01', '--no-http', '--smoke'],
      { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The first cell of every table row but the header and its rule. */
function scenariosOf(table: string): string[] {
  return table
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| scenario') && !line.startsWith('|:'))
    .map((line) => line.split('|')[1]?.trim() ?? '');
}

const postgres = await postgresForTests();

describe('npm run bench, smoke run on a 1 % estate', () => {
  it('measures every in-process scenario family (and SQLite beside PostgreSQL where it runs) and exits 0', async () => {
    const databaseUrl = postgres.available ? getConfig().testPostgresUrl : undefined;
    const { code, stdout, stderr } = await runBench({
      DATABASE_URL: databaseUrl,
      MIGAWKA_DB_PATH: undefined,
    });
    expect(code, `the bench failed:\n${stderr.slice(-4000)}\n${stdout}`).toBe(0);
    expect(stdout).toMatch(/smoke run: \d+ scenarios measured once on a tiny estate, none judged/);
    const scenarios = scenariosOf(stdout);
    const families = [
      'vms.list first page, router in process',
      'claim + complete per step',
      'restorePoints.list first page, router in process',
      'evaluation, whole estate',
      'evaluation after one host changes',
      'backup preview, one VM',
      'backup review + start, 100-VM shared volume',
      'restore preview',
      ...(databaseUrl
        ? [
            'claims, 1 worker, PostgreSQL',
            'claims, 4 workers, SQLite',
            'vms.list first page, router in process, PostgreSQL',
          ]
        : []),
    ];
    for (const family of families) {
      expect(
        scenarios.some((scenario) => scenario.startsWith(family)),
        `a row for "${family}" in:\n${scenarios.join('\n')}`,
      ).toBe(true);
    }
    // Nothing judged: no verdict column filled in a smoke run.
    expect(stdout).not.toMatch(/\|\s+(met|MISSED)\s+\|/);
  }, 600_000);
});
