/**
 * `npm run bench`: speed measured against a floor measured in the same run (docs/BENCHMARKS.md).
 *
 * Builds the large estate in a throw-away directory (and one a tenth of its size), then measures
 * every figure beside the plainest way to do the same work, and prints one table: scenario, median,
 * p95, floor, ratio, target. Targets are ratios (and sizes), never absolute times: this machine is
 * shared and its speed varies, but a scenario and its floor measured side by side vary together.
 * Exits 1 when a target is missed.
 *
 *   npm run bench                    the full estate (needs `npm run build` first, for `next start`)
 *   npm run bench -- --scale 0.05    5 % of every count, shorter runs: for development
 *   npm run bench -- --no-http       skip next start, autocannon and SSE (no build needed)
 *   npm run bench -- --port 3404     the port of the console under test (default 3499)
 */
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { measureEvaluation, measurePlanning } from './bench/engine';
import { buildEstate, FULL_ESTATE, newBenchDirectory, queueBackups, scaled } from './bench/estate';
import { callerFor, listScenarios, measureLists } from './bench/lists';
import { measureClaims } from './bench/queue';
import { formatTable, judge, missedOf, type Row } from './bench/report';

function log(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string', default: '1' },
      'no-http': { type: 'boolean', default: false },
      port: { type: 'string', default: '3499' },
      keep: { type: 'boolean', default: false },
    },
  });
  const scale = Number(values.scale);
  if (!(scale > 0 && scale <= 1)) throw new Error(`--scale must be in (0, 1], not ${values.scale}`);
  const isFull = scale === 1;
  const runs = isFull ? 30 : 10;
  const directory = newBenchDirectory();
  const rows: Row[] = [];
  log(`estate at scale ${scale} in ${directory}`);
  let failure: unknown = null;
  try {
    const size = scaled(FULL_ESTATE, scale);
    const large = buildEstate(directory, 'large', size, log);
    const small = buildEstate(
      directory,
      'small',
      { ...scaled(size, 0.1), queuedOperations: 0, restorePoints: Math.round(size.restorePoints / 10) },
      log,
    );
    const caller = callerFor(large.db);
    const scenarios = await listScenarios(caller, large);
    log(`${scenarios.length} list scenarios in process`);
    const lists = await measureLists(caller, large.db, scenarios, runs * 2);
    rows.push(...lists.rows);

    if (!values['no-http']) {
      // Only the SSE scenario's operations are queued while the console runs.
      await queueBackups(large, 20, log);
      const { measureHttpPart } = await import('./bench/http-part');
      rows.push(
        ...(await measureHttpPart({
          estate: large,
          directory,
          scenarios,
          statements: lists.statements,
          port: Number(values.port),
          seconds: isFull ? 5 : 2,
          log,
        })),
      );
    }

    await queueBackups(large, size.queuedOperations, log);
    log('claim + complete of the queued backups');
    rows.push(
      ...(await measureClaims(large.db, {
        operations: isFull ? 200 : 20,
        budgetMs: isFull ? 120_000 : 30_000,
      })),
    );
    log('evaluation');
    rows.push(...(await measureEvaluation(large, isFull ? 10 : 5)));
    log('previews and starts');
    await measurePlanning(large, small, runs, rows);
  } catch (error) {
    // The figures measured so far are still printed; the run fails.
    failure = error;
    console.error(error);
  } finally {
    if (!values.keep) rmSync(directory, { recursive: true, force: true });
  }

  const verdicts = rows.map(judge);
  process.stdout.write(`\n${formatTable(verdicts)}\n\n`);
  const missed = missedOf(verdicts);
  process.stdout.write(
    missed.length === 0
      ? `every target met (${verdicts.filter((v) => v.isMet).length} judged)\n`
      : `${missed.length} target(s) missed: ${missed.map((v) => v.row.scenario).join('; ')}\n`,
  );
  if (failure) process.stdout.write('the run stopped early: see the error above\n');
  return missed.length === 0 && !failure ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
