/**
 * The Driver: the only thing that touches hypervisors, arrays and the backup repository.
 *
 * The engine decides (plans), the runner (server/jobs) executes a plan step by step, and for
 * every step it calls exactly one or two methods of a Driver. The embedded lab driver
 * (server/drivers/lab) implements this over files; later connectors (Hyper-V over PowerShell
 * remoting, XenServer XAPI, NetApp ONTAP REST) implement the same interface.
 *
 * Contract every implementation keeps:
 * - Ids are chosen by the engine (snapshot ids, restore point ids, staging ids) and are stable
 *   across retries, so every method is idempotent for the same id: creating a snapshot that
 *   already exists, or copying a restore point that is already complete, succeeds without
 *   doing the work twice. Releasing / deleting something that is already gone succeeds too
 *   (cleanup may run again after a crash).
 * - A snapshot is point-in-time: once `createSnapshot` returns, later writes to the source do
 *   not change what the snapshot holds. That is what lets the runner resume a VM from saved
 *   state, or thaw a guest, right after the snapshot and before the (long) copy.
 * - Failures are `DriverError`s with a `faultCode` and `isRetryable`; anything else thrown is
 *   treated by the runner as a non-retryable internal failure.
 * - Long copies report progress through `onProgress(bytesDoneSoFar)` and honour `signal`.
 */
import type { PowerState } from './inventory';

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
] as const;
export type DriverFaultCode = (typeof DRIVER_FAULT_CODES)[number];

/** Faults that are worth retrying with backoff unless the implementation says otherwise. */
const RETRYABLE_BY_DEFAULT: ReadonlySet<DriverFaultCode> = new Set(['host-unreachable', 'snapshot-failed']);

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

export function isDriverError(error: unknown): error is DriverError {
  return error instanceof DriverError;
}

/**
 * What one snapshot covers. Hyper-V VSS and Xen snapshot one VM; WSB takes one VSS snapshot set
 * across host volumes; an array snapshots LUNs — atomically when they form one consistency
 * group (`consistencyGroupId` set), otherwise one LUN after the other.
 */
export type SnapshotScope =
  | { kind: 'vm'; vmId: string }
  | { kind: 'host-volumes'; hostVolumeIds: string[] }
  | { kind: 'array-volumes'; arrayVolumeIds: string[]; consistencyGroupId: string | null };

export interface CreateSnapshotRequest {
  snapshotId: string;
  scope: SnapshotScope;
  /** Virtual disks whose data the snapshot must hold (the runner copies exactly these later). */
  diskIds: string[];
  /**
   * Ask the hypervisor to quiesce the guest(s) (Hyper-V VSS writer online backup, Xen VSS
   * provider). A quiesce failure is a `vss-writer-timeout` DriverError; the runner then follows
   * the job's consistency policy (fail, or retry with `isQuiesced: false`).
   */
  isQuiesced: boolean;
}

export interface StoredFile {
  diskId: string;
  /** Repository-relative path of the stored copy. */
  path: string;
  sha256: string;
  bytes: number;
}

/** What an application-aware look at captured data found: log and data agree (clean) or not (torn). */
export type ApplicationState = 'clean' | 'torn';

export interface CopyResult {
  bytes: number;
  files: StoredFile[];
  /** Measured state of the guest application in the copy; absent/null when the driver cannot tell. */
  applicationState?: ApplicationState | null;
}

export interface CopyToRepositoryRequest {
  snapshotId: string;
  restorePointId: string;
  vmId: string;
  diskIds: string[];
}

export interface AgentCopyRequest {
  restorePointId: string;
  vmId: string;
  /** Disks (pass-through included) the in-guest agent copies under in-guest VSS. */
  diskIds: string[];
}

export interface ScriptRun {
  /** Command line run inside the guest. */
  command: string;
  timeoutMs: number;
}

export interface ScriptResult {
  exitCode: number;
  output: string;
}

export interface VerifyResult {
  isIntact: boolean;
  /** One line per file that is missing or whose hash differs. */
  mismatches: string[];
  /** Measured state of the guest application in the stored data; absent/null when unknown. */
  applicationState?: ApplicationState | null;
}

