/**
 * What the engine knows of drivers: the few shapes a plan names (what a snapshot covers, which
 * volume a restore reverts, where a restore writes) and how a driver call fails (`DriverError`),
 * which the runner's rules (operation-rules.ts) read to retry or fail a step. The role
 * interfaces, the registry and the call deadline live with the drivers (server/drivers).
 *
 * How a driver call fails: every connector maps its vendor's failures onto these fault codes and
 * decides retryability; the runner retries retryable faults with backoff and fails the step at
 * once on the others. Anything thrown that is not a `DriverError` is a non-retryable internal
 * failure.
 */

/**
 * What one snapshot covers. Hyper-V VSS and Xen snapshot one VM; WSB takes one VSS snapshot set
 * across host volumes; an array snapshots LUNs — atomically when they form one consistency
 * group (`consistencyGroupId` set), otherwise one LUN after the other.
 */
export type SnapshotScope =
  | { kind: 'vm'; vmId: string }
  | { kind: 'host-volumes'; hostVolumeIds: string[] }
  | { kind: 'array-volumes'; arrayVolumeIds: string[]; consistencyGroupId: string | null };

/** A host volume (WSB) or an array LUN (array snapshot) reverted as a whole. */
export type VolumeRef = { kind: 'host-volume'; id: string } | { kind: 'array-volume'; id: string };

export const RESTORE_TARGETS = ['in-place', 'as-new', 'scratch'] as const;
export type RestoreTarget = (typeof RESTORE_TARGETS)[number];

export const DRIVER_FAULT_CODES = [
  /** The Hyper-V VSS writer / Xen VSS provider did not quiesce the guest in time. */
  'vss-writer-timeout',
  /** Guest file-system freeze (VSS or fsfreeze) did not complete within its timeout. */
  'freeze-timeout',
  /** A pre-freeze / post-thaw script exited non-zero or timed out. */
  'script-failed',
  /** The hypervisor or array refused or failed to take the snapshot. */
  'snapshot-failed',
  /** The host (or array) could not be reached; usually transient. */
  'host-unreachable',
  /** The backup repository has no room for the copy. */
  'repository-full',
  /** Stored restore point data is missing or does not match its manifest. */
  'data-corrupt',
  /** The object the request names does not exist (VM, snapshot, restore point). */
  'not-found',
  /** The object is in a state that forbids the action (e.g. in-place restore of a running VM). */
  'invalid-state',
  /**
   * The call did not answer before its deadline and was abandoned (call.ts). Retryable by default:
   * every call is idempotent for the engine's ids, so asking again is safe; the runner makes it
   * non-retryable for steps that are unsafe to re-run (guest scripts, guest freeze).
   */
  'timeout',
  /** The inventory names a connector this installation does not have (or one without that role). */
  'connector-missing',
] as const;
export type DriverFaultCode = (typeof DRIVER_FAULT_CODES)[number];

/** Faults that are worth retrying with backoff unless the implementation says otherwise. */
const RETRYABLE_BY_DEFAULT: ReadonlySet<DriverFaultCode> = new Set([
  'host-unreachable',
  'snapshot-failed',
  'timeout',
]);

export class DriverError extends Error {
  readonly faultCode: DriverFaultCode;
  /** True when the same call may succeed if repeated later (the runner retries with backoff). */
  readonly isRetryable: boolean;

  constructor(faultCode: DriverFaultCode, message: string, options: { isRetryable?: boolean } = {}) {
    super(message);
    this.name = 'DriverError';
    this.faultCode = faultCode;
    this.isRetryable = options.isRetryable ?? RETRYABLE_BY_DEFAULT.has(faultCode);
  }
}

/**
 * A guest that thawed itself before Migawka's thaw (its freeze window ran out): the freeze was real,
 * but a snapshot taken after it began may hold writes made after that thaw, so the point is no more
 * than crash-consistent. Not retried: there is nothing left to thaw.
 */
export class GuestThawedEarlyError extends DriverError {
  constructor(message: string) {
    super('vss-writer-timeout', message, { isRetryable: false });
    this.name = 'GuestThawedEarlyError';
  }
}

export function isDriverError(error: unknown): error is DriverError {
  return error instanceof DriverError;
}
