/**
 * Admission on PostgreSQL — the same as ../sqlite/operation-admission.ts, at a cost that does not
 * grow with the queue — inside the claim's transaction under the admission advisory lock. Every
 * writer that wakes operations (a finish, a cancel, a worker's arrival) takes that lock too, so a
 * wake-up is never lost to an admission deciding on the picture from before it.
 */
import { eq } from 'drizzle-orm';
import {
  type AdmissionLimits,
  type AdmissionNames,
  decideAdmissionWithin,
  type WorkerScope,
} from '../../../server/engine/admission';
import type { OperationPlan } from '../../../server/engine/plan-types';
import { admissionKeys, admissionWakeups, operations } from '../../pg/schema';
import type { AdmissionKeyKind } from '../../schema-admission';
import {
  ADMISSION_BATCH,
  type AdmissionRow,
  admissionCandidateOf,
  admissionKeysOfPlan,
  admissionPictureOf,
  admissionRowsOf,
  lockedIdsOf,
  lockNamesOf,
  othersNamedBy,
  refsOf,
} from '../admission-rows';
import {
  admissionStates,
  deleteKeysOf,
  deleteWakeupOf,
  deleteWakeups,
  dueWakeups,
  firstInLine,
  heldLocks,
  insertLocks,
  keysOfOperation,
  keysOfOperations,
  locksOfOperation,
  markKeysRunning,
  markStarted,
  markWaiting,
  nameStatements,
  operationTitles,
  runningLoads,
  wakeBehind,
  wakeReleased,
} from './admission-statements';
import { ADVISORY, advisoryXactLock, type PgEventBatch, type PgTx } from './transaction';

/** Writes an enqueued operation's keys and puts it in the wake-up queue. */
export async function enqueueAdmissionIn(
  tx: PgTx,
  operationId: string,
  createdAt: Date,
  plan: OperationPlan,
): Promise<void> {
  const rows = admissionKeysOfPlan(operationId, createdAt, plan);
  if (rows.length > 0) await tx.insert(admissionKeys).values(rows);
  await tx.insert(admissionWakeups).values({ operationId, createdAt }).onConflictDoNothing();
}

/** The (kind, ref) pairs of `refs` as the parallel lists keyPairIn reads. */
function keyPairsOf(refs: { kind: AdmissionKeyKind; refs: string[] }[]): { kinds: string[]; refs: string[] } {
  const pairs = refs.flatMap((entry) => entry.refs.map((ref) => [entry.kind, ref] as const));
  return { kinds: pairs.map(([kind]) => kind), refs: pairs.map(([, ref]) => ref) };
}

/** See ../sqlite/operation-admission.ts releaseAdmissionIn; takes the admission advisory lock. */
export async function releaseAdmissionIn(tx: PgTx, operationId: string, wasRunning: boolean): Promise<void> {
  await advisoryXactLock(tx, ADVISORY.admission);
  const own = await keysOfOperation(tx).execute({ operationId });
  const lockRefs = new Set(own.filter((key) => key.kind === 'lock').map((key) => key.ref));
  if (wasRunning) {
    for (const row of await locksOfOperation(tx).execute({ operationId })) lockRefs.add(row.key);
  }
  const refs = (kind: AdmissionKeyKind) => own.filter((key) => key.kind === kind).map((key) => key.ref);
  const released = keyPairsOf([
    { kind: 'lock', refs: [...lockRefs] },
    ...(wasRunning
      ? [
          { kind: 'host' as const, refs: refs('host') },
          { kind: 'array' as const, refs: refs('array') },
        ]
      : []),
  ]);
  if (released.refs.length > 0) await wakeReleased(tx).execute({ operationId, ...released });
  await deleteKeysOf(tx).execute({ operationId });
  await deleteWakeupOf(tx).execute({ operationId });
}

/** A worker arrived: every waiting operation is examined again (it may be the one that serves it). */
export async function wakeAllWaitingIn(tx: PgTx): Promise<void> {
  await advisoryXactLock(tx, ADVISORY.admission);
  await tx
    .insert(admissionWakeups)
    .select(
      tx
        .select({ operationId: operations.id, createdAt: operations.createdAt })
        .from(operations)
        .where(eq(operations.status, 'waiting')),
    )
    .onConflictDoNothing();
}

async function admissionNames(
  tx: PgTx,
  rows: AdmissionRow[],
  others: Map<string, string>,
): Promise<AdmissionNames> {
  const { hosts: hostIds, arrays: arrayIds } = refsOf(rows);
  const locked = lockedIdsOf(rows);
  const named = (found: { id: string; name: string }[]) => new Map(found.map((row) => [row.id, row.name]));
  const some = async <T>(ids: string[], read: { execute(values: { ids: string[] }): Promise<T[]> }) =>
    ids.length === 0 ? [] : read.execute({ ids });
  return {
    hosts: named(await some(hostIds, nameStatements.hosts(tx))),
    arrays: named(await some(arrayIds, nameStatements.arrays(tx))),
    locks: lockNamesOf({
      vms: await some(locked.vm, nameStatements.vms(tx)),
      hostVolumes: await some(locked['host-volume'], nameStatements.hostVolumes(tx)),
      arrayVolumes: await some(locked['array-volume'], nameStatements.arrayVolumes(tx)),
      points: await some(locked.point, nameStatements.points(tx)),
      keptPoints: await some(locked['array-snapshot'], nameStatements.keptPoints(tx)),
    }),
    operations: new Map([...others, ...rows.map((op) => [op.id, op.title] as const)]),
  };
}

