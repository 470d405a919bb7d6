/**
 * What admission reads of the operations it examines, shared by both store implementations: each
 * one's state and its `admission_keys` rows (lock keys, hosts and arrays written at enqueue, so no
 * claim parses a plan), and the picture around them (issue 13).
 */
import type { AdmissionCandidate, AdmissionPicture, WorkerScope } from '../../server/engine/admission';
import { lockKeyForKeptSnapshot, type OperationPlan } from '../../server/engine/plan-types';
import type { OperationStatus } from '../../server/engine/statuses';
import { utcMinute } from '../../server/engine/words';
import type { AdmissionKeyKind } from '../schema-admission';

/** How many operations one claim's admission examines at most: its cost, whatever the queue's length. */
export const ADMISSION_BATCH = 64;

export interface AdmissionRow {
  id: string;
  status: OperationStatus;
  /** For the reasons of the operations waiting behind it. */
  title: string;
  createdAt: Date;
  waitingReason: string | null;
  lockKeys: string[];
  hostIds: string[];
  arrayIds: string[];
}

export interface AdmissionKeyRow {
  operationId: string;
  kind: AdmissionKeyKind;
  ref: string;
}

/** The `admission_keys` rows of a plan about to be enqueued (each key once). */
export function admissionKeysOfPlan(
  operationId: string,
  createdAt: Date,
  plan: Pick<OperationPlan, 'lockKeys' | 'hostIds' | 'arrayIds'>,
): (AdmissionKeyRow & { createdAt: Date })[] {
  const rows = (kind: AdmissionKeyKind, refs: string[] | undefined) =>
    [...new Set(refs ?? [])].map((ref) => ({ operationId, kind, ref, createdAt }));
  return [...rows('lock', plan.lockKeys), ...rows('host', plan.hostIds), ...rows('array', plan.arrayIds)];
}

/** The operations' rows with their keys, as admission reads them. */
export function admissionRowsOf(
  operations: Omit<AdmissionRow, 'lockKeys' | 'hostIds' | 'arrayIds'>[],
  keys: readonly AdmissionKeyRow[],
): AdmissionRow[] {
  const byId = new Map<string, AdmissionRow>(
    operations.map((op) => [op.id, { ...op, lockKeys: [], hostIds: [], arrayIds: [] }]),
  );
  for (const key of keys) {
    const row = byId.get(key.operationId);
    if (!row) continue;
    (key.kind === 'lock' ? row.lockKeys : key.kind === 'host' ? row.hostIds : row.arrayIds).push(key.ref);
  }
  return [...byId.values()];
}

/** The engine's view of an operation for decideAdmission. */
export function admissionCandidateOf(op: AdmissionRow): AdmissionCandidate {
  return {
    operationId: op.id,
    createdAt: op.createdAt,
    lockKeys: op.lockKeys,
    hostIds: op.hostIds,
    arrayIds: op.arrayIds,
  };
}

/** The refs the candidates' keys name, per kind: what the picture must be read for. */
export function refsOf(rows: readonly AdmissionRow[]): {
  locks: string[];
  hosts: string[];
  arrays: string[];
} {
  const unique = (pick: (row: AdmissionRow) => string[]) => [...new Set(rows.flatMap(pick))];
  return {
    locks: unique((row) => row.lockKeys),
    hosts: unique((row) => row.hostIds),
    arrays: unique((row) => row.arrayIds),
  };
}

/** The picture from what the store read around the candidates. */
export function admissionPictureOf(read: {
  /** Lock rows of the candidates' lock keys. */
  held: readonly { key: string; operationId: string }[];
  /** The oldest queued operation wanting each of those keys. */
  firstInLine: readonly { ref: string; operationId: string }[];
  /** Running operations per host / array among the candidates'. */
  loads: readonly { kind: AdmissionKeyKind; ref: string; running: number }[];
}): AdmissionPicture {
  const picture: AdmissionPicture = {
    heldBy: new Map(read.held.map((row) => [row.key, row.operationId])),
    firstInLine: new Map(read.firstInLine.map((row) => [row.ref, row.operationId])),
    hostLoad: new Map(),
    arrayLoad: new Map(),
  };
  for (const load of read.loads)
    (load.kind === 'host' ? picture.hostLoad : picture.arrayLoad).set(load.ref, Number(load.running));
  return picture;
}

/** The operations a reason may name that are not among the candidates (their titles are read). */
export function othersNamedBy(picture: AdmissionPicture, rows: readonly AdmissionRow[]): string[] {
  const known = new Set(rows.map((row) => row.id));
  return [...new Set([...picture.heldBy.values(), ...picture.firstInLine.values()])].filter(
    (id) => !known.has(id),
  );
}

/**
 * True when the fleet changed in a way that may let a waiting operation start: a worker that was
 * not alive (or took other hosts) announces itself. Its arrival wakes every waiting operation.
 */
