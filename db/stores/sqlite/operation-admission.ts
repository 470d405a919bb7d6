/**
 * Admission on SQLite, inside the claim's transaction, at a cost that does not grow with the queue
 * (issue 13): each claim examines at most ADMISSION_BATCH operations from `admission_wakeups`,
 * oldest first, against a picture read by index for just their keys (who holds them, who is first
 * in line for them, how loaded their hosts and arrays are). An operation is put in the wake-up queue
 * when it is enqueued and whenever something it may wait for is released (releaseAdmissionIn), a
 * worker arrives (wakeAllWaitingIn) — the only events that can let a waiting operation start.
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
} from '../../schema';
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
import { preparedIn, settable, slot } from './prepared';
import type { EventBatch, Tx } from './transaction';

/** Writes an enqueued operation's keys and puts it in the wake-up queue. */
export function enqueueAdmissionIn(tx: Tx, operationId: string, createdAt: Date, plan: OperationPlan): void {
  const rows = admissionKeysOfPlan(operationId, createdAt, plan);
  if (rows.length > 0) tx.insert(admissionKeys).values(rows).run();
  tx.insert(admissionWakeups).values({ operationId, createdAt }).onConflictDoNothing().run();
}

/** A kind's refs as one condition on admission_keys (false when there are none). */
function refsCondition(refs: { kind: AdmissionKeyKind; refs: string[] }[]) {
  const some = refs.filter((entry) => entry.refs.length > 0);
  if (some.length === 0) return undefined;
  return or(
    ...some.map((entry) => and(eq(admissionKeys.kind, entry.kind), inArray(admissionKeys.ref, entry.refs))),
  );
}

/**
 * An operation leaves the queue or finishes: the queued operations that want one of its lock keys
 * (and, when it ran, its hosts and arrays) are woken, and its keys are deleted. `wasRunning`: its
 * lock rows and its host and array slots are released; otherwise only its place in line for its
 * lock keys.
 */
export function releaseAdmissionIn(tx: Tx, operationId: string, wasRunning: boolean): void {
  const own = tx
    .select({ kind: admissionKeys.kind, ref: admissionKeys.ref })
    .from(admissionKeys)
    .where(eq(admissionKeys.operationId, operationId))
    .all();
  const lockRefs = new Set(own.filter((key) => key.kind === 'lock').map((key) => key.ref));
  if (wasRunning) {
    // Locks taken while running (acquireLocks) are released too.
    for (const row of tx
      .select({ key: locks.key })
      .from(locks)
      .where(eq(locks.operationId, operationId))
      .all())
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
    tx.insert(admissionWakeups)
      .select(
        tx
          .selectDistinct({ operationId: admissionKeys.operationId, createdAt: admissionKeys.createdAt })
          .from(admissionKeys)
          .where(
            and(eq(admissionKeys.isRunning, false), ne(admissionKeys.operationId, operationId), released),
          ),
      )
      .onConflictDoNothing()
      .run();
  }
  tx.delete(admissionKeys).where(eq(admissionKeys.operationId, operationId)).run();
  tx.delete(admissionWakeups).where(eq(admissionWakeups.operationId, operationId)).run();
}

/** A worker arrived: every waiting operation is examined again (it may be the one that serves it). */
export function wakeAllWaitingIn(tx: Tx): void {
  tx.insert(admissionWakeups)
    .select(
      tx
        .select({ operationId: operations.id, createdAt: operations.createdAt })
        .from(operations)
        .where(eq(operations.status, 'waiting')),
    )
    .onConflictDoNothing()
    .run();
}

