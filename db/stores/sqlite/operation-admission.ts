/**
 * Admission on SQLite, inside the claim's transaction, at a cost that does not grow with the queue
 * (issue 13): each claim examines at most ADMISSION_BATCH operations from `admission_wakeups`,
 * oldest first, against a picture read by index for just their keys (who holds them, who is first
 * in line for them, how loaded their hosts and arrays are). An operation is put in the wake-up queue
 * when it is enqueued and whenever something it may wait for is released (releaseAdmissionIn), a
 * worker arrives (wakeAllWaitingIn) — the only events that can let a waiting operation start.
 */
import { eq, sql } from 'drizzle-orm';
import {
  type AdmissionLimits,
  type AdmissionNames,
  decideAdmissionWithin,
  type WorkerScope,
} from '../../../server/engine/admission';
import type { OperationPlan } from '../../../server/engine/plan-types';
import { admissionKeys, admissionWakeups, locks, operations } from '../../schema';
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
  keysOfOperation,
  keysOfOperations,
  locksOfOperation,
  nameStatements,
  operationTitles,
  runningLoads,
  wakeWanting,
} from './admission-statements';
import { jsonList, preparedIn, settable, slot } from './prepared';
import type { EventBatch, Tx } from './transaction';

/** Writes an enqueued operation's keys and puts it in the wake-up queue. */
export function enqueueAdmissionIn(tx: Tx, operationId: string, createdAt: Date, plan: OperationPlan): void {
  const rows = admissionKeysOfPlan(operationId, createdAt, plan);
  if (rows.length > 0) tx.insert(admissionKeys).values(rows).run();
  tx.insert(admissionWakeups).values({ operationId, createdAt }).onConflictDoNothing().run();
}

/**
 * An operation leaves the queue or finishes: the queued operations that want one of its lock keys
 * (and, when it ran, its hosts and arrays) are woken, and its keys are deleted. `wasRunning`: its
 * lock rows and its host and array slots are released; otherwise only its place in line for its
 * lock keys.
 */
export function releaseAdmissionIn(tx: Tx, operationId: string, wasRunning: boolean): void {
  const own = keysOfOperation(tx).all({ operationId });
  const lockRefs = new Set(own.filter((key) => key.kind === 'lock').map((key) => key.ref));
  // Locks taken while running (acquireLocks) are released too.
  if (wasRunning) for (const row of locksOfOperation(tx).all({ operationId })) lockRefs.add(row.key);
  const refs = (kind: AdmissionKeyKind) =>
    wasRunning ? own.filter((key) => key.kind === kind).map((key) => key.ref) : [];
  if (lockRefs.size > 0 || (wasRunning && own.some((key) => key.kind !== 'lock')))
    wakeWanting(tx).run({
      locks: jsonList([...lockRefs]),
      hosts: jsonList(refs('host')),
      arrays: jsonList(refs('array')),
      operationId,
      except: '[]',
    });
  deleteKeysOf(tx).run({ operationId });
  deleteWakeupOf(tx).run({ operationId });
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
  const some = <T>(ids: string[], read: (tx: Tx) => { all: (values: { ids: string }) => T[] }): T[] =>
    ids.length === 0 ? [] : read(tx).all({ ids: jsonList(ids) });
  return {
    hosts: named(some(hostIds, nameStatements.hosts)),
    arrays: named(some(arrayIds, nameStatements.arrays)),
    locks: lockNamesOf({
      vms: some(locked.vm, nameStatements.vms),
      hostVolumes: some(locked['host-volume'], nameStatements.hostVolumes),
      arrayVolumes: some(locked['array-volume'], nameStatements.arrayVolumes),
      points: some(locked.point, nameStatements.points),
      keptPoints: some(locked['array-snapshot'], nameStatements.keptPoints),
    }),
    operations: new Map([...others, ...rows.map((op) => [op.id, op.title] as const)]),
  };
}

/** The next operations to examine (taken out of the wake-up queue) with their keys. */
function takeCandidates(tx: Tx, limit: number): AdmissionRow[] {
  const due = dueWakeups(tx)
    .all({ limit })
    .map((row) => row.id);
  if (due.length === 0) return [];
  deleteWakeups(tx).run({ ids: jsonList(due) });
  const queued = admissionStates(tx)
    .all({ ids: jsonList(due) })
    .filter((op) => op.status === 'queued' || op.status === 'waiting');
  if (queued.length === 0) return [];
  const keys = keysOfOperations(tx).all({ ids: jsonList(queued.map((op) => op.id)) });
  return admissionRowsOf(queued, keys);
}

/** Who holds, who is first in line for, and how loaded are the candidates' keys. */
function readPicture(tx: Tx, rows: AdmissionRow[]) {
  const refs = refsOf(rows);
  const keys = jsonList(refs.locks);
  const hasLocks = refs.locks.length > 0;
  return admissionPictureOf({
    held: hasLocks ? heldLocks(tx).all({ keys }) : [],
    firstInLine: hasLocks
      ? (firstInLine(tx).all(keys) as { ref: string; operationId: string | null }[]).filter(
          (row): row is { ref: string; operationId: string } => row.operationId !== null,
        )
      : [],
    loads:
      refs.hosts.length + refs.arrays.length > 0
        ? (runningLoads(tx).all({ hosts: jsonList(refs.hosts), arrays: jsonList(refs.arrays) }) as {
            kind: AdmissionKeyKind;
            ref: string;
            running: number;
          }[])
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
      : operationTitles(tx)
          .all({ ids: jsonList(others) })
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
  wakeWanting(tx).run({
    locks: jsonList(keys),
    hosts: '[]',
    arrays: '[]',
    operationId: '',
    except: jsonList(rows.map((row) => row.id)),
  });
}
