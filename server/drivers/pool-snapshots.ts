/**
 * The role of a hypervisor whose pool keeps VM snapshots that are restore points of their own
 * (location `pool-snapshot`, catalogued by the XAPI pool sync): read one live, destroy it with its
 * disks, revert its VM to it, power the VM as it was at the snapshot, and copy it into a new VM. Only the `xapi` connector
 * has it; for any other driver the steps fail `connector-missing` instead of guessing.
 */
import { DriverError } from '../engine/driver';
import type { CallOptions, TransferOptions } from './call';
import type { HypervisorDriver } from './roles';

/** A pool snapshot as the pool answers now; null from `readPoolSnapshot` when the pool has no such snapshot. */
export interface PoolSnapshotState {
  /** The snapshot's name on the pool. */
  name: string;
  /** The VM it is a snapshot of (`xen:<uuid>`); null when that VM was deleted (xapi keeps its snapshots). */
  vmId: string | null;
  /** How many disks (VDIs) the snapshot holds. */
  diskCount: number;
  /** The VM's power state when the snapshot was taken, as XAPI names it ("Running", "Halted"). */
  powerStateAtSnapshot: string | null;
  /** A memory checkpoint: the snapshot also holds the VM's RAM (a suspend VDI). */
  includesMemory: boolean;
}

/** A memory checkpoint just taken (or found again after a crash), as the catalogue needs it. */
export interface CheckpointTaken {
  /** The checkpoint's id (`xen:<uuid>`) and name on the pool. */
  snapshotId: string;
  name: string;
  takenAt: Date | null;
  /** The VM's disks it holds a copy of. */
  sourceDiskIds: string[];
  /** Its disks' and its memory image's size on the SRs. */
  sizeBytes: number;
  memoryBytes: number;
}

/** A restore as a new VM from a pool snapshot: the pool copies the snapshot into a new VM. */
export interface PoolSnapshotCopyRequest {
  /** The new VM's name on the pool (a VM of that name that is not this copy is refused). */
  newVmName: string;
  /** The SR (`xen:<uuid>`) every disk is copied onto; null: each disk stays on its own SR. */
  srId: string | null;
  /**
   * Start the copy once its disks are verified. A memory checkpoint's copy comes out suspended on a
   * copy of the checkpoint's RAM: on resumes it from that image; off shuts it down, which drops the
   * image (nothing is left suspended behind the operator's back).
   */
  powerOn: boolean;
  /**
   * The point's recorded sha256 by source disk id; null when it records none (a pool point holds no
   * copy in the repository): each disk of the copy is then compared with the snapshot's, read live.
   */
  expectedSha256: Record<string, string> | null;
}

export interface PoolSnapshotCopied {
  /** The new VM and its disks (source disk id → new disk id), as a pool sync reads them. */
  vmId: string;
  diskIds: Record<string, string>;
  /** The bytes read back from the copy's disks to verify them. */
  bytes: number;
  verifiedAgainst: 'point-hashes' | 'snapshot-read-live';
  /**
   * `memory-dropped`: a checkpoint's copy the operator did not power on, shut down from suspended
   * (VM.hard_shutdown destroys its copied memory image); it starts from its disks.
   */
  power: 'started' | 'resumed' | 'left-off' | 'memory-dropped';
}

export interface PoolSnapshotKeeper {
  readPoolSnapshot(snapshotId: string, options: CallOptions): Promise<PoolSnapshotState | null>;
  /**
   * `VM.checkpoint` (disks + RAM; the VM pauses briefly), journalled under `journalKey` so a
   * restarted worker waits on the same task, and named `name` so a step run again finds it instead of
   * taking a second one. The checkpoint stays on the pool.
   */
  takeCheckpoint(
    vmId: string,
    name: string,
    options: CallOptions & { journalKey: string },
  ): Promise<CheckpointTaken>;
  /** Destroys the snapshot VM, then its disks and its memory image; a snapshot already gone is fine. */
  destroyPoolSnapshot(snapshotId: string, options: CallOptions): Promise<void>;
  /** VM.revert (journalled task): the VM's disks go back to the snapshot, the VM is left as the snapshot was. */
  revertToPoolSnapshot(snapshotId: string, options: CallOptions): Promise<void>;
  /**
   * Starts the VM when the snapshot was of a running VM and it is off now, or resumes it when a
   * checkpoint's revert left it suspended; returns what it did.
   */
  restorePowerStateAfterRevert(
    snapshotId: string,
    options: CallOptions,
  ): Promise<'started' | 'resumed' | 'left-as-is'>;
  /**
   * A new VM copied from the snapshot (its disks full copies; the snapshot and its VM untouched),
   * its task journalled under `journalKey` and its progress reported over the snapshot's disk bytes,
   * its disks verified, then powered as asked.
   */
  copyPoolSnapshotAsNewVm(
    snapshotId: string,
    request: PoolSnapshotCopyRequest,
    options: TransferOptions & { journalKey: string },
  ): Promise<PoolSnapshotCopied>;
}

const KEEPER_METHODS = [
  'readPoolSnapshot',
  'takeCheckpoint',
  'destroyPoolSnapshot',
  'revertToPoolSnapshot',
  'restorePowerStateAfterRevert',
  'copyPoolSnapshotAsNewVm',
] as const;

/** The driver as a keeper of pool snapshots, or `connector-missing` naming its connector. */
export function poolSnapshotKeeper(driver: HypervisorDriver): PoolSnapshotKeeper {
  const candidate = driver as unknown as Record<string, unknown>;
  if (KEEPER_METHODS.every((method) => typeof candidate[method] === 'function')) {
    return driver as unknown as PoolSnapshotKeeper;
  }
  throw new DriverError(
    'connector-missing',
    `the ${driver.connector} connector keeps no snapshots on a pool: a pool-snapshot point needs the xapi connector`,
    { isRetryable: false },
  );
}
