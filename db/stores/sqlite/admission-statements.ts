/**
 * Admission's statements on SQLite, prepared once per connection (./prepared.ts). Every list of ids
 * or keys is one JSON parameter read with json_each (inJson), so a statement does not change with
 * the number of operations a round examines: building a Drizzle query with an IN list of another
 * length, and compiling it in SQLite, had been about a sixth of a claim's CPU (issue 13).
 */
import { and, asc, eq, sql } from 'drizzle-orm';
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
import { inJson, preparedIn, rawPreparedIn, slot } from './prepared';
import type { Tx } from './transaction';

/** The oldest operations in the wake-up queue (`limit` of them). */
export function dueWakeups(tx: Tx) {
  return preparedIn(tx, 'dueWakeups', () =>
    tx
      .select({ id: admissionWakeups.operationId })
      .from(admissionWakeups)
      .orderBy(asc(admissionWakeups.createdAt), asc(admissionWakeups.operationId))
      .limit(sql.placeholder('limit'))
      .prepare(),
  );
}

/** Takes `ids` out of the wake-up queue. */
export function deleteWakeups(tx: Tx) {
  return preparedIn(tx, 'deleteWakeups', () =>
    tx.delete(admissionWakeups).where(inJson(admissionWakeups.operationId, 'ids')).prepare(),
  );
}

/** The state of the operations `ids`, by id only (with the status too, SQLite may walk the status index over the whole queue). */
export function admissionStates(tx: Tx) {
  return preparedIn(tx, 'admissionStates', () =>
    tx
      .select({
        id: operations.id,
        status: operations.status,
        title: operations.title,
        createdAt: operations.createdAt,
        waitingReason: operations.waitingReason,
      })
      .from(operations)
      .where(inJson(operations.id, 'ids'))
      .prepare(),
  );
}

/** The admission keys of the operations `ids`. */
export function keysOfOperations(tx: Tx) {
  return preparedIn(tx, 'keysOfOperations', () =>
    tx
      .select({ operationId: admissionKeys.operationId, kind: admissionKeys.kind, ref: admissionKeys.ref })
      .from(admissionKeys)
      .where(inJson(admissionKeys.operationId, 'ids'))
      .prepare(),
  );
}

/** The admission keys of one operation. */
export function keysOfOperation(tx: Tx) {
  return preparedIn(tx, 'keysOfOperation', () =>
    tx
      .select({ kind: admissionKeys.kind, ref: admissionKeys.ref })
      .from(admissionKeys)
      .where(eq(admissionKeys.operationId, slot('operationId', admissionKeys.operationId)))
      .prepare(),
  );
}

/** The lock rows an operation holds (those taken while running, acquireLocks, included). */
export function locksOfOperation(tx: Tx) {
  return preparedIn(tx, 'locksOfOperation', () =>
    tx
      .select({ key: locks.key })
      .from(locks)
      .where(eq(locks.operationId, slot('operationId', locks.operationId)))
      .prepare(),
  );
}

export function deleteKeysOf(tx: Tx) {
  return preparedIn(tx, 'deleteKeysOf', () =>
    tx
      .delete(admissionKeys)
      .where(eq(admissionKeys.operationId, slot('operationId', admissionKeys.operationId)))
      .prepare(),
  );
}

export function deleteWakeupOf(tx: Tx) {
  return preparedIn(tx, 'deleteWakeupOf', () =>
    tx
      .delete(admissionWakeups)
      .where(eq(admissionWakeups.operationId, slot('operationId', admissionWakeups.operationId)))
      .prepare(),
  );
}

/**
 * Wakes the queued operations (not `operationId`) that want one of the lock keys `locks`, or touch
 * one of the hosts `hosts` or arrays `arrays` (each a JSON list). One index look-up per key on
 * (kind, ref, is_running): a union of three, not an OR the planner might answer with a scan.
 */
export function wakeWanting(tx: Tx) {
  return rawPreparedIn(
    tx,
    'wakeWanting',
    `insert into admission_wakeups (operation_id, created_at)
     select operation_id, created_at from (
       select operation_id, created_at from admission_keys
       where kind = 'lock' and ref in (select value from json_each(:locks)) and is_running = 0
       union
       select operation_id, created_at from admission_keys
       where kind = 'host' and ref in (select value from json_each(:hosts)) and is_running = 0
       union
       select operation_id, created_at from admission_keys
       where kind = 'array' and ref in (select value from json_each(:arrays)) and is_running = 0
     ) where operation_id <> :operationId and operation_id not in (select value from json_each(:except))
     on conflict do nothing`,
  );
}

