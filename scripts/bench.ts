/**
 * `npm run bench`: speed measured against a floor measured in the same run (docs/BENCHMARKS.md).
 *
 * Builds the large estate in a throw-away directory (and one a tenth of its size), then measures
 * every figure beside the plainest way to do the same work, and prints one table: scenario, median,
 * p95, floor, ratio, target. Targets are ratios (and sizes), never absolute times: this machine is
 * shared and its speed varies, but a scenario and its floor measured side by side vary together.
 * Exits 1 when a target is missed.
 *
 *   npm run bench                    the full estate (needs `npm run build` first: the HTTP scenarios run the built console)
 *   npm run bench -- --scale 0.05    5 % of every count, shorter runs: for development
 *   npm run bench -- --no-http       skip the console's HTTP server, autocannon and SSE (no build needed)
 *   npm run bench -- --port 3404     the port of the console under test (default 3499)
 *   npm run bench -- --only evaluation,planning   only these parts (while working on one of them):
 *                                    lists, http, sse, claims, evaluation, planning, scale-out
 *   npm run bench -- --scale 0.01 --no-http --smoke   every scenario once, nothing judged (CI)
 *   DATABASE_URL=postgres://… npm run bench -- --only scale-out   SQLite beside PostgreSQL (a
 *                                    throw-away database on that server); skipped without it
 */
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { getConfig } from '../server/config';
import { measureEvaluation, measurePlanning } from './bench/engine';
import {
  buildEstate,
  type EstateSize,
  FULL_ESTATE,
  newBenchDirectory,
  queueBackups,
  scaled,
} from './bench/estate';
import { callerFor, listScenarios, measureLists } from './bench/lists';
import { measureClaims } from './bench/queue';
import { formatTable, judge, missedOf, type Row } from './bench/report';

const PARTS = ['lists', 'http', 'sse', 'claims', 'evaluation', 'planning', 'scale-out'] as const;

/** The parts `--only` names (every part without it); an unknown name is an error, not a skipped part. */
function partsOf(only: string | undefined): Set<string> {
  if (only === undefined) return new Set(PARTS);
  const parts = only.split(',').map((part) => part.trim());
  const unknown = parts.filter((part) => !(PARTS as readonly string[]).includes(part));
  if (unknown.length > 0)
    throw new Error(`--only: unknown part(s) ${unknown.join(', ')}; the parts: ${PARTS.join(', ')}`);
  return new Set(parts);
}

