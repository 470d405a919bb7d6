/**
 * The three driver roles: the only code that touches hypervisors, arrays and the backup repository.
 *
 * - A **hypervisor driver** manages one host's VMs: power state, saved state, guest freeze / thaw
 *   and scripts, VM snapshots (and WSB host-volume snapshot sets), reading disks into the
 *   repository and writing them back (restore in place, as a new VM, into scratch).
 * - An **array driver** manages one storage array: LUN and consistency-group snapshots, reverting a
 *   LUN and staging (cloning) it into a scratch area.
 * - The **backup repository** stores restore points (a manifest of hashed files), reads them back,
 *   verifies and deletes them and reports its capacity.
 *
 * The registry (registry.ts) resolves which connector's driver serves a host or an array, from the
 * inventory's `connector` column. Contract every implementation keeps (docs/drivers.md):
 * - Every call takes `{ signal, timeoutMs }` (call.ts) as its last argument and honours the signal.
 * - Ids are chosen by the engine (snapshot, restore point, staging ids) and are stable across
 *   retries, so every call is idempotent for the same id; releasing / deleting something already
 *   gone succeeds (cleanup may run again after a crash).
 * - A snapshot is point-in-time: once `createSnapshot` returns, later writes to the source do not
 *   change it. That lets the runner resume a VM or thaw a guest right after it, before the copy.
 * - Failures are `DriverError`s (errors.ts) with a fault code and retryability.
 */
import type { SnapshotScope, VolumeRef } from '../engine/driver';
import type { PowerState, VirtualDisk } from '../engine/inventory';
import type { DiskChangeTracking } from '../engine/types';
import type { CallOptions, TransferOptions } from './call';

export interface CreateSnapshotRequest<Scope extends SnapshotScope = SnapshotScope> {
  snapshotId: string;
  scope: Scope;
  /** Virtual disks whose data the snapshot must hold (the runner copies exactly these later). */
  diskIds: string[];
  /**
   * Ask the hypervisor to quiesce the guest(s) (Hyper-V VSS writer online backup, Xen VSS
   * provider). A quiesce failure is a `vss-writer-timeout` DriverError; the runner then follows
   * the job's consistency policy (fail, or retry with `isQuiesced: false`).
   */
  isQuiesced: boolean;
  /**
   * Array snapshots that fence writes (ONTAP's two-phase consistency-group snapshot): called once
   * the fence is up and before the commit, so the runner thaws the guests it froze and runs their
   * post-thaw scripts while the array holds their writes, and they stay frozen for seconds instead
   * of the whole snapshot call. It must
   * not throw (a thaw that fails is left to the thaw step). A driver that does not fence never
   * calls it; the runner then thaws after the snapshot returns.
   */
  whileFenced?: (signal: AbortSignal) => Promise<void>;
}
/** A VM snapshot's id, and the change tracking ids its disks had when it was taken, if the driver reads them. */
export interface HostSnapshotResult {
  snapshotId: string;
  changeTracking?: DiskChangeTracking[];
}
export type HostSnapshotScope = Extract<SnapshotScope, { kind: 'vm' | 'host-volumes' }>;
export type ArraySnapshotScope = Extract<SnapshotScope, { kind: 'array-volumes' }>;

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

export interface RestoreDisksRequest {
  restorePointId: string;
  vmId: string;
  /** in-place replaces the VM's disks; as-new creates `newVmName`; scratch writes to a scratch folder. */
  target: 'in-place' | 'as-new' | 'scratch';
  newVmName?: string;
  /**
   * As-new with a placement: the new VM's disks (on the chosen volume), one per disk of the point;
   * a driver that places disks itself writes each stored disk to its new disk.
   */
  newDisks?: { fromDiskId: string; disk: VirtualDisk }[];
  /** As-new: start the new VM once its disks are written and verified (else it is left off). */
  powerOn?: boolean;
}

export interface RestoreResult {
  bytes: number;
  /** Every restored file was re-hashed and matched the manifest. */
  verified: boolean;
  /**
   * As-new on a connector whose syncs read VMs by the hypervisor's own id: the id the created VM
   * has there, and the id of each restored disk (by the point's disk id). The runner records the
   * VM under these ids, so the next sync finds it instead of adding it twice (and marking the
   * restore's record gone). Absent where the inventory ids are Migawka's own (the lab).
   */
  createdVm?: { vmId: string; diskIds: Record<string, string> };
  /**
   * As-new: the new VM's power state as the host answered it after the restore (and the start, if
   * asked); absent when the host's answer is a state Migawka does not know.
   */
  powerState?: PowerState;
}

export interface RevertVolumeRequest {
  volume: VolumeRef;
  /** The points of one capture (one per VM on the volume) whose data the volume rolls back to. */
  restorePointIds: string[];
  /** Every VM on the volume; running ones are stopped for the revert. */
  vmIds: string[];
  /** The other LUNs of the volume's consistency group (snapshotted together), reverted with it. */
  groupVolumeIds?: string[];
}