export function isNewScope(
  before: Pick<WorkerScope, 'hostIds' | 'arrayIds'> | null,
  after: Pick<WorkerScope, 'hostIds' | 'arrayIds'>,
): boolean {
  const same = (a: string[] | null, b: string[] | null) =>
    a === null || b === null ? a === b : a.length === b.length && a.every((id, n) => id === b[n]);
  return before === null || !same(before.hostIds, after.hostIds) || !same(before.arrayIds, after.arrayIds);
}

/** The ids the lock keys of waiting operations name, per kind (plan-types' lockKeyFor*). */
export interface LockedIds {
  vm: string[];
  'host-volume': string[];
  'array-volume': string[];
  point: string[];
  /** Snapshot ids of lockKeyForKeptSnapshot: the capture's snapshot its kept points share. */
  'array-snapshot': string[];
}

export function lockedIdsOf(rows: readonly AdmissionRow[]): LockedIds {
  const ids: Record<keyof LockedIds, Set<string>> = {
    vm: new Set(),
    'host-volume': new Set(),
    'array-volume': new Set(),
    point: new Set(),
    'array-snapshot': new Set(),
  };
  for (const key of rows.flatMap((row) => row.lockKeys)) {
    const colon = key.indexOf(':');
    const kind = key.slice(0, colon) as keyof LockedIds;
    if (colon > 0 && kind in ids) ids[kind].add(key.slice(colon + 1));
  }
  return {
    vm: [...ids.vm],
    'host-volume': [...ids['host-volume']],
    'array-volume': [...ids['array-volume']],
    point: [...ids.point],
    'array-snapshot': [...ids['array-snapshot']],
  };
}

/** What the database found of those ids; an id it did not find keeps its key in the reason. */
export interface LockedObjects {
  vms: { id: string; name: string }[];
  hostVolumes: { id: string; name: string; hostName: string }[];
  arrayVolumes: { id: string; name: string }[];
  points: { id: string; vmName: string; createdAt: Date }[];
  /**
   * The points kept on those array snapshots, one row each (a snapshot of a LUN holds every VM on
   * it); `arrayVolumeName` is null when the point names no LUN or the LUN left the inventory.
   * `snapshotId` is never null here (the statement selects by it) but the column's type says it may be.
   */
  keptPoints: {
    snapshotId: string | null;
    vmName: string;
    createdAt: Date;
    arrayVolumeName: string | null;
  }[];
}

/** Lock key → what it locks in words: "VM sql-prod-01", "host volume D: on hv-01", … */
export function lockNamesOf(found: LockedObjects): Map<string, string> {
  const names = new Map<string, string>();
  for (const vm of found.vms) names.set(`vm:${vm.id}`, `VM ${vm.name}`);
  for (const volume of found.hostVolumes)
    names.set(`host-volume:${volume.id}`, `host volume ${volume.name} on ${volume.hostName}`);
  for (const volume of found.arrayVolumes)
    names.set(`array-volume:${volume.id}`, `array volume ${volume.name}`);
  for (const point of found.points)
    names.set(
      `point:${point.id}`,
      `the restore point of ${point.vmName} taken ${utcMinute(point.createdAt)}`,
    );
  for (const [key, name] of keptSnapshotNamesOf(found.keptPoints)) names.set(key, name);
  return names;
}

/** How many VMs a kept snapshot's name lists before "and N more": a reason stays one line. */
const KEPT_VMS_NAMED = 3;

/**
 * "the array snapshot of sql-01 and web-01 on array volume LUN_sql taken 2026-03-02 01:00 UTC": a
 * kept snapshot by what its points share — their VMs, their LUNs and the capture's time. Not by
 * its name on the array (location_name): the drivers name it after the engine's snapshot id,
 * which operators do not read.
 */
function keptSnapshotNamesOf(points: LockedObjects['keptPoints']): Map<string, string> {
  const bySnapshot = new Map<string, LockedObjects['keptPoints']>();
  for (const point of points) {
    if (point.snapshotId === null) continue;
    bySnapshot.set(point.snapshotId, [...(bySnapshot.get(point.snapshotId) ?? []), point]);
  }
  const names = new Map<string, string>();
  for (const [snapshotId, kept] of bySnapshot) {
    const vmNames = [...new Set(kept.map((point) => point.vmName))].sort();
    const shown = vmNames.slice(0, KEPT_VMS_NAMED);
    const vms =
      vmNames.length > KEPT_VMS_NAMED ? [...shown, `${vmNames.length - KEPT_VMS_NAMED} more`] : shown;
    const luns = [...new Set(kept.flatMap((point) => point.arrayVolumeName ?? []))].sort();
    const on = luns.length === 0 ? '' : ` on array volume${luns.length > 1 ? 's' : ''} ${wordList(luns)}`;
    // The points of one capture share its time; should one differ, the earliest stands for them.
    const taken = new Date(Math.min(...kept.map((point) => point.createdAt.getTime())));
    names.set(
      lockKeyForKeptSnapshot(snapshotId),
      `the array snapshot of ${wordList(vms)}${on} taken ${utcMinute(taken)}`,
    );
  }
  return names;
}

/** "a", "a and b", "a, b and c". */
function wordList(words: readonly string[]): string {
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}
