/**
 * Restore point catalogue: inspect (files with hashes, verification history, which restore modes
 * the point allows and why not), and queue a verify (re-hash the stored data) or a delete (stored
 * data, then the catalogue row) as operations the runner executes (server/engine/point-plan.ts).
 * Browsing is restore-point-browser-service.ts.
 */
import type { Stores } from '../../db/stores/ports';
import type { OperationRecord } from '../../db/stores/ports/operation-store';
import type { PointDeletionImpact, RestorePointRecord } from '../../db/stores/ports/restore-point-store';
import { actorLabel, type ServiceContext } from '../context';
import { indexInventory } from '../engine/inventory';
import { describeArraySnapshotDeletion } from '../engine/kept-snapshots';
import { restoreSeeds } from '../engine/neighbourhood';
import { describePlan } from '../engine/operation-rules';
import type { PointPlan } from '../engine/plan-types';
import { describePoint, planPointDelete, planPointVerify } from '../engine/point-plan';
import { describePartialPoint, listRestoreModes, type RestoreModeOption } from '../engine/restore-points';
import type { OperationStatus } from '../engine/statuses';
import { DomainError, deletedMeanwhile, pointNotFound } from './errors';
import { pointSummaryOf } from './plans';

type RestorePointRow = RestorePointRecord;

export interface RestorePointView {
  id: string;
  vmId: string;
  vmName: string;
  hostId: string | null;
  operationId: string | null;
  jobId: string | null;
  method: RestorePointRow['method'];
  consistency: RestorePointRow['consistency'];
  consistencyReason: string | null;
  captureState: RestorePointRow['captureState'];
  applicationState: RestorePointRow['applicationState'];
  createdAt: Date;
  hostVolumeId: string | null;
  arrayVolumeId: string | null;
  heldDiskIds: string[];
  missingDiskIds: string[];
  /** RCT ids per held disk (Hyper-V); null when the method records none. */
  changeTracking: RestorePointRow['changeTrackingJson'];
  /** It does not hold every disk of its VM (stored by the catalog step). */
  isPartial: boolean;
  sizeBytes: number;
  expiresAt: Date | null;
  lastVerifiedAt: Date | null;
  lastVerdict: RestorePointRow['lastVerdict'];
  /** `pool-snapshot`: kept on the VM's XenServer pool as snapshot `locationName`; no repository files. */
  locationKind: RestorePointRow['locationKind'];
  locationName: string | null;
  /** A pool memory checkpoint (the snapshot holds the VM's RAM too). */
  includesMemory: boolean;
  /** What the operator should know about a pool point still there (its VM deleted on the pool). */
  locationNote: string | null;
  /** Its data vanished outside Migawka, and why: no restore is offered from it. */
  goneSince: Date | null;
  goneReason: string | null;
}

function viewOf(row: RestorePointRow): RestorePointView {
  return {
    id: row.id,
    vmId: row.vmId,
    vmName: row.vmName,
    hostId: row.hostId,
    operationId: row.operationId,
    jobId: row.jobId,
    method: row.method,
    consistency: row.consistency,
    consistencyReason: row.consistencyReason,
    captureState: row.captureState,
    applicationState: row.applicationState,
    createdAt: row.createdAt,
    hostVolumeId: row.hostVolumeId,
    arrayVolumeId: row.arrayVolumeId,
    heldDiskIds: row.heldDisksJson,
    missingDiskIds: row.missingDisksJson,
    changeTracking: row.changeTrackingJson ?? null,
    isPartial: row.isPartial,
    sizeBytes: row.sizeBytes,
    expiresAt: row.expiresAt,
    lastVerifiedAt: row.lastVerifiedAt,
    lastVerdict: row.lastVerdict,
    locationKind: row.locationKind,
    locationName: row.locationName,
    includesMemory: row.includesMemory,
    locationNote: row.locationNote,
    goneSince: row.goneSince,
    goneReason: row.goneReason,
  };
}

export interface RestorePointDetail {
  point: RestorePointView;
  files: { diskId: string; path: string; sha256: string; bytes: number }[];
  verifications: { at: Date; verdict: string; details: Record<string, unknown> }[];
  restoreModes: RestoreModeOption[];
  /** The disks' names where the inventory still knows them ("file01 data"), by disk id. */
  diskNames: Record<string, string>;
  /** "holds 1 of 2 disks of file01; not held: fs-01 data (physical disk)"; null for a complete point. */
  partial: string | null;
}

async function requirePoint(stores: Stores, id: string): Promise<RestorePointRow> {
  const row = await stores.restorePoints.get(id);
  if (!row) throw pointNotFound();
  return row;
}

