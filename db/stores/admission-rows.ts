/**
 * What admission reads of each active operation, shared by both store implementations: its state
 * and the plan's lock keys, hosts and arrays, which each database extracts from the stored plan
 * (never the whole plan: with 10,000 queued, every claim would parse 10,000 plans).
 */
import type { OperationStatus } from '../../server/engine/statuses';

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

/** The plan's lists as the database returned them: JSON text (SQLite), parsed (PostgreSQL) or absent. */
type ExtractedList = string | string[] | null;

export function admissionRowOf(
  row: Omit<AdmissionRow, 'lockKeys' | 'hostIds' | 'arrayIds'> & {
    lockKeys: ExtractedList;
    hostIds: ExtractedList;
    arrayIds: ExtractedList;
  },
): AdmissionRow {
  const list = (value: ExtractedList): string[] =>
    value === null ? [] : typeof value === 'string' ? (JSON.parse(value) as string[]) : value;
  return { ...row, lockKeys: list(row.lockKeys), hostIds: list(row.hostIds), arrayIds: list(row.arrayIds) };
}

/** The engine's view of an operation for decideAdmission. */
export function admissionCandidateOf(op: AdmissionRow) {
  return {
    operationId: op.id,
    createdAt: op.createdAt,
    lockKeys: op.lockKeys,
    hostIds: op.hostIds,
    arrayIds: op.arrayIds,
  };
}

/** The ids the lock keys of waiting operations name, per kind (plan-types' lockKeyFor*). */
export interface LockedIds {
  vm: string[];
  'host-volume': string[];
  'array-volume': string[];
  point: string[];
}

export function lockedIdsOf(rows: readonly AdmissionRow[]): LockedIds {
  const ids: Record<keyof LockedIds, Set<string>> = {
    vm: new Set(),
    'host-volume': new Set(),
    'array-volume': new Set(),
    point: new Set(),
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
  };
}

/** What the database found of those ids; an id it did not find keeps its key in the reason. */
export interface LockedObjects {
  vms: { id: string; name: string }[];
  hostVolumes: { id: string; name: string; hostName: string }[];
  arrayVolumes: { id: string; name: string }[];
  points: { id: string; vmName: string; createdAt: Date }[];
}

/** Lock key → what it locks in words: "VM sql-prod-01", "host volume D: on hv-01", … */
export function lockNamesOf(found: LockedObjects): Map<string, string> {
  const names = new Map<string, string>();
  for (const vm of found.vms) names.set(`vm:${vm.id}`, `VM ${vm.name}`);
  for (const volume of found.hostVolumes)
    names.set(`host-volume:${volume.id}`, `host volume ${volume.name} on ${volume.hostName}`);
  for (const volume of found.arrayVolumes)
    names.set(`array-volume:${volume.id}`, `array volume ${volume.name}`);
  for (const point of found.points) {
    const taken = point.createdAt.toISOString().slice(0, 16).replace('T', ' ');
    names.set(`point:${point.id}`, `the restore point of ${point.vmName} taken ${taken} UTC`);
  }
  return names;
}
