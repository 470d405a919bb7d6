/**
 * Admission on PostgreSQL — the same as ../sqlite/operation-admission.ts, at a cost that does not
 * grow with the queue — inside the claim's transaction under the admission advisory lock. Every
 * writer that wakes operations (a finish, a cancel, a worker's arrival) takes that lock too, so a
 * wake-up is never lost to an admission deciding on the picture from before it.
 */
import { and, asc, eq, inArray, ne, notInArray, or, sql } from 'drizzle-orm';
import {
  type AdmissionLimits,
  type AdmissionNames,
  decideAdmissionWithin,
  type WorkerScope,
} from '../../../server/engine/admission';
import type { OperationPlan } from '../../../server/engine/plan-types';
import {
  admissionKeys,
  admissionWakeups,
  arrayVolumes,
  hosts,
  hostVolumes,
  locks,
  operations,
  restorePoints,
  storageArrays,
  vms,
} from '../../pg/schema';
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

function refsCondition(refs: { kind: AdmissionKeyKind; refs: string[] }[]) {
  const some = refs.filter((entry) => entry.refs.length > 0);
  if (some.length === 0) return undefined;
  return or(
    ...some.map((entry) => and(eq(admissionKeys.kind, entry.kind), inArray(admissionKeys.ref, entry.refs))),
  );
}

/** See ../sqlite/operation-admission.ts releaseAdmissionIn; takes the admission advisory lock. */
export async function releaseAdmissionIn(tx: PgTx, operationId: string, wasRunning: boolean): Promise<void> {
  await advisoryXactLock(tx, ADVISORY.admission);
  const own = await tx
    .select({ kind: admissionKeys.kind, ref: admissionKeys.ref })
    .from(admissionKeys)
    .where(eq(admissionKeys.operationId, operationId));
  const lockRefs = new Set(own.filter((key) => key.kind === 'lock').map((key) => key.ref));
  if (wasRunning) {
    for (const row of await tx
      .select({ key: locks.key })
      .from(locks)
      .where(eq(locks.operationId, operationId)))
      lockRefs.add(row.key);
  }
  const refs = (kind: AdmissionKeyKind) => own.filter((key) => key.kind === kind).map((key) => key.ref);
  const released = refsCondition([
    { kind: 'lock', refs: [...lockRefs] },
    ...(wasRunning
      ? [
          { kind: 'host' as const, refs: refs('host') },
          { kind: 'array' as const, refs: refs('array') },
        ]
      : []),
  ]);
  if (released) {
    await tx
      .insert(admissionWakeups)
      .select(
        tx
          .selectDistinct({ operationId: admissionKeys.operationId, createdAt: admissionKeys.createdAt })
          .from(admissionKeys)
          .where(
            and(eq(admissionKeys.isRunning, false), ne(admissionKeys.operationId, operationId), released),
          ),
      )
      .onConflictDoNothing();
  }
  await tx.delete(admissionKeys).where(eq(admissionKeys.operationId, operationId));
  await tx.delete(admissionWakeups).where(eq(admissionWakeups.operationId, operationId));
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
  const some = async <T>(ids: string[], read: () => Promise<T[]>): Promise<T[]> =>
    ids.length === 0 ? [] : read();
  return {
    hosts: named(
      await some(hostIds, () =>
        tx.select({ id: hosts.id, name: hosts.name }).from(hosts).where(inArray(hosts.id, hostIds)),
      ),
    ),
    arrays: named(
      await some(arrayIds, () =>
        tx
          .select({ id: storageArrays.id, name: storageArrays.name })
          .from(storageArrays)
          .where(inArray(storageArrays.id, arrayIds)),
      ),
    ),
    locks: lockNamesOf({
      vms: await some(locked.vm, () =>
        tx.select({ id: vms.id, name: vms.name }).from(vms).where(inArray(vms.id, locked.vm)),
      ),
      hostVolumes: await some(locked['host-volume'], () =>
        tx
          .select({ id: hostVolumes.id, name: hostVolumes.name, hostName: hosts.name })
          .from(hostVolumes)
          .innerJoin(hosts, eq(hosts.id, hostVolumes.hostId))
          .where(inArray(hostVolumes.id, locked['host-volume'])),
      ),
      arrayVolumes: await some(locked['array-volume'], () =>
        tx
          .select({ id: arrayVolumes.id, name: arrayVolumes.name })
          .from(arrayVolumes)
          .where(inArray(arrayVolumes.id, locked['array-volume'])),
      ),
      points: await some(locked.point, () =>
        tx
          .select({ id: restorePoints.id, vmName: restorePoints.vmName, createdAt: restorePoints.createdAt })
          .from(restorePoints)
          .where(inArray(restorePoints.id, locked.point)),
      ),
    }),
    operations: new Map([...others, ...rows.map((op) => [op.id, op.title] as const)]),
  };
}