export async function getRestorePoint(stores: Stores, id: string): Promise<RestorePointDetail> {
  const row = await requirePoint(stores, id);
  const point = pointSummaryOf(row);
  // The modes depend on the point's storage and what shares it: its neighbourhood, not the estate.
  const seeds = restoreSeeds(point);
  const [neighbourhood, files, verifications] = await Promise.all([
    stores.inventory.loadNeighbourhood(seeds.vmIds, seeds.also),
    stores.restorePoints.files(id),
    stores.restorePoints.verifications(id),
  ]);
  const index = indexInventory(neighbourhood);
  const disks = index.disksByVm.get(point.vmId) ?? [];
  return {
    point: viewOf(row),
    files: files.map(({ diskId, path, sha256, bytes }) => ({ diskId, path, sha256, bytes })),
    verifications: verifications.map((verification) => ({
      at: verification.at,
      verdict: verification.verdict,
      details: verification.detailsJson,
    })),
    restoreModes: listRestoreModes(point, index),
    diskNames: Object.fromEntries(disks.map((disk) => [disk.id, disk.name])),
    partial: describePartialPoint(
      point,
      (diskId) => disks.find((candidate) => candidate.id === diskId)?.name ?? diskId,
    ),
  };
}

/** A verify or delete of a point, queued as an operation: the client follows it by its id. */
export interface StartedPointOperation {
  operationId: string;
  status: OperationStatus;
  plan: PointPlan;
  /** The operation's title, naming the point ("Verify the 2026-03-01 10:05 UTC point of sql01"). */
  title: string;
  point: { id: string; vmId: string; vmName: string; createdAt: Date };
}

async function enqueuePointPlan(
  stores: Stores,
  ctx: ServiceContext,
  plan: PointPlan,
  options: { retryOfId?: string | null },
): Promise<OperationRecord> {
  return stores.operations.enqueue(
    plan,
    { restorePointId: plan.restorePointId },
    {
      id: `op-${ctx.newId()}`,
      now: ctx.now(),
      requestedBy: actorLabel(ctx.actor),
      retryOfId: options.retryOfId ?? null,
    },
  );
}

function startedOf(operation: OperationRecord, row: RestorePointRow, plan: PointPlan): StartedPointOperation {
  return {
    operationId: operation.id,
    status: operation.status,
    plan,
    title: describePlan(plan),
    point: { id: row.id, vmId: row.vmId, vmName: row.vmName, createdAt: row.createdAt },
  };
}

/**
 * Queues a re-hash of the point's stored data against its manifest. The runner records the verdict
 * on the point with who asked; a point that is not intact fails the operation, naming the verdict.
 */
export async function startPointVerify(
  stores: Stores,
  ctx: ServiceContext,
  id: string,
  options: { retryOfId?: string | null } = {},
): Promise<StartedPointOperation> {
  const row = await requirePoint(stores, id);
  const plan = planPointVerify(row);
  return startedOf(await enqueuePointPlan(stores, ctx, plan, options), row, plan);
}

/**
 * Queues the deletion of a point (data, then row), with what it leaves behind. Refused at once
 * while a restore from the point is active; a restore that starts after this check still cannot
 * run beside the delete: both lock the point, and admission (in the claim transaction) makes the
 * one queued second wait.
 */
export async function startPointDelete(
  stores: Stores,
  ctx: ServiceContext,
  id: string,
  options: { retryOfId?: string | null } = {},
): Promise<StartedPointOperation & { impact: PointDeletionImpact }> {
  const row = await requirePoint(stores, id);
  const active = await stores.restorePoints.activeRestoresOf(id);
  if (active.length > 0) {
    // Named by their titles, as the operations list shows them, not by their ids.
    const restores = await Promise.all(active.map((operationId) => stores.operations.get(operationId)));
    const titles = restores.map((restore, i) => `“${restore?.title ?? active[i]}”`);
    throw new DomainError(
      'CONFLICT',
      `${capitalize(describePoint(row))} is in use by the restore ${titles.join(', ')}; delete it when the restore has finished (Operations)`,
    );
  }
  const impact = await stores.restorePoints.deletionImpact(id);
  if (!impact) throw deletedMeanwhile('Restore point', describePoint(row));
  const arraySnapshot = row.snapshotId
    ? describeArraySnapshotDeletion(row, await stores.restorePoints.pointsOfSnapshot(row.snapshotId))
    : null;
  const plan = planPointDelete(row, actorLabel(ctx.actor), arraySnapshot);
  return { ...startedOf(await enqueuePointPlan(stores, ctx, plan, options), row, plan), impact };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
