/**
 * The restore point catalogue: what the runner's catalog, verify, retention and delete steps
 * write, and what the services read. Every write that announces itself appends its operation
 * event in the same transaction.
 */

import { type Column, type SQL, sql, type Table } from 'drizzle-orm';
import type { ApplicationState, VerificationVerdict } from '../../../server/engine/statuses';
import type { BackupMethod, Consistency } from '../../../server/engine/types';
import type { RestorePointSort } from '../../../server/schemas/wizard';
import type { pointVerifications, restorePointFiles, restorePoints } from '../../schema';
import type { Page } from './page';

export type RestorePointRecord = typeof restorePoints.$inferSelect;
export type RestorePointFileRecord = typeof restorePointFiles.$inferSelect;
export type PointVerificationRecord = typeof pointVerifications.$inferSelect;

/** A point as the catalog step writes it; the store resolves the VM's host itself. */
export type NewRestorePoint = Omit<
  RestorePointRecord,
  | 'hostId'
  | 'expiresAt'
  | 'lastVerifiedAt'
  | 'lastVerdict'
  | 'applicationState'
  | 'locationKind'
  | 'locationRef'
  | 'locationName'
  | 'goneSince'
  | 'goneReason'
  | 'changeTrackingJson'
  | 'includesMemory'
  | 'locationNote'
> & {
  applicationState: ApplicationState | null;
  changeTrackingJson?: RestorePointRecord['changeTrackingJson'];
  /** A pool memory checkpoint (pool-snapshot points only); false when absent. */
  includesMemory?: boolean;
};

/** A snapshot a pool lists now, as a point of its VM (the catalogue keeps it under `id`). */
export interface PoolSnapshotPoint {
  point: NewRestorePoint;
  /** The snapshot VM's id (`xen:<uuid>`) and its name on the pool. */
  snapshotRef: string;
  snapshotName: string;
}

export interface PoolSnapshotsInput {
  /** The pool's hosts: its stored pool-snapshot points are those of VMs on these hosts. */
  hostIds: readonly string[];
  /** Every snapshot the pool lists now (the sync's whole view of it). */
  snapshots: readonly PoolSnapshotPoint[];
  /**
   * Snapshots the pool still lists whose VM it no longer has (xapi keeps a deleted VM's snapshots):
   * their stored points stay (not gone), with `note` saying why; none is added.
   */
  orphans?: readonly { pointId: string; note: string }[];
  now: Date;
  /** Why a stored pool-snapshot point the pool no longer lists is gone, in words. */
  goneReason: string;
}

export interface PoolSnapshotsResult {
  added: { id: string; vmName: string; name: string }[];
  gone: { id: string; vmName: string; name: string }[];
  /**
   * Points marked gone that the pool lists again: back, with the last verdict a verify recorded
   * (none: not verified). A sync whose view was read before a snapshot was taken (another node's
   * watcher, or a checkpoint step, catalogued it since) marks it gone; the next view lists it.
   */
  reappeared: { id: string; vmName: string; name: string }[];
}

export interface CatalogInput {
  point: NewRestorePoint;
  files: { diskId: string; path: string; sha256: string; bytes: number }[];
  /** The operation whose catalog step writes it (its `restore-point.created` event). */
  operationId: string;
  now: Date;
  /**
   * The backup kept the point's array snapshot on the array (not released): the point is catalogued
   * at location `array-snapshot` with the snapshot's id and name there. Absent: `repository`.
   */
  keptOnArray?: { snapshotRef: string; snapshotName: string } | null;
}

export interface VerificationInput {
  pointId: string;
  verdict: VerificationVerdict;
  details: Record<string, unknown>;
  now: Date;
  /** actorLabel() of who asked for it. */
  requestedBy: string;
  /** The verify operation, if any: its `restore-point.verified` event. */
  operationId?: string | null;
}

export interface DeletePointInput {
  pointId: string;
  /** The operation that deletes it (retention, revert, delete); else the point's own operation. */
  operationId: string | null;
  reason: string;
  now: Date;
}

export interface VmPointCount {
  vmId: string;
  vmName: string;
  points: number;
}

/** The browser's filters (each an indexed column), its order and its keyset cursor. */
export interface RestorePointBrowseQuery {
  vmId?: string;
  hostId?: string;
  method?: BackupMethod;
  consistency?: Consistency;
  jobId?: string;
  createdFrom?: Date;
  createdTo?: Date;
  sort: RestorePointSort;
  cursor?: string;
  limit: number;
}

export interface RestorePointBrowseItem {
  id: string;
  vmId: string;
  vmName: string;
  hostId: string | null;
  hostName: string | null;
  operationId: string | null;
  jobId: string | null;
  method: BackupMethod;
  consistency: Consistency;
  consistencyReason: string | null;
  captureState: RestorePointRecord['captureState'];
  createdAt: Date;
  heldDiskIds: string[];
  missingDiskIds: string[];
  isPartial: boolean;
  sizeBytes: number;
  expiresAt: Date | null;
  lastVerifiedAt: Date | null;
  lastVerdict: RestorePointRecord['lastVerdict'];
  /** `pool-snapshot`: a snapshot kept on the VM's XenServer pool, named `locationName` there. */
  locationKind: RestorePointRecord['locationKind'];
  locationName: string | null;
  /** A pool memory checkpoint: the snapshot holds the VM's RAM as well. */
  includesMemory: boolean;
  /** What the operator should know about a pool point still there (its VM deleted on the pool). */
  locationNote: string | null;
  /** Its data vanished outside Migawka: shown, never offered for a restore. */
  goneSince: Date | null;
  goneReason: string | null;
}

