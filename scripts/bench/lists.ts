/**
 * Every list procedure through the real router, in process, beside its floor: the very SQL
 * statements the procedure ran (captured once while it runs), prepared once and run
 * straight on better-sqlite3. The ratio is what validation, the service, the store's query building
 * and row mapping cost on top of SQLite.
 */
import type { Db } from '../../db/client';
import { sqliteOf } from '../../db/client';
import { type RecordedStatement, recordStatements } from '../../db/statement-recording';
import { contextFor, type Principal } from '../../server/trpc/init';
import { createCaller } from '../../server/trpc/root';
import type { BenchEstate } from './estate';
import type { Row } from './report';
import { measurePair, summarize } from './stats';

export type Caller = ReturnType<typeof createCaller>;

/** A list call by its procedure path, so the same scenario can be sent over HTTP. */
export interface ListScenario {
  name: string;
  path: string;
  input: Record<string, unknown>;
  /** Over HTTP too (the rest in process only, to keep the run short). */
  isHttp?: boolean;
}

/** A statement a call ran: its text and parameters. */
export type CapturedStatement = RecordedStatement;

/** A signed-in admin as the router sees one (the session lookup is outside what is measured). */
export const BENCH_PRINCIPAL: Principal = {
  user: { id: 'bench', name: 'Bench', email: 'bench@migawka.test' },
  role: 'admin',
  session: null,
};

export function callerFor(db: Db): Caller {
  return createCaller(contextFor(db, {}, BENCH_PRINCIPAL));
}

export function call(caller: Caller, path: string, input: unknown): Promise<unknown> {
  const [router, procedure] = path.split('.');
  const fn = (caller as unknown as Record<string, Record<string, (input: unknown) => Promise<unknown>>>)[
    router
  ]?.[procedure];
  if (!fn) throw new Error(`No procedure ${path}`);
  return fn(input);
}

interface Paged {
  items: { id: string }[];
  nextCursor: string | null;
}

/** The cursor `pages` pages of 100 into the list (the last page's when it is shorter). */
async function cursorAfter(caller: Caller, path: string, input: Record<string, unknown>, pages: number) {
  let cursor: string | undefined;
  for (let page = 0; page < pages; page++) {
    const result = (await call(caller, path, { ...input, limit: 100, cursor })) as Paged;
    if (!result.nextCursor) break;
    cursor = result.nextCursor;
  }
  return cursor;
}

