/**
 * Admission's statements on PostgreSQL, named prepared statements of each connection (./prepared.ts).
 * Every list of ids or keys is one text[] parameter, and a list of (kind, ref) pairs two parallel
 * ones read with unnest, so a statement's text does not change with the number of operations a
 * round examines: with Drizzle's inArray each length was another statement to build, parse and
 * plan (the same cost ../sqlite/admission-statements.ts removed on SQLite, issue 13).
 */
import { and, asc, eq, inArray, type SQL, sql } from 'drizzle-orm';
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
import { anyOf, noneOf, preparedIn, settable } from './prepared';
import type { PgTx } from './transaction';

/**
 * `(kind, ref)` is one of the pairs of the parallel text[] `kinds` and `refs`: the planner looks
 * each pair up in admission_keys' (kind, ref, is_running, …) index.
 */
const keyPairIn = sql`(${admissionKeys.kind}, ${admissionKeys.ref}) in (select * from unnest(${sql.placeholder('kinds')}::text[], ${sql.placeholder('refs')}::text[]))`;

/** The admission keys of one operation. */
export function keysOfOperation(tx: PgTx) {
  return preparedIn(tx, 'admission_keys_of_operation', (name) =>
    tx
      .select({ kind: admissionKeys.kind, ref: admissionKeys.ref })
      .from(admissionKeys)
      .where(eq(admissionKeys.operationId, sql.placeholder('operationId')))
      .prepare(name),
  );
}

/** The lock rows an operation holds (those taken while running included). */
export function locksOfOperation(tx: PgTx) {
  return preparedIn(tx, 'admission_locks_of_operation', (name) =>
    tx
      .select({ key: locks.key })
      .from(locks)
      .where(eq(locks.operationId, sql.placeholder('operationId')))
      .prepare(name),
  );
}

/** Wakes the queued operations (not `operationId`) that want one of the (kind, ref) pairs released. */
export function wakeReleased(tx: PgTx) {
  return preparedIn(tx, 'admission_wake_released', (name) =>
    wakeWhere(
      tx,
      and(
        eq(admissionKeys.isRunning, false),
        sql`${admissionKeys.operationId} <> ${sql.placeholder('operationId')}`,
        keyPairIn,
      ),
    ).prepare(name),
  );
}

/** Queues a wake-up, once, for each operation with an admission key meeting `condition`. */
function wakeWhere(tx: PgTx, condition: SQL | undefined) {
  return tx
    .insert(admissionWakeups)
    .select(
      tx
        .selectDistinct({ operationId: admissionKeys.operationId, createdAt: admissionKeys.createdAt })
        .from(admissionKeys)
        .where(condition),
    )
    .onConflictDoNothing();
}

export function deleteKeysOf(tx: PgTx) {
  return preparedIn(tx, 'admission_delete_keys_of', (name) =>
    tx
      .delete(admissionKeys)
      .where(eq(admissionKeys.operationId, sql.placeholder('operationId')))
      .prepare(name),
  );
}

export function deleteWakeupOf(tx: PgTx) {
  return preparedIn(tx, 'admission_delete_wakeup_of', (name) =>
    tx
      .delete(admissionWakeups)
      .where(eq(admissionWakeups.operationId, sql.placeholder('operationId')))
      .prepare(name),
  );
}

/** The oldest operations in the wake-up queue (`limit` of them). */
export function dueWakeups(tx: PgTx) {
  return preparedIn(tx, 'admission_due_wakeups', (name) =>
    tx
      .select({ id: admissionWakeups.operationId })
      .from(admissionWakeups)
      .orderBy(asc(admissionWakeups.createdAt), asc(admissionWakeups.operationId))
      .limit(sql.placeholder('limit'))
      .prepare(name),
  );
}

/** Takes `ids` out of the wake-up queue. */
export function deleteWakeups(tx: PgTx) {
  return preparedIn(tx, 'admission_delete_wakeups', (name) =>
    tx.delete(admissionWakeups).where(anyOf(admissionWakeups.operationId, 'ids')).prepare(name),
  );
}