export interface PointDeletionImpact {
  pointId: string;
  vmId: string;
  vmName: string;
  /** True when deleting leaves the VM with no restore point at all. */
  isOnlyPointOfVm: boolean;
}

export interface RestorePointStore {
  /**
   * Inserts the point and its files and appends `restore-point.created`. Idempotent: a resumed
   * catalog step finds the point of (operation, VM) already there and returns false.
   */
  catalog(input: CatalogInput): Promise<boolean>;
  /** Records a verdict and the point's last verification in one transaction. */
  recordVerification(input: VerificationInput): Promise<void>;
  /**
   * Removes the catalogue row (files and verifications go with it) and appends
   * `restore-point.deleted`. Returns the removed row, or null when it was already gone.
   */
  deletePoint(input: DeletePointInput): Promise<RestorePointRecord | null>;
  /** A job's points of one VM: what retention chooses from, with what makes each good or not. */
  retentionCandidates(
    jobId: string,
    vmId: string,
  ): Promise<
    Pick<
      RestorePointRecord,
      'id' | 'createdAt' | 'locationKind' | 'isPartial' | 'lastVerdict' | 'goneSince'
    >[]
  >;
  /**
   * How many points each of these VMs has, with the VM's name as its newest point recorded it (a VM
   * an import removes keeps its points, which then point at nothing). VMs without points are left out.
   */
  pointCountsByVm(vmIds: readonly string[]): Promise<VmPointCount[]>;
  get(pointId: string): Promise<RestorePointRecord | null>;
  /** Points that share a scope with `point` (same volume for volume-level methods, else same VM). */
  pointsOnSameScope(point: RestorePointRecord): Promise<RestorePointRecord[]>;
  /**
   * The points read from one snapshot (one capture: every VM on the snapshotted LUNs), oldest
   * first: the points that share an array snapshot kept on the array.
   */
  pointsOfSnapshot(snapshotId: string): Promise<RestorePointRecord[]>;
  /** Filtered, sorted and keyset-paged in the database (built for a million points). */
  browse(query: RestorePointBrowseQuery): Promise<Page<RestorePointBrowseItem>>;
  files(pointId: string): Promise<RestorePointFileRecord[]>;
  /** Newest first. */
  verifications(pointId: string, limit?: number): Promise<PointVerificationRecord[]>;
  /** What deleting the point would leave behind; null when the point does not exist. */
  deletionImpact(pointId: string): Promise<PointDeletionImpact | null>;
  /** Active restore operations (queued to cancelling) that restore from this point. */
  activeRestoresOf(pointId: string): Promise<string[]>;
  /** Active deletions of this point (queued to cancelling): a restore from it would find it gone. */
  activeDeletionsOf(pointId: string): Promise<string[]>;
  /**
   * Catalogues the snapshots a pool lists as points kept on the pool (a point already there keeps
   * its row; its snapshot's name follows a rename), and marks gone, with the reason, every stored
   * pool-snapshot point of the pool's hosts the pool no longer lists. Nothing is deleted.
   */
  recordPoolSnapshots(input: PoolSnapshotsInput): Promise<PoolSnapshotsResult>;
  /** VMs of an operation that got their point (retry-failed retries the others). */
  vmIdsCataloguedBy(operationId: string): Promise<string[]>;
}

/**
 * What a sync (or the checkpoint step) rewrites on a pool point it lists again: the snapshot's
 * name (renamed on the pool), no note (its VM is listed), and the job of a checkpoint Migawka took
 * when the pool's watcher catalogued it first (a job's retention prunes only its own points).
 */
export function listedAgain(
  point: NewRestorePoint,
  snapshotName: string,
): Partial<
  Pick<RestorePointRecord, 'locationName' | 'locationNote' | 'jobId' | 'includesMemory' | 'consistencyReason'>
> {
  return {
    locationName: snapshotName,
    locationNote: null,
    ...(point.jobId ? { jobId: point.jobId, consistencyReason: point.consistencyReason } : {}),
    ...(point.includesMemory ? { includesMemory: true } : {}),
  };
}

/**
 * What a gone pool point the pool lists again is set to (either database's tables): not gone, and
 * its last verdict the last a verify recorded (none: not verified), no longer the 'missing' the sync
 * wrote when it marked it gone.
 */
export function reappearedColumns(
  pointId: Column,
  verifications: Table & { pointId: Column; verdict: Column; at: Column; id: Column },
): { goneSince: null; goneReason: null; lastVerdict: SQL; lastVerifiedAt: SQL } {
  const ofPoint = sql`${verifications.pointId} = ${pointId}`;
  return {
    goneSince: null,
    goneReason: null,
    lastVerdict: sql`(select ${verifications.verdict} from ${verifications} where ${ofPoint}
      order by ${verifications.at} desc, ${verifications.id} desc limit 1)`,
    lastVerifiedAt: sql`(select max(${verifications.at}) from ${verifications} where ${ofPoint})`,
  };
}