export async function listScenarios(caller: Caller, estate: BenchEstate): Promise<ListScenario[]> {
  const first = (await call(caller, 'vms.list', { limit: 50 })) as Paged & { items: { hostId: string }[] };
  const someVm = first.items[0];
  const deepPages = Math.floor(estate.size.vms / 200);
  const deepCursor = await cursorAfter(caller, 'vms.list', {}, deepPages);
  const pointCursor = await cursorAfter(caller, 'restorePoints.list', {}, 50);
  const vms = (input: Record<string, unknown>) => ({ limit: 50, ...input });
  return [
    { name: 'vms.list first page', path: 'vms.list', input: vms({}), isHttp: true },
    { name: 'vms.list page 2', path: 'vms.list', input: vms({ cursor: first.nextCursor }) },
    {
      name: `vms.list deep cursor (VM ${deepPages * 100})`,
      path: 'vms.list',
      input: vms({ cursor: deepCursor }),
      isHttp: true,
    },
    { name: 'vms.list sort host', path: 'vms.list', input: vms({ sort: 'host' }), isHttp: true },
    { name: 'vms.list sort readiness', path: 'vms.list', input: vms({ sort: 'readiness' }) },
    {
      name: 'vms.list sort findings desc',
      path: 'vms.list',
      input: vms({ sort: 'findings', direction: 'desc' }),
    },
    { name: 'vms.list sort powerState', path: 'vms.list', input: vms({ sort: 'powerState' }) },
    { name: 'vms.list sort name desc', path: 'vms.list', input: vms({ direction: 'desc' }) },
    {
      name: 'vms.list readiness=blocked',
      path: 'vms.list',
      input: vms({ readiness: 'blocked' }),
      isHttp: true,
    },
    { name: 'vms.list ruleId filter', path: 'vms.list', input: vms({ ruleId: 'HV-PASSTHROUGH-DISK' }) },
    { name: 'vms.list severity=blocker', path: 'vms.list', input: vms({ severity: 'blocker' }) },
    { name: 'vms.list by host', path: 'vms.list', input: vms({ hostId: someVm.hostId }) },
    {
      name: 'vms.list by shared volume',
      path: 'vms.list',
      input: vms({ hostVolumeId: estate.sharedVolumeId }),
    },
    {
      name: 'vms.list linux+running',
      path: 'vms.list',
      input: vms({ osFamily: 'linux', powerState: 'running' }),
    },
    { name: 'vms.list text search', path: 'vms.list', input: vms({ search: '1234' }), isHttp: true },
    { name: 'vms.count (once per filter)', path: 'vms.count', input: {} },
    { name: 'hosts.list first page', path: 'hosts.list', input: { limit: 50 }, isHttp: true },
    { name: 'hosts.list sort vmCount', path: 'hosts.list', input: { limit: 50, sort: 'vmCount' } },
    { name: 'volumes.list first page', path: 'volumes.list', input: { limit: 50 } },
    { name: 'volumes.list sort freeBytes', path: 'volumes.list', input: { limit: 50, sort: 'freeBytes' } },
    { name: 'arrays.list first page', path: 'arrays.list', input: { limit: 50 } },
    { name: 'restorePoints.list first page', path: 'restorePoints.list', input: { limit: 50 }, isHttp: true },
    {
      name: 'restorePoints.list deep cursor',
      path: 'restorePoints.list',
      input: { limit: 50, cursor: pointCursor },
    },
    { name: 'restorePoints.list oldest', path: 'restorePoints.list', input: { limit: 50, sort: 'oldest' } },
    { name: 'restorePoints.list by VM', path: 'restorePoints.list', input: { limit: 50, vmId: someVm.id } },
    { name: 'protection.vms first page', path: 'protection.vms', input: { limit: 25 } },
    { name: 'operations.list first page', path: 'operations.list', input: { limit: 50 } },
  ];
}

/** The statements one call of the procedure runs, in order, with their parameters. */
export async function captureStatements(db: Db, scenario: ListScenario): Promise<CapturedStatement[]> {
  const recording = recordStatements(sqliteOf(db));
  try {
    await call(callerFor(db), scenario.path, scenario.input);
  } finally {
    recording.stop();
  }
  return recording.recorded;
}

/** The floor of a scenario: its statements, prepared once, run straight on better-sqlite3. */
export function floorOf(db: Db, statements: readonly CapturedStatement[]): () => unknown[] {
  const sqlite = sqliteOf(db);
  const prepared = statements.map((statement) => ({
    statement: sqlite.prepare(statement.sql),
    params: statement.params,
  }));
  return () => prepared.map(({ statement, params }) => statement.all(...(params as unknown[])));
}

export async function measureLists(
  caller: Caller,
  db: Db,
  scenarios: readonly ListScenario[],
  runs: number,
): Promise<{ rows: Row[]; statements: Map<string, CapturedStatement[]> }> {
  const rows: Row[] = [];
  const statements = new Map<string, CapturedStatement[]>();
  for (const scenario of scenarios) {
    const captured = await captureStatements(db, scenario);
    statements.set(scenario.name, captured);
    const floor = floorOf(db, captured);
    const samples = await measurePair(() => call(caller, scenario.path, scenario.input), floor, runs);
    rows.push({
      scenario: `${scenario.name}, router in process`,
      unit: 'ms',
      value: summarize(samples.scenario),
      floor: summarize(samples.floor),
      note: `${captured.length} statement${captured.length === 1 ? '' : 's'}`,
    });
  }
  return { rows, statements };
}