async function takeCandidates(tx: PgTx, limit: number): Promise<AdmissionRow[]> {
  const due = (
    await tx
      .select({ id: admissionWakeups.operationId })
      .from(admissionWakeups)
      .orderBy(asc(admissionWakeups.createdAt), asc(admissionWakeups.operationId))
      .limit(limit)
  ).map((row) => row.id);
  if (due.length === 0) return [];
  await tx.delete(admissionWakeups).where(inArray(admissionWakeups.operationId, due));
  const found = await tx
    .select({
      id: operations.id,
      status: operations.status,
      title: operations.title,
      createdAt: operations.createdAt,
      waitingReason: operations.waitingReason,
    })
    .from(operations)
    // By id only: with the status too, SQLite may walk the status index over the whole queue.
    .where(inArray(operations.id, due));
  const queued = found.filter((op) => op.status === 'queued' || op.status === 'waiting');
  if (queued.length === 0) return [];
  const keys = await tx
    .select({ operationId: admissionKeys.operationId, kind: admissionKeys.kind, ref: admissionKeys.ref })
    .from(admissionKeys)
    .where(
      inArray(
        admissionKeys.operationId,
        queued.map((op) => op.id),
      ),
    );
  return admissionRowsOf(queued, keys);
}

async function readPicture(tx: PgTx, rows: AdmissionRow[]) {
  const refs = refsOf(rows);
  const loaded = refsCondition([
    { kind: 'host', refs: refs.hosts },
    { kind: 'array', refs: refs.arrays },
  ]);
  const hasLocks = refs.locks.length > 0;
  return admissionPictureOf({
    held: hasLocks
      ? await tx
          .select({ key: locks.key, operationId: locks.operationId })
          .from(locks)
          .where(inArray(locks.key, refs.locks))
      : [],
    firstInLine: hasLocks
      ? await tx
          .selectDistinctOn([admissionKeys.ref], {
            ref: admissionKeys.ref,
            operationId: admissionKeys.operationId,
          })
          .from(admissionKeys)
          .where(
            and(
              eq(admissionKeys.kind, 'lock'),
              eq(admissionKeys.isRunning, false),
              inArray(admissionKeys.ref, refs.locks),
            ),
          )
          .orderBy(asc(admissionKeys.ref), asc(admissionKeys.createdAt), asc(admissionKeys.operationId))
      : [],
    loads: loaded
      ? await tx
          .select({ kind: admissionKeys.kind, ref: admissionKeys.ref, running: sql<number>`count(*)::int` })
          .from(admissionKeys)
          .where(and(eq(admissionKeys.isRunning, true), loaded))
          .groupBy(admissionKeys.kind, admissionKeys.ref)
      : [],
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
      : (
          await tx
            .select({ id: operations.id, title: operations.title })
            .from(operations)
            .where(inArray(operations.id, others))
        ).map((row) => [row.id, row.title] as const),
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
  const stillQueued = inArray(operations.status, ['queued', 'waiting']);
  for (const operationId of decision.admit) {
    // Guarded by status: a cancel that committed since the read above keeps its operation cancelled.
    const started = await tx
      .update(operations)
      .set({ status: 'running', waitingReason: null, startedAt: now })
      .where(and(eq(operations.id, operationId), stillQueued))
      .returning({ id: operations.id });
    if (started.length === 0) continue;
    const { lockKeys } = byId.get(operationId) as AdmissionRow;
    const sorted = [...lockKeys].sort();
    if (sorted.length > 0) {
      await tx.insert(locks).values(sorted.map((key) => ({ key, operationId, acquiredAt: now })));
    }
    await tx.update(admissionKeys).set({ isRunning: true }).where(eq(admissionKeys.operationId, operationId));
    events.append(tx, operationId, 'operation.started', { lockKeys }, now);
    admitted.push(operationId);
  }
  for (const waiting of decision.waiting) {
    const op = byId.get(waiting.operationId) as AdmissionRow;
    if (op.status === 'waiting' && op.waitingReason === waiting.reason) continue;
    const marked = await tx
      .update(operations)
      .set({ status: 'waiting', waitingReason: waiting.reason })
      .where(and(eq(operations.id, op.id), stillQueued))
      .returning({ id: operations.id });
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
  await tx
    .insert(admissionWakeups)
    .select(
      tx
        .selectDistinct({ operationId: admissionKeys.operationId, createdAt: admissionKeys.createdAt })
        .from(admissionKeys)
        .where(
          and(
            eq(admissionKeys.kind, 'lock'),
            inArray(admissionKeys.ref, keys),
            eq(admissionKeys.isRunning, false),
            notInArray(
              admissionKeys.operationId,
              rows.map((row) => row.id),
            ),
          ),
        ),
    )
    .onConflictDoNothing();
}