async function takeCandidates(tx: PgTx, limit: number): Promise<AdmissionRow[]> {
  const due = (await dueWakeups(tx).execute({ limit })).map((row) => row.id);
  if (due.length === 0) return [];
  await deleteWakeups(tx).execute({ ids: due });
  const found = await admissionStates(tx).execute({ ids: due });
  const queued = found.filter((op) => op.status === 'queued' || op.status === 'waiting');
  if (queued.length === 0) return [];
  const keys = await keysOfOperations(tx).execute({ ids: queued.map((op) => op.id) });
  return admissionRowsOf(queued, keys);
}

async function readPicture(tx: PgTx, rows: AdmissionRow[]) {
  const refs = refsOf(rows);
  const loaded = keyPairsOf([
    { kind: 'host', refs: refs.hosts },
    { kind: 'array', refs: refs.arrays },
  ]);
  const hasLocks = refs.locks.length > 0;
  return admissionPictureOf({
    held: hasLocks ? await heldLocks(tx).execute({ keys: refs.locks }) : [],
    firstInLine: hasLocks ? await firstInLine(tx).execute({ keys: refs.locks }) : [],
    loads: loaded.refs.length > 0 ? await runningLoads(tx).execute(loaded) : [],
  });
}

/**
 * Starts the woken operations the engine admits (locks free, first in line for them, host/array
 * limits respected across every worker) and records why the others wait. The caller holds the
 * admission advisory lock, so two admissions never decide on the same picture.
 */
export async function admitQueued(
  tx: PgTx,
  events: PgEventBatch,
  now: Date,
  limits: AdmissionLimits,
  readWorkers: () => Promise<readonly WorkerScope[]>,
): Promise<string[]> {
  const admitted: string[] = [];
  // Read once, and only when something was woken: most claims find the wake-up queue empty, and
  // the worker registry is one round trip they need not pay.
  let workers: readonly WorkerScope[] | undefined;
  // A start wakes the operations behind it: they are examined in the same claim, within its budget.
  for (let budget = ADMISSION_BATCH; budget > 0; ) {
    const rows = await takeCandidates(tx, budget);
    if (rows.length === 0) break;
    budget -= rows.length;
    workers ??= await readWorkers();
    const started = await admitRound(tx, events, now, limits, workers, rows);
    admitted.push(...started);
    if (started.length === 0) break;
  }
  return admitted;
}

async function admitRound(
  tx: PgTx,
  events: PgEventBatch,
  now: Date,
  limits: AdmissionLimits,
  workers: readonly WorkerScope[],
  rows: AdmissionRow[],
): Promise<string[]> {
  const picture = await readPicture(tx, rows);
  const others = othersNamedBy(picture, rows);
  const titles = new Map(
    others.length === 0
      ? []
      : (await operationTitles(tx).execute({ ids: others })).map((row) => [row.id, row.title] as const),
  );
  const decision = decideAdmissionWithin(
    rows.map(admissionCandidateOf),
    picture,
    limits,
    workers,
    await admissionNames(tx, rows, titles),
  );
  const byId = new Map(rows.map((op) => [op.id, op]));
  const admitted: string[] = [];
  for (const operationId of decision.admit) {
    // Guarded by status: a cancel that committed since the read above keeps its operation cancelled.
    const started = await markStarted(tx).execute({ operationId, now });
    if (started.length === 0) continue;
    const { lockKeys } = byId.get(operationId) as AdmissionRow;
    const sorted = [...lockKeys].sort();
    if (sorted.length > 0)
      await insertLocks(tx).execute({ operationId, keys: sorted, now: now.toISOString() });
    await markKeysRunning(tx).execute({ operationId });
    events.append(tx, operationId, 'operation.started', { lockKeys }, now);
    admitted.push(operationId);
  }
  for (const waiting of decision.waiting) {
    const op = byId.get(waiting.operationId) as AdmissionRow;
    if (op.status === 'waiting' && op.waitingReason === waiting.reason) continue;
    const marked = await markWaiting(tx).execute({ operationId: op.id, reason: waiting.reason });
    if (marked.length === 0) continue;
    events.append(tx, op.id, 'operation.waiting', { reason: waiting.reason, reasons: waiting.reasons }, now);
  }
  await wakeBehindIn(tx, rows, admitted);
  return admitted;
}

/** See ../sqlite/operation-admission.ts wakeBehindIn. */
async function wakeBehindIn(tx: PgTx, rows: AdmissionRow[], admitted: string[]): Promise<void> {
  const started = new Set(admitted);
  const keys = [...new Set(rows.filter((row) => started.has(row.id)).flatMap((row) => row.lockKeys))];
  if (keys.length === 0) return;
  await wakeBehind(tx).execute({ keys, ids: rows.map((row) => row.id) });
}