export const RESTORE_TARGETS = ['in-place', 'as-new', 'scratch'] as const;
export type RestoreTarget = (typeof RESTORE_TARGETS)[number];

export interface RestoreDisksRequest {
  restorePointId: string;
  vmId: string;
  /** in-place replaces the VM's disks; as-new creates `newVmName`; scratch writes to a scratch folder. */
  target: RestoreTarget;
  newVmName?: string;
}

export interface RestoreResult {
  bytes: number;
  /** Every restored file was re-hashed and matched the manifest. */
  verified: boolean;
}

/** A host volume (WSB) or an array LUN (array snapshot) reverted as a whole. */
export type VolumeRef = { kind: 'host-volume'; id: string } | { kind: 'array-volume'; id: string };

export interface RevertVolumeRequest {
  volume: VolumeRef;
  /** The points of one capture (one per VM on the volume) whose data the volume rolls back to. */
  restorePointIds: string[];
  /** Every VM on the volume; running ones are stopped for the revert. */
  vmIds: string[];
}

export interface StageVolumeRequest {
  stagingId: string;
  volume: VolumeRef;
  restorePointIds: string[];
}

export interface CopyOutVmRequest {
  stagingId: string;
  restorePointId: string;
  vmId: string;
  /** in-place replaces the VM (it must be off); as-new creates `newVmName`. */
  target: 'in-place' | 'as-new';
  newVmName?: string;
}

export interface CopyOptions {
  /** `bytesTotal` when the driver knows it up front (lets the console show a percentage). */
  onProgress?: (bytesDone: number, bytesTotal?: number) => void;
  signal?: AbortSignal;
}

export interface Driver {
  /** Short name for logs ("lab", "hyperv", "xapi", "ontap"). */
  readonly name: string;

  getPowerState(vmId: string): Promise<PowerState>;
  /** Hyper-V offline backup: put a running VM into saved state (downtime starts). */
  saveState(vmId: string): Promise<void>;
  /** Undo of saveState (and of the stop done by a volume revert): resume the VM. */
  resume(vmId: string): Promise<void>;

  /** Quiesce the guest file systems (VSS inside Windows, fsfreeze on Linux). */
  freezeGuest(vmId: string, timeoutMs: number): Promise<void>;
  thawGuest(vmId: string): Promise<void>;
  /** Runs a script inside the guest; a non-zero exit is a result, a timeout is `script-failed`. */
  runGuestScript(vmId: string, script: ScriptRun): Promise<ScriptResult>;
  /** Flush the host's write cache for a volume so the array sees every acknowledged write. */
  flushHostIo(hostVolumeId: string): Promise<void>;

  createSnapshot(request: CreateSnapshotRequest): Promise<{ snapshotId: string }>;
  copySnapshotToRepository(request: CopyToRepositoryRequest, options?: CopyOptions): Promise<CopyResult>;
  releaseSnapshot(snapshotId: string): Promise<void>;
  /** guest-agent method: the agent copies disks from inside the guest under in-guest VSS. */
  copyWithGuestAgent(request: AgentCopyRequest, options?: CopyOptions): Promise<CopyResult>;

  /** Re-hash the stored data of a restore point against its manifest. */
  verifyRestorePoint(restorePointId: string): Promise<VerifyResult>;
  restoreDisks(request: RestoreDisksRequest, options?: CopyOptions): Promise<RestoreResult>;
  revertVolume(request: RevertVolumeRequest, options?: CopyOptions): Promise<RestoreResult>;
  /** Staged restore: restore the volume's points into a scratch area, touching nothing live. */
  stageVolume(request: StageVolumeRequest, options?: CopyOptions): Promise<RestoreResult>;
  copyOutVm(request: CopyOutVmRequest, options?: CopyOptions): Promise<RestoreResult>;
  /** Undo of stageVolume: delete the scratch area. */
  discardStaging(stagingId: string): Promise<void>;

  /** Delete a restore point's stored data (retention pruning, manual delete, discarded newer points). */
  deleteRestorePointData(restorePointId: string): Promise<void>;
}