/** The state of the operations `ids`, by id only. */
export function admissionStates(tx: PgTx) {
  return preparedIn(tx, 'admission_states', (name) =>
    tx
      .select({
        id: operations.id,
        status: operations.status,
        title: operations.title,
        createdAt: operations.createdAt,
        waitingReason: operations.waitingReason,
      })
      .from(operations)
      .where(anyOf(operations.id, 'ids'))
      .prepare(name),
  );
}

/** The admission keys of the operations `ids`. */
export function keysOfOperations(tx: PgTx) {
  return preparedIn(tx, 'admission_keys_of_operations', (name) =>
    tx
      .select({ operationId: admissionKeys.operationId, kind: admissionKeys.kind, ref: admissionKeys.ref })
      .from(admissionKeys)
      .where(anyOf(admissionKeys.operationId, 'ids'))
      .prepare(name),
  );
}

/** Lock key → the running operation holding it, for the keys `keys`. */
export function heldLocks(tx: PgTx) {
  return preparedIn(tx, 'admission_held_locks', (name) =>
    tx
      .select({ key: locks.key, operationId: locks.operationId })
      .from(locks)
      .where(anyOf(locks.key, 'keys'))
      .prepare(name),
  );
}

/** Per lock key of `keys`, the first operation of its queue order that waits for it. */
export function firstInLine(tx: PgTx) {
  return preparedIn(tx, 'admission_first_in_line', (name) =>
    tx
      .selectDistinctOn([admissionKeys.ref], {
        ref: admissionKeys.ref,
        operationId: admissionKeys.operationId,
      })
      .from(admissionKeys)
      .where(
        and(
          eq(admissionKeys.kind, 'lock'),
          eq(admissionKeys.isRunning, false),
          anyOf(admissionKeys.ref, 'keys'),
        ),
      )
      .orderBy(asc(admissionKeys.ref), asc(admissionKeys.createdAt), asc(admissionKeys.operationId))
      .prepare(name),
  );
}

/** Running operations per (kind, ref) pair of the parallel `kinds` and `refs` (hosts and arrays). */
export function runningLoads(tx: PgTx) {
  return preparedIn(tx, 'admission_running_loads', (name) =>
    tx
      .select({ kind: admissionKeys.kind, ref: admissionKeys.ref, running: sql<number>`count(*)::int` })
      .from(admissionKeys)
      .where(and(eq(admissionKeys.isRunning, true), keyPairIn))
      .groupBy(admissionKeys.kind, admissionKeys.ref)
      .prepare(name),
  );
}

export function operationTitles(tx: PgTx) {
  return preparedIn(tx, 'admission_operation_titles', (name) =>
    tx
      .select({ id: operations.id, title: operations.title })
      .from(operations)
      .where(anyOf(operations.id, 'ids'))
      .prepare(name),
  );
}

/** Still queued or waiting: a cancel that committed since admission read it keeps its operation cancelled. */
const stillQueued = inArray(operations.status, ['queued', 'waiting']);

/** Starts `operationId` at `now` if it is still queued; returns it when it did. */
export function markStarted(tx: PgTx) {
  return preparedIn(tx, 'admission_mark_started', (name) =>
    tx
      .update(operations)
      .set({ status: 'running', waitingReason: null, startedAt: settable('now') })
      .where(and(eq(operations.id, sql.placeholder('operationId')), stillQueued))
      .returning({ id: operations.id })
      .prepare(name),
  );
}

/**
 * The lock rows of an admitted operation: `keys` (sorted by the caller) inserted in their order, as
 * the list of values they replace did.
 */
export function insertLocks(tx: PgTx) {
  return preparedIn(tx, 'admission_insert_locks', (name) =>
    tx
      .insert(locks)
      .select(
        sql`select held.key, ${sql.placeholder('operationId')}::text, ${sql.placeholder('now')}::timestamptz
          from unnest(${sql.placeholder('keys')}::text[]) with ordinality as held(key, n) order by held.n`,
      )
      .prepare(name),
  );
}