/** The names the reasons of these operations may mention (only those, looked up by id). */
function admissionNames(tx: Tx, rows: AdmissionRow[], others: Map<string, string>): AdmissionNames {
  const { hosts: hostIds, arrays: arrayIds } = refsOf(rows);
  const locked = lockedIdsOf(rows);
  const named = (found: { id: string; name: string }[]) => new Map(found.map((row) => [row.id, row.name]));
  const some = <T>(ids: string[], read: () => T[]): T[] => (ids.length === 0 ? [] : read());
  return {
    hosts: named(
      some(hostIds, () =>
        tx.select({ id: hosts.id, name: hosts.name }).from(hosts).where(inArray(hosts.id, hostIds)).all(),
      ),
    ),
    arrays: named(
      some(arrayIds, () =>
        tx
          .select({ id: storageArrays.id, name: storageArrays.name })
          .from(storageArrays)
          .where(inArray(storageArrays.id, arrayIds))
          .all(),
      ),
    ),
    locks: lockNamesOf({
      vms: some(locked.vm, () =>
        tx.select({ id: vms.id, name: vms.name }).from(vms).where(inArray(vms.id, locked.vm)).all(),
      ),
      hostVolumes: some(locked['host-volume'], () =>
        tx
          .select({ id: hostVolumes.id, name: hostVolumes.name, hostName: hosts.name })
          .from(hostVolumes)
          .innerJoin(hosts, eq(hosts.id, hostVolumes.hostId))
          .where(inArray(hostVolumes.id, locked['host-volume']))
          .all(),
      ),
      arrayVolumes: some(locked['array-volume'], () =>
        tx
          .select({ id: arrayVolumes.id, name: arrayVolumes.name })
          .from(arrayVolumes)
          .where(inArray(arrayVolumes.id, locked['array-volume']))
          .all(),
      ),
      points: some(locked.point, () =>
        tx
          .select({ id: restorePoints.id, vmName: restorePoints.vmName, createdAt: restorePoints.createdAt })
          .from(restorePoints)
          .where(inArray(restorePoints.id, locked.point))
          .all(),
      ),
    }),
    operations: new Map([...others, ...rows.map((op) => [op.id, op.title] as const)]),
  };
}

/** The next operations to examine (taken out of the wake-up queue) with their keys. */
function takeCandidates(tx: Tx, limit: number): AdmissionRow[] {
  const due = preparedIn(tx, 'dueWakeups', () =>
    tx
      .select({ id: admissionWakeups.operationId })
      .from(admissionWakeups)
      .orderBy(asc(admissionWakeups.createdAt), asc(admissionWakeups.operationId))
      .limit(sql.placeholder('limit'))
      .prepare(),
  )
    .all({ limit })
    .map((row) => row.id);
  if (due.length === 0) return [];
  tx.delete(admissionWakeups).where(inArray(admissionWakeups.operationId, due)).run();
  const queued = tx
    .select({
      id: operations.id,
      status: operations.status,
      title: operations.title,
      createdAt: operations.createdAt,
      waitingReason: operations.waitingReason,
    })
    .from(operations)
    // By id only: with the status too, SQLite may walk the status index over the whole queue.
    .where(inArray(operations.id, due))
    .all()
    .filter((op) => op.status === 'queued' || op.status === 'waiting');
  if (queued.length === 0) return [];
  const keys = tx
    .select({ operationId: admissionKeys.operationId, kind: admissionKeys.kind, ref: admissionKeys.ref })
    .from(admissionKeys)
    .where(
      inArray(
        admissionKeys.operationId,
        queued.map((op) => op.id),
      ),
    )
    .all();
  return admissionRowsOf(queued, keys);
}

/** Who holds, who is first in line for, and how loaded are the candidates' keys. */
function readPicture(tx: Tx, rows: AdmissionRow[]) {
  const refs = refsOf(rows);
  const some = <T>(ids: string[], read: () => T[]): T[] => (ids.length === 0 ? [] : read());
  // Per key, the first of its queue order by the (kind, ref, is_running, created_at, operation_id)
  // index: one look-up each, however many operations wait for the key (a shared volume's lock is
  // wanted by every backup of its VMs; a window over them read them all on every round).
  const firstInLine = sql`select ref, "operationId" from (
      select wanted.value as ref, (
        select k.operation_id from admission_keys k
        where k.kind = 'lock' and k.ref = wanted.value and k.is_running = 0
        order by k.created_at, k.operation_id limit 1
      ) as "operationId"
      from json_each(${JSON.stringify(refs.locks)}) wanted
    ) where "operationId" is not null`;
  const loaded = refsCondition([
    { kind: 'host', refs: refs.hosts },
    { kind: 'array', refs: refs.arrays },
  ]);
  return admissionPictureOf({
    held: some(refs.locks, () =>
      tx
        .select({ key: locks.key, operationId: locks.operationId })
        .from(locks)
        .where(inArray(locks.key, refs.locks))
        .all(),
    ),
    firstInLine: some(refs.locks, () => tx.all<{ ref: string; operationId: string }>(firstInLine)),
    loads: loaded
      ? tx
          .select({ kind: admissionKeys.kind, ref: admissionKeys.ref, running: sql<number>`count(*)` })
          .from(admissionKeys)
          .where(and(eq(admissionKeys.isRunning, true), loaded))
          .groupBy(admissionKeys.kind, admissionKeys.ref)
          .all()
      : [],
  });
}

