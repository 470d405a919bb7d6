/**
 * Admission of queued operations: locks and concurrency limits (issue 3 §2).
 *
 * - Locks: two operations sharing a lock key (a VM, a host volume, an array volume — see
 *   plan-types' lockKeyFor*) never run at the same time.
 * - Limits: at most `perHost` running operations touch one host and `perArray` one array.
 * - FIFO: the queue is served oldest first, and a waiting operation keeps its place for its lock
 *   keys: a younger operation that needs one of them waits behind it, so a long queue of small
 *   backups cannot starve a volume revert that needs every VM on the volume.
 *
 * - Placement: workers may be told which hosts and arrays they take (`migawka worker --hosts`);
 *   an operation no live worker serves whole waits, saying which host or array nobody serves.
 *
 * Every waiting operation gets every reason it waits, in words an operator can act on.
 */
import { lockKeyForKeptSnapshot } from './plan-types';

export interface AdmissionCandidate {
  operationId: string;
  lockKeys: string[];
  hostIds: string[];
  arrayIds: string[];
  createdAt: Date;
}

/** What one live worker takes: null = every host (array); a list = only those. */
export interface WorkerScope {
  workerId: string;
  hostIds: string[] | null;
  arrayIds: string[] | null;
}

/** True when the worker may run an operation touching these hosts and arrays (all of them). */
export function servesOperation(
  scope: Pick<WorkerScope, 'hostIds' | 'arrayIds'>,
  operation: Pick<AdmissionCandidate, 'hostIds' | 'arrayIds'>,
): boolean {
  const { hostIds, arrayIds } = scope;
  return (
    (hostIds === null || operation.hostIds.every((id) => hostIds.includes(id))) &&
    (arrayIds === null || operation.arrayIds.every((id) => arrayIds.includes(id)))
  );
}

/** "host hv-prague", "arrays cluster1, pure-1": each by its name when the store named it. */
function listed(kind: string, ids: string[], names: ReadonlyMap<string, string> | undefined): string {
  return `${kind}${ids.length === 1 ? '' : 's'} ${ids.map((id) => names?.get(id) ?? id).join(', ')}`;
}

/**
 * Why none of the live workers may run the operation, or null when one may. An empty fleet (no
 * worker announces itself: a test driving the store directly) places nothing.
 */
export function unservedReason(
  operation: Pick<AdmissionCandidate, 'hostIds' | 'arrayIds'>,
  workers: readonly WorkerScope[],
  names: AdmissionNames = {},
): string | null {
  if (workers.length === 0 || workers.some((worker) => servesOperation(worker, operation))) return null;
  const hosts = [...new Set(operation.hostIds)].filter(
    (id) => !workers.some((worker) => worker.hostIds === null || worker.hostIds.includes(id)),
  );
  const arrays = [...new Set(operation.arrayIds)].filter(
    (id) => !workers.some((worker) => worker.arrayIds === null || worker.arrayIds.includes(id)),
  );
  const nobody = [
    ...(hosts.length > 0 ? [listed('host', hosts, names.hosts)] : []),
    ...(arrays.length > 0 ? [listed('array', arrays, names.arrays)] : []),
  ];
  if (nobody.length > 0) return `no worker serves ${nobody.join(' or ')}`;
  const all = [
    ...(operation.hostIds.length > 0 ? [listed('host', [...new Set(operation.hostIds)], names.hosts)] : []),
    ...(operation.arrayIds.length > 0
      ? [listed('array', [...new Set(operation.arrayIds)], names.arrays)]
      : []),
  ];
  return `no single worker serves all of ${all.join(' and ')}`;
}

export interface AdmissionLimits {
  perHost: number;
  perArray: number;
}

/**
 * Names of what a reason mentions (the store looks up only those in use): an operator reads "array
 * cluster1", not "array ontap:6f0c…", and "VM sql-prod-01 … held by \"Back up sql-prod-01\"", not
 * "lock vm:6f0c… held by operation op-91ab…". An id without a name is shown as is.
 */
export interface AdmissionNames {
  hosts?: ReadonlyMap<string, string>;
  arrays?: ReadonlyMap<string, string>;
  /** What a lock key locks, in words ("VM sql-prod-01", "host volume D: on hv-01"), by key. */
  locks?: ReadonlyMap<string, string>;
  /** Operation titles by id. */
  operations?: ReadonlyMap<string, string>;
}

/**
 * "VM sql-prod-01" when the store named what the key locks, "lock vm:…" otherwise. A snapshot kept
 * on an array the store found no point of (deleted since the key was written) is worded without
 * its id, which nobody reads (the operation holding it, named beside it, says which).
 */
function lockLabel(key: string, names: AdmissionNames): string {
  const named = names.locks?.get(key);
  if (named) return named;
  return key.startsWith(KEPT_SNAPSHOT_LOCK_PREFIX) ? 'the snapshot kept on the array' : `lock ${key}`;
}

const KEPT_SNAPSHOT_LOCK_PREFIX = lockKeyForKeptSnapshot('');

/** An operation by its title when known ("the operation \"Back up web-01\""), by id otherwise. */
function operationLabel(operationId: string, names: AdmissionNames): string {
  const title = names.operations?.get(operationId);
  return title ? `operation "${title}"` : `operation ${operationId}`;
}

export const DEFAULT_ADMISSION_LIMITS: AdmissionLimits = { perHost: 2, perArray: 2 };