function log(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

/** The scale-out part, or a logged reason it does not run (no PostgreSQL server named). */
async function scaleOut(
  directory: string,
  size: EstateSize,
  options: { isFull: boolean; isSmoke: boolean; runs: number; keep: boolean },
): Promise<Row[]> {
  const database = getConfig().database;
  if (database.kind !== 'postgres') {
    log(
      'scale-out: skipped: DATABASE_URL is not set (postgres://… of a server the bench may create a database on)',
    );
    return [];
  }
  log('scale-out: SQLite beside PostgreSQL');
  const { measureScaleOut } = await import('./bench/scale-out');
  return measureScaleOut(directory, size, {
    databaseUrl: database.url,
    seconds: options.isFull ? 30 : options.isSmoke ? 2 : 8,
    runs: options.runs * 2,
    workerCounts: [1, 2, 4],
    keep: options.keep,
    log,
  });
}

/** The parts measured on the large estate (and the small one, the floor of the previews). */
async function measureOnLargeEstate(
  options: {
    directory: string;
    size: EstateSize;
    only: Set<string>;
    runs: number;
    isFull: boolean;
    isSmoke: boolean;
    http: boolean;
    port: number;
  },
  rows: Row[],
): Promise<void> {
  const { directory, size, only, runs, isFull, isSmoke } = options;
  const large = buildEstate(directory, 'large', size, log);
  const small = buildEstate(
    directory,
    'small',
    { ...scaled(size, 0.1), queuedOperations: 0, restorePoints: Math.round(size.restorePoints / 10) },
    log,
  );
  const caller = callerFor(large.db);
  const scenarios = await listScenarios(caller, large);
  // The HTTP lists' floor server runs the statements the in-process lists captured.
  const lists =
    only.has('lists') || only.has('http')
      ? await measureLists(caller, large.db, scenarios, only.has('lists') ? runs * 2 : 1)
      : null;
  if (lists && only.has('lists')) {
    log(`${scenarios.length} list scenarios in process`);
    rows.push(...lists.rows);
  }

  if (options.http && (only.has('http') || only.has('sse'))) {
    // Only the SSE scenario's operations are queued while the console runs.
    await queueBackups(large, 20, log);
    const { measureHttpPart } = await import('./bench/http-part');
    rows.push(
      ...(await measureHttpPart({
        estate: large,
        directory,
        scenarios,
        statements: lists?.statements ?? new Map(),
        parts: { lists: only.has('http'), sse: only.has('sse') },
        port: options.port,
        seconds: isFull ? 5 : 2,
        log,
      })),
    );
  }

  if (only.has('claims')) {
    await queueBackups(large, size.queuedOperations, log);
    log('claim + complete of the queued backups');
    rows.push(
      ...(await measureClaims(large.db, {
        operations: isFull ? 200 : isSmoke ? 3 : 20,
        budgetMs: isFull ? 120_000 : isSmoke ? 10_000 : 30_000,
      })),
    );
  }
  if (only.has('evaluation')) {
    log('evaluation');
    rows.push(...(await measureEvaluation(large, isFull ? 10 : isSmoke ? 1 : 5)));
  }
  if (only.has('planning')) {
    log('previews and starts');
    await measurePlanning(large, small, runs, rows);
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string', default: '1' },
      'no-http': { type: 'boolean', default: false },
      port: { type: 'string', default: '3499' },
      keep: { type: 'boolean', default: false },
      only: { type: 'string' },
      // Every scenario once on a tiny estate, nothing judged: what CI runs (scripts/bench/smoke.test.ts).
      smoke: { type: 'boolean', default: false },
    },
  });
  const only = partsOf(values.only);
  const scale = Number(values.scale);
  if (!(scale > 0 && scale <= 1)) throw new Error(`--scale must be in (0, 1], not ${values.scale}`);
  const isFull = scale === 1;
  const isSmoke = values.smoke;
  const runs = isFull ? 30 : isSmoke ? 1 : 10;
  const directory = newBenchDirectory();
  const rows: Row[] = [];
  log(`estate at scale ${scale} in ${directory}`);
  let failure: unknown = null;
  try {
    const size = scaled(FULL_ESTATE, scale);
    // The large and small estates serve every part but scale-out, which seeds its own.
    if ([...only].some((part) => part !== 'scale-out'))
      await measureOnLargeEstate(
        {
          directory,
          size,
          only,
          runs,
          isFull,
          isSmoke,
          http: !values['no-http'],
          port: Number(values.port),
        },
        rows,
      );
    if (only.has('scale-out'))
      rows.push(...(await scaleOut(directory, size, { isFull, isSmoke, runs, keep: values.keep })));
  } catch (error) {
    // The figures measured so far are still printed; the run fails.
    failure = error;
    console.error(error);
  } finally {
    if (!values.keep) rmSync(directory, { recursive: true, force: true });
  }

  // A smoke run's figures come from a tiny estate measured once: they are printed, never judged.
  const verdicts = rows.map((row) => (isSmoke ? { ...judge(row), isMet: undefined } : judge(row)));
  process.stdout.write(`\n${formatTable(verdicts)}\n\n`);
  const missed = missedOf(verdicts);
  process.stdout.write(
    isSmoke
      ? `smoke run: ${verdicts.length} scenarios measured once on a tiny estate, none judged\n`
      : missed.length === 0
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