/**
 * Starts the woken operations the engine admits (locks free, first in line for them, host/array
 * limits respected) and records why the others wait. Runs inside the claim transaction.
 */
export function admitQueued(
  tx: Tx,
  events: EventBatch,
  now: Date,
  limits: AdmissionLimits,
  workers: readonly WorkerScope[] = [],
): string[] {
  const admitted: string[] = [];
  // A start wakes the operations behind it: they are examined in the same claim, within its budget.
  for (let budget = ADMISSION_BATCH; budget > 0; ) {
    const rows = takeCandidates(tx, budget);
    if (rows.length === 0) break;
    budget -= rows.length;
    const started = admitRound(tx, events, now, limits, workers, rows);
    admitted.push(...started);
    if (started.length === 0) break;
  }
  return admitted;
}

function admitRound(
  tx: Tx,
  events: EventBatch,
  now: Date,
  limits: AdmissionLimits,
  workers: readonly WorkerScope[],
  rows: AdmissionRow[],
): string[] {
  const picture = readPicture(tx, rows);
  const others = othersNamedBy(picture, rows);
  const titles = new Map(
    others.length === 0
      ? []
      : tx
          .select({ id: operations.id, title: operations.title })
          .from(operations)
          .where(inArray(operations.id, others))
          .all()
          .map((row) => [row.id, row.title] as const),
  );
  const decision = decideAdmissionWithin(
    rows.map(admissionCandidateOf),
    picture,
    limits,
    workers,
    admissionNames(tx, rows, titles),
  );
  const byId = new Map(rows.map((op) => [op.id, op]));
  for (const operationId of decision.admit) {
    const { lockKeys } = byId.get(operationId) as AdmissionRow;
    for (const key of lockKeys) insertLock(tx).run({ key, operationId, acquiredAt: now });
    markKeysRunning(tx).run({ operationId });
    markStarted(tx).run({ operationId, now });
    events.append(tx, operationId, 'operation.started', { lockKeys }, now);
  }
  for (const waiting of decision.waiting) {
    const op = byId.get(waiting.operationId) as AdmissionRow;
    if (op.status === 'waiting' && op.waitingReason === waiting.reason) continue;
    markWaiting(tx).run({ operationId: op.id, reason: waiting.reason });
    events.append(tx, op.id, 'operation.waiting', { reason: waiting.reason, reasons: waiting.reasons }, now);
  }
  wakeBehindIn(tx, rows, decision.admit);
  return decision.admit;
}

/** A lock row of an admitted operation. */
function insertLock(tx: Tx) {
  return preparedIn(tx, 'insertLock', () =>
    tx
      .insert(locks)
      .values({
        key: sql.placeholder('key'),
        operationId: sql.placeholder('operationId'),
        acquiredAt: sql.placeholder('acquiredAt'),
      })
      .prepare(),
  );
}

/** An admitted operation's hosts and arrays count as loaded, its lock keys as held. */
function markKeysRunning(tx: Tx) {
  return preparedIn(tx, 'markKeysRunning', () =>
    tx
      .update(admissionKeys)
      .set({ isRunning: true })
      .where(eq(admissionKeys.operationId, slot('operationId', admissionKeys.operationId)))
      .prepare(),
  );
}

function markStarted(tx: Tx) {
  return preparedIn(tx, 'markStarted', () =>
    tx
      .update(operations)
      .set({ status: 'running', waitingReason: null, startedAt: settable('now') })
      .where(eq(operations.id, slot('operationId', operations.id)))
      .prepare(),
  );
}

function markWaiting(tx: Tx) {
  return preparedIn(tx, 'markWaiting', () =>
    tx
      .update(operations)
      .set({ status: 'waiting', waitingReason: settable('reason') })
      .where(eq(operations.id, slot('operationId', operations.id)))
      .prepare(),
  );
}

/**
 * The operations outside this batch that wait in line behind a just-admitted one for a lock key
 * now say "behind older queued X" where X holds the key: they are examined again, to say so.
 */
function wakeBehindIn(tx: Tx, rows: AdmissionRow[], admitted: string[]): void {
  const started = new Set(admitted);
  const keys = [...new Set(rows.filter((row) => started.has(row.id)).flatMap((row) => row.lockKeys))];
  if (keys.length === 0) return;
  tx.insert(admissionWakeups)
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
    .onConflictDoNothing()
    .run();
}