export interface StageVolumeRequest {
  stagingId: string;
  volume: VolumeRef;
  restorePointIds: string[];
  /** The other LUNs of the volume's consistency group (snapshotted together), staged with it. */
  groupVolumeIds?: string[];
}

export interface CopyOutVmRequest {
  stagingId: string;
  restorePointId: string;
  vmId: string;
  /** in-place replaces the VM (it must be off); as-new creates `newVmName`. */
  target: 'in-place' | 'as-new';
  newVmName?: string;
  /**
   * Staged by an array (stagedLuns): the staged clone's LUNs, each with the live LUN it copies, as
   * the VM's host sees them. Absent when the host staged the volume itself (Windows Server Backup).
   */
  luns?: ExposedLun[];
}

/** Where a stored disk came from: where an in-place restore writes it back, and which volumes it sat on. */
export interface DiskOrigin {
  /** Connector-specific location of the live disk (lab: path under the lab root; Hyper-V: the VHDX path). */
  location: string;
  hostVolumeId: string | null;
  arrayVolumeId: string | null;
}

/** One disk handed to the repository: its size, its origin and a reader of its bytes. */
export interface DiskSource {
  diskId: string;
  bytes: number;
  origin: DiskOrigin;
  read(signal: AbortSignal): AsyncIterable<Uint8Array>;
}

export interface StorePointRequest {
  restorePointId: string;
  vmId: string;
  /** Snapshot the data was read from; null for in-guest agent copies. */
  snapshotId: string | null;
  disks: DiskSource[];
}

export interface StoredPointFile extends StoredFile {
  origin: DiskOrigin;
}

/** What the repository holds for one restore point (its manifest). */
/** A LUN of an array snapshot made visible to the hosts that see the live LUN (exposeSnapshot). */
export interface ExposedLun {
  arrayVolumeId: string;
  /** NAA id of the live LUN: the disk the host's volume sits on (Get-Disk's UniqueId). */
  sourceNaaId: string;
  /** NAA id of the snapshot's copy the host now sees (a FlexClone's LUN has its own serial). */
  naaId: string;
  /**
   * The copy is an iSCSI target of its own that the host logs in to before it sees the disk, and
   * out of once it is done (EqualLogic: every volume, so every clone, is a target). Absent when
   * the array maps the copy to targets the host is already logged in to (ONTAP igroups).
   */
  iscsi?: { portal: string; target: string };
}

export interface ExposeSnapshotRequest {
  snapshotId: string;
  /** Names what is made (clones), so a retry finds it and a cleanup removes it; the restore point id. */
  exposureId: string;
  arrayVolumeIds: string[];
}

export interface CopyFromArrayRequest extends CopyToRepositoryRequest {
  luns: ExposedLun[];
}

export interface StoredPoint {
  restorePointId: string;
  vmId: string;
  snapshotId: string | null;
  files: StoredPointFile[];
  /** Measured state of the guest application in the stored data; absent/null when unknown. */
  applicationState?: ApplicationState | null;
}

export interface RepositoryCapacity {
  usedBytes: number;
  /** Null when the repository is unbounded. */
  quotaBytes: number | null;
}

/** Operations on whole volumes, which both a host (WSB volume recovery) and an array (LUN) offer. */
export interface VolumeRestorer {
  /** Rolls the volume back to the points' data; every VM on it is stopped first. */
  revertVolume(
    request: RevertVolumeRequest,
    repository: BackupRepository,
    options: TransferOptions,
  ): Promise<RestoreResult>;
  /** Staged restore: restore the volume's points into a scratch area, touching nothing live. */
  stageVolume(
    request: StageVolumeRequest,
    repository: BackupRepository,
    options: TransferOptions,
  ): Promise<RestoreResult>;
  /** Undo of stageVolume: delete the scratch area. */
  discardStaging(stagingId: string, options: CallOptions): Promise<void>;
}

export interface HypervisorDriver extends VolumeRestorer {
  /** Connector name for logs ("lab", "hyperv", "xapi"). */
  readonly connector: string;

  getPowerState(vmId: string, options: CallOptions): Promise<PowerState>;
  /** Hyper-V offline backup: put a running VM into saved state (downtime starts). */
  saveState(vmId: string, options: CallOptions): Promise<void>;
  /** Undo of saveState (and of the stop done by a volume revert): resume the VM. */
  resume(vmId: string, options: CallOptions): Promise<void>;