/** Lock key → the running operation holding it, for the keys `keys`. */
export function heldLocks(tx: Tx) {
  return preparedIn(tx, 'heldLocks', () =>
    tx
      .select({ key: locks.key, operationId: locks.operationId })
      .from(locks)
      .where(inJson(locks.key, 'keys'))
      .prepare(),
  );
}

/**
 * Per lock key of `keys` (a JSON list), the first of its queue order by the (kind, ref, is_running,
 * created_at, operation_id) index: one look-up each, however many operations wait for the key (a
 * shared volume's lock is wanted by every backup of its VMs). Null for a key nobody waits for.
 */
export function firstInLine(tx: Tx) {
  return rawPreparedIn(
    tx,
    'firstInLine',
    `select wanted.value as ref, (
       select k.operation_id from admission_keys k
       where k.kind = 'lock' and k.ref = wanted.value and k.is_running = 0
       order by k.created_at, k.operation_id limit 1
     ) as operationId
     from json_each(?) wanted`,
  );
}

/** Running operations per host of `hosts` and array of `arrays` (JSON lists). */
export function runningLoads(tx: Tx) {
  return rawPreparedIn(
    tx,
    'runningLoads',
    `select 'host' as kind, ref, count(*) as running from admission_keys
     where kind = 'host' and ref in (select value from json_each(:hosts)) and is_running = 1 group by ref
     union all
     select 'array' as kind, ref, count(*) as running from admission_keys
     where kind = 'array' and ref in (select value from json_each(:arrays)) and is_running = 1 group by ref`,
  );
}

export function operationTitles(tx: Tx) {
  return preparedIn(tx, 'operationTitles', () =>
    tx
      .select({ id: operations.id, title: operations.title })
      .from(operations)
      .where(inJson(operations.id, 'ids'))
      .prepare(),
  );
}

/** The names a waiting reason may mention, each read by id for the ids of a JSON list. */
export const nameStatements = {
  hosts: (tx: Tx) =>
    preparedIn(tx, 'hostNames', () =>
      tx.select({ id: hosts.id, name: hosts.name }).from(hosts).where(inJson(hosts.id, 'ids')).prepare(),
    ),
  arrays: (tx: Tx) =>
    preparedIn(tx, 'arrayNames', () =>
      tx
        .select({ id: storageArrays.id, name: storageArrays.name })
        .from(storageArrays)
        .where(inJson(storageArrays.id, 'ids'))
        .prepare(),
    ),
  vms: (tx: Tx) =>
    preparedIn(tx, 'vmNames', () =>
      tx.select({ id: vms.id, name: vms.name }).from(vms).where(inJson(vms.id, 'ids')).prepare(),
    ),
  hostVolumes: (tx: Tx) =>
    preparedIn(tx, 'hostVolumeNames', () =>
      tx
        .select({ id: hostVolumes.id, name: hostVolumes.name, hostName: hosts.name })
        .from(hostVolumes)
        .innerJoin(hosts, eq(hosts.id, hostVolumes.hostId))
        .where(inJson(hostVolumes.id, 'ids'))
        .prepare(),
    ),
  arrayVolumes: (tx: Tx) =>
    preparedIn(tx, 'arrayVolumeNames', () =>
      tx
        .select({ id: arrayVolumes.id, name: arrayVolumes.name })
        .from(arrayVolumes)
        .where(inJson(arrayVolumes.id, 'ids'))
        .prepare(),
    ),
  points: (tx: Tx) =>
    preparedIn(tx, 'pointNames', () =>
      tx
        .select({ id: restorePoints.id, vmName: restorePoints.vmName, createdAt: restorePoints.createdAt })
        .from(restorePoints)
        .where(inJson(restorePoints.id, 'ids'))
        .prepare(),
    ),
  /**
   * The points kept on the array snapshots `ids` with their LUN's name: a kept snapshot is named by
   * them. Kept ones only: a capture that released its snapshot leaves its id on points too.
   */
  keptPoints: (tx: Tx) =>
    preparedIn(tx, 'keptPointNames', () =>
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
        .where(and(inJson(restorePoints.snapshotId, 'ids'), eq(restorePoints.locationKind, 'array-snapshot')))
        .prepare(),
    ),
};