/** An admitted operation's hosts and arrays count as loaded, its lock keys as held. */
export function markKeysRunning(tx: PgTx) {
  return preparedIn(tx, 'admission_mark_keys_running', (name) =>
    tx
      .update(admissionKeys)
      .set({ isRunning: true })
      .where(eq(admissionKeys.operationId, sql.placeholder('operationId')))
      .prepare(name),
  );
}

/** Records why `operationId` waits if it is still queued; returns it when it did. */
export function markWaiting(tx: PgTx) {
  return preparedIn(tx, 'admission_mark_waiting', (name) =>
    tx
      .update(operations)
      .set({ status: 'waiting', waitingReason: settable('reason') })
      .where(and(eq(operations.id, sql.placeholder('operationId')), stillQueued))
      .returning({ id: operations.id })
      .prepare(name),
  );
}

/** Wakes the queued operations, other than those of `ids`, that want one of the lock keys `keys`. */
export function wakeBehind(tx: PgTx) {
  return preparedIn(tx, 'admission_wake_behind', (name) =>
    wakeWhere(
      tx,
      and(
        eq(admissionKeys.kind, 'lock'),
        anyOf(admissionKeys.ref, 'keys'),
        eq(admissionKeys.isRunning, false),
        noneOf(admissionKeys.operationId, 'ids'),
      ),
    ).prepare(name),
  );
}

/** The names a waiting reason may mention, each read by id for the ids of a text[]. */
export const nameStatements = {
  hosts: (tx: PgTx) =>
    preparedIn(tx, 'admission_host_names', (name) =>
      tx.select({ id: hosts.id, name: hosts.name }).from(hosts).where(anyOf(hosts.id, 'ids')).prepare(name),
    ),
  arrays: (tx: PgTx) =>
    preparedIn(tx, 'admission_array_names', (name) =>
      tx
        .select({ id: storageArrays.id, name: storageArrays.name })
        .from(storageArrays)
        .where(anyOf(storageArrays.id, 'ids'))
        .prepare(name),
    ),
  vms: (tx: PgTx) =>
    preparedIn(tx, 'admission_vm_names', (name) =>
      tx.select({ id: vms.id, name: vms.name }).from(vms).where(anyOf(vms.id, 'ids')).prepare(name),
    ),
  hostVolumes: (tx: PgTx) =>
    preparedIn(tx, 'admission_host_volume_names', (name) =>
      tx
        .select({ id: hostVolumes.id, name: hostVolumes.name, hostName: hosts.name })
        .from(hostVolumes)
        .innerJoin(hosts, eq(hosts.id, hostVolumes.hostId))
        .where(anyOf(hostVolumes.id, 'ids'))
        .prepare(name),
    ),
  arrayVolumes: (tx: PgTx) =>
    preparedIn(tx, 'admission_array_volume_names', (name) =>
      tx
        .select({ id: arrayVolumes.id, name: arrayVolumes.name })
        .from(arrayVolumes)
        .where(anyOf(arrayVolumes.id, 'ids'))
        .prepare(name),
    ),
  points: (tx: PgTx) =>
    preparedIn(tx, 'admission_point_names', (name) =>
      tx
        .select({ id: restorePoints.id, vmName: restorePoints.vmName, createdAt: restorePoints.createdAt })
        .from(restorePoints)
        .where(anyOf(restorePoints.id, 'ids'))
        .prepare(name),
    ),
  /**
   * The points kept on the array snapshots `ids` with their LUN's name: a kept snapshot is named by
   * them. Kept ones only: a capture that released its snapshot leaves its id on points too.
   */
  keptPoints: (tx: PgTx) =>
    preparedIn(tx, 'admission_kept_point_names', (name) =>
      tx
        .select({
          snapshotId: restorePoints.snapshotId,
          vmName: restorePoints.vmName,
          createdAt: restorePoints.createdAt,
          arrayVolumeName: arrayVolumes.name,
        })
        .from(restorePoints)
        // A LUN that left the inventory leaves the point named without it.
        .leftJoin(arrayVolumes, eq(arrayVolumes.id, restorePoints.arrayVolumeId))
        .where(and(anyOf(restorePoints.snapshotId, 'ids'), eq(restorePoints.locationKind, 'array-snapshot')))
        .prepare(name),
    ),
};