  /** Quiesce the guest file systems (VSS inside Windows, fsfreeze on Linux) within `freezeTimeoutMs`. */
  freezeGuest(vmId: string, freezeTimeoutMs: number, options: CallOptions): Promise<void>;
  thawGuest(vmId: string, options: CallOptions): Promise<void>;
  /** Runs a script inside the guest; a non-zero exit is a result, a timeout is `script-failed`. */
  runGuestScript(vmId: string, script: ScriptRun, options: CallOptions): Promise<ScriptResult>;
  /** Flush the host's write cache for a volume so the array sees every acknowledged write. */
  flushHostIo(hostVolumeId: string, options: CallOptions): Promise<void>;

  /** A VM snapshot (checkpoint, XAPI snapshot) or a WSB VSS snapshot set over host volumes. */
  createSnapshot(
    request: CreateSnapshotRequest<HostSnapshotScope>,
    options: CallOptions,
  ): Promise<HostSnapshotResult>;
  releaseSnapshot(snapshotId: string, options: CallOptions): Promise<void>;

  /** Reads the snapshot's disks of one VM into the repository (a host-side copy). */
  copySnapshotToRepository(
    request: CopyToRepositoryRequest,
    repository: BackupRepository,
    options: TransferOptions,
  ): Promise<CopyResult>;
  /**
   * Reads one VM's disks out of an array snapshot the array exposed to this host (exposeSnapshot):
   * brings the copies' disks online, reads the VM's files from them, and takes the disks offline
   * again. Optional: a connector without it copies array snapshots some other way (the lab).
   */
  copyFromArrayLuns?(
    request: CopyFromArrayRequest,
    repository: BackupRepository,
    options: TransferOptions,
  ): Promise<CopyResult>;
  /** guest-agent method: the agent copies disks from inside the guest under in-guest VSS. */
  copyWithGuestAgent(
    request: AgentCopyRequest,
    repository: BackupRepository,
    options: TransferOptions,
  ): Promise<CopyResult>;
  /** Writes a point's disks back: over the VM (in place), as a new VM, or into scratch. */
  restoreDisks(
    request: RestoreDisksRequest,
    repository: BackupRepository,
    options: TransferOptions,
  ): Promise<RestoreResult>;
  /** Copies one VM out of a staged volume (stageVolume) into place or as a new VM. */
  copyOutVm(
    request: CopyOutVmRequest,
    repository: BackupRepository,
    options: TransferOptions,
  ): Promise<RestoreResult>;
}

export interface ArrayDriver extends VolumeRestorer {
  readonly connector: string;
  /**
   * A LUN snapshot, atomic across a consistency group when `scope.consistencyGroupId` is set;
   * `name` is what the array calls it (shown on a point that keeps it), when not the id itself.
   */
  createSnapshot(
    request: CreateSnapshotRequest<ArraySnapshotScope>,
    options: CallOptions,
  ): Promise<{ snapshotId: string; name?: string }>;
  releaseSnapshot(snapshotId: string, options: CallOptions): Promise<void>;
  /**
   * Makes the snapshot's LUNs readable by the hosts that see the live ones (ONTAP: a FlexClone of
   * the snapshot, its LUNs mapped to the live LUNs' igroups), named after `exposureId`; repeated,
   * it finds what it made. Optional: an array without it leaves the copy to the hypervisor alone.
   */
  exposeSnapshot?(request: ExposeSnapshotRequest, options: CallOptions): Promise<ExposedLun[]>;
  /** Undo of exposeSnapshot (unmap, delete); nothing left is fine. releaseSnapshot does it too. */
  withdrawExposure?(exposureId: string, options: CallOptions): Promise<void>;
  /**
   * The LUNs stageVolume made for `stagingId` (the clone's LUN per live LUN of `arrayVolumeIds` it
   * holds, by NAA id), mapped where the live LUNs are so the VM's host can copy the VM out of them.
   * Optional: an array without it stages for a staging host only.
   */
  stagedLuns?(request: StagedLunsRequest, options: CallOptions): Promise<ExposedLun[]>;
}

export interface StagedLunsRequest {
  stagingId: string;
  /** The staged volume's LUN and the other LUNs of its consistency group. */
  arrayVolumeIds: string[];
}

export interface BackupRepository {
  readonly connector: string;
  /** Stores a point's disks with a sha256 per file; the manifest is written last (idempotent by id). */
  store(request: StorePointRequest, options: TransferOptions): Promise<CopyResult>;
  /** The point's manifest; null when the repository holds nothing for it. */
  read(restorePointId: string, options: CallOptions): Promise<StoredPoint | null>;
  /** Streams one stored file of a point. */
  readFile(restorePointId: string, diskId: string, options: CallOptions): Promise<AsyncIterable<Uint8Array>>;
  /** Re-hashes the stored data against its manifest. */
  verify(restorePointId: string, options: CallOptions): Promise<VerifyResult>;
  /** Deletes a point's data (retention, manual delete, discarded newer points); gone already is fine. */
  delete(restorePointId: string, options: CallOptions): Promise<void>;
  capacity(options: CallOptions): Promise<RepositoryCapacity>;
}