export interface WaitingOperation {
  operationId: string;
  /** The first (most direct) reason, for one-line displays. */
  reason: string;
  reasons: string[];
}

export interface AdmissionDecision {
  /** Operation ids to start now, oldest first. */
  admit: string[];
  waiting: WaitingOperation[];
}

function assertLimit(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`Concurrency limit "${name}" must be a whole number ≥ 1, got ${value}`);
  }
}

function countInto(counts: Map<string, number>, ids: string[]): void {
  for (const id of new Set(ids)) counts.set(id, (counts.get(id) ?? 0) + 1);
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/**
 * What admission knows of the world around the operations it examines: enough to decide them
 * without seeing the rest of the queue (a store builds it from indexed look-ups, issue 13).
 */
export interface AdmissionPicture {
  /** Lock key → the running operation holding it. */
  heldBy: Map<string, string>;
  /** Lock key → the oldest queued operation that wants it: younger ones wait behind it (FIFO). */
  firstInLine: Map<string, string>;
  /** Running operations per host / array. */
  hostLoad: Map<string, number>;
  arrayLoad: Map<string, number>;
}

export function decideAdmission(
  queued: AdmissionCandidate[],
  running: AdmissionCandidate[],
  limits: AdmissionLimits,
  /** The live workers and what each takes; empty = no placement (every worker takes everything). */
  workers: readonly WorkerScope[] = [],
  /** Host and array names for the reasons (ids where a name is not known). */
  names: AdmissionNames = {},
): AdmissionDecision {
  const picture: AdmissionPicture = {
    heldBy: new Map(),
    firstInLine: new Map(),
    hostLoad: new Map(),
    arrayLoad: new Map(),
  };
  for (const operation of running) {
    for (const key of operation.lockKeys)
      if (!picture.heldBy.has(key)) picture.heldBy.set(key, operation.operationId);
    countInto(picture.hostLoad, operation.hostIds);
    countInto(picture.arrayLoad, operation.arrayIds);
  }
  const runningIds = new Set(running.map((operation) => operation.operationId));
  const ordered = inQueueOrder(queued.filter((operation) => !runningIds.has(operation.operationId)));
  for (const operation of ordered)
    for (const key of operation.lockKeys)
      if (!picture.firstInLine.has(key)) picture.firstInLine.set(key, operation.operationId);
  return decideAdmissionWithin(ordered, picture, limits, workers, names);
}

/** Oldest first: by creation, then by id. */
export function inQueueOrder<T extends Pick<AdmissionCandidate, 'operationId' | 'createdAt'>>(
  operations: T[],
): T[] {
  return [...operations].sort(
    (a, b) =>
      a.createdAt.getTime() - b.createdAt.getTime() ||
      (a.operationId < b.operationId ? -1 : a.operationId > b.operationId ? 1 : 0),
  );
}

/**
 * Decides `candidates` — any queued operations, not necessarily the whole queue — against the
 * picture around them, oldest first; an admitted one holds its keys and counts against its hosts'
 * and arrays' limits for the younger ones (the picture is updated in place). Gives exactly
 * decideAdmission's answer for these operations when the picture is the one the whole queue gives.
 */
export function decideAdmissionWithin(
  candidates: AdmissionCandidate[],
  picture: AdmissionPicture,
  limits: AdmissionLimits,
  workers: readonly WorkerScope[] = [],
  names: AdmissionNames = {},
): AdmissionDecision {
  assertLimit('perHost', limits.perHost);
  assertLimit('perArray', limits.perArray);
  const { heldBy, firstInLine, hostLoad, arrayLoad } = picture;
  const admit: string[] = [];
  const waiting: WaitingOperation[] = [];
  for (const operation of inQueueOrder(candidates)) {
    const unserved = unservedReason(operation, workers, names);
    const reasons: string[] = unserved ? [unserved] : [];
    const lockKeys = [...new Set(operation.lockKeys)];
    for (const key of lockKeys) {
      const holder = heldBy.get(key);
      const first = firstInLine.get(key);
      if (holder) {
        reasons.push(`waits for ${lockLabel(key, names)} held by ${operationLabel(holder, names)}`);
      } else if (first && first !== operation.operationId) {
        reasons.push(
          `waits for ${lockLabel(key, names)} behind older queued ${operationLabel(first, names)}`,
        );
      }
    }
    for (const hostId of new Set(operation.hostIds)) {
      const load = hostLoad.get(hostId) ?? 0;
      if (load >= limits.perHost) {
        reasons.push(
          `host ${names.hosts?.get(hostId) ?? hostId} has ${plural(load, 'running operation')} (limit ${limits.perHost})`,
        );
      }
    }
    for (const arrayId of new Set(operation.arrayIds)) {
      const load = arrayLoad.get(arrayId) ?? 0;
      if (load >= limits.perArray) {
        reasons.push(
          `array ${names.arrays?.get(arrayId) ?? arrayId} has ${plural(load, 'running operation')} (limit ${limits.perArray})`,
        );
      }
    }

    if (reasons.length === 0) {
      admit.push(operation.operationId);
      for (const key of lockKeys) heldBy.set(key, operation.operationId);
      countInto(hostLoad, operation.hostIds);
      countInto(arrayLoad, operation.arrayIds);
    } else {
      waiting.push({ operationId: operation.operationId, reason: reasons[0], reasons });
    }
  }
  return { admit, waiting };
}
