/**
 * Plans made once (DESIGN.md): a plan is made from the neighbourhood of what the request names,
 * never the whole inventory, and comes with the fingerprint of what it was made from. The review
 * returns both; the start brings the fingerprint back, and the same estate gives the very plan the
 * operator reviewed, so that plan is the one checked and enqueued. When the estate changed in
 * between, the start is refused (CONFLICT) and the wizard shows the new review.
 */
import type { Stores } from '../../db/stores/ports';
import type { JobRecord } from '../../db/stores/ports/job-store';
import type { RestorePointRecord } from '../../db/stores/ports/restore-point-store';
import type { ServiceContext } from '../context';
import { planBackup } from '../engine/backup-plan';
import { planFingerprint } from '../engine/fingerprint';
import { type InventoryIndex, indexInventory } from '../engine/inventory';
import { backupSeeds, newVmNamesOf, restoreSeeds, withNamedVms } from '../engine/neighbourhood';
import type { BackupPlan, RestorePlan } from '../engine/plan-types';
import { planRestore } from '../engine/restore-plan';
import type { RestorePointSummary } from '../engine/restore-points';
import type { RetentionPolicy } from '../engine/step-params';
import type { BackupRequest, RestoreRequest } from '../schemas/operations';
import { DomainError, pointNotFound } from './errors';

/**
 * A plan and the fingerprint of what it was made from (its neighbourhood, and for a restore the
 * points it read): a start that brings the reviewed fingerprint back runs this very plan, or is
 * refused by `assertSameEstate` when the estate no longer gives the same fingerprint.
 */
export interface FingerprintedPlan<P> {
  plan: P;
  fingerprint: string;
}

export const ESTATE_CHANGED_MESSAGE = 'The estate changed since you reviewed this plan';

/** CONFLICT: the plan would no longer be the one reviewed; the wizard shows the new review. */
export function assertSameEstate(reviewedFingerprint: string, current: FingerprintedPlan<unknown>): void {
  if (reviewedFingerprint === current.fingerprint) return;
  throw new DomainError('CONFLICT', `${ESTATE_CHANGED_MESSAGE}: review it again before starting`, [
    { path: 'fingerprint', message: `${ESTATE_CHANGED_MESSAGE}: review it again` },
  ]);
}

export interface BackupJobContext {
  id: string;
  retention: RetentionPolicy;
  timeZone: string;
}

export function jobContextOf(job: JobRecord): BackupJobContext {
  return { id: job.id, retention: job.retentionJson as unknown as RetentionPolicy, timeZone: job.timeZone };
}

/** Plans over the neighbourhood of the scope only (the plan over the whole estate would be the same). */
export async function planBackupFor(
  stores: Stores,
  ctx: ServiceContext,
  request: BackupRequest,
  job?: BackupJobContext,
): Promise<FingerprintedPlan<BackupPlan>> {
  const seeds = backupSeeds(request.scope);
  const neighbourhood = await stores.inventory.loadNeighbourhood(seeds.vmIds, seeds.also);
  const index = indexInventory(neighbourhood);
  const lastKnownVmNames = await lastKnownNamesOfMissing(stores, index, seeds.vmIds);
  return {
    plan: planBackup(index, request, { now: ctx.now(), newId: ctx.newId, job, lastKnownVmNames }),
    fingerprint: planFingerprint(neighbourhood),
  };
}

/** The last known names of the VMs among `vmIds` the inventory lacks (read only then). */
async function lastKnownNamesOfMissing(
  stores: Stores,
  index: InventoryIndex,
  vmIds: readonly string[],
): Promise<Map<string, string>> {
  return lastKnownVmNames(
    stores,
    vmIds.filter((vmId) => !index.vmsById.has(vmId)),
  );
}

/**
 * The names VMs the inventory no longer has were last known by: the name each had when it left
 * the inventory, else the one its newest restore point recorded (a VM deleted before its name was
 * kept on deletion). A VM neither knows is left out.
 */
export async function lastKnownVmNames(
  stores: Pick<Stores, 'inventory' | 'restorePoints'>,
  missingVmIds: readonly string[],
): Promise<Map<string, string>> {
  if (missingVmIds.length === 0) return new Map();
  const names = await stores.inventory.removedVmNames(missingVmIds);
  const unnamed = missingVmIds.filter((vmId) => !names.has(vmId));
  if (unnamed.length > 0) {
    for (const row of await stores.restorePoints.pointCountsByVm(unnamed)) names.set(row.vmId, row.vmName);
  }
  return names;
}

/** The refusal of a plan the engine says cannot run, naming every blocked reason. */
export function planBlockedError(kind: 'backup' | 'restore', reasons: string[]): DomainError {
  return new DomainError(
    'PRECONDITION_FAILED',
    `The ${kind} cannot run: ${reasons.join('; ')}`,
    reasons.map((message) => ({ path: kind === 'backup' ? 'scope' : 'mode', message })),
  );
}

/**
 * A job is saved only if its backup could start now: the same plan and the same refusal as
 * `backups.start`, so no job is saved that can never run.
 */
export async function assertBackupRunnable(
  stores: Stores,
  ctx: ServiceContext,
  request: BackupRequest,
): Promise<void> {
  const { plan } = await planBackupFor(stores, ctx, request);
  if (!plan.isRunnable) throw planBlockedError('backup', plan.blockedReasons);
}

export function pointSummaryOf(row: RestorePointRecord): RestorePointSummary {
  return {
    id: row.id,
    vmId: row.vmId,
    vmName: row.vmName,
    method: row.method,
    consistency: row.consistency,
    consistencyReason: row.consistencyReason,
    captureState: row.captureState,
    createdAt: row.createdAt,
    hostVolumeId: row.hostVolumeId,
    arrayVolumeId: row.arrayVolumeId,
    snapshotId: row.snapshotId,
    heldDiskIds: row.heldDisksJson,
    missingDiskIds: row.missingDisksJson,
    sizeBytes: row.sizeBytes,
    jobId: row.jobId,
    expiresAt: row.expiresAt,
    location:
      row.locationKind === 'pool-snapshot' && row.locationRef
        ? {
            kind: 'pool-snapshot',
            snapshotId: row.locationRef,
            name: row.locationName ?? row.locationRef,
            includesMemory: row.includesMemory,
          }
        : row.locationKind === 'array-snapshot' && row.locationRef
          ? { kind: 'array-snapshot', snapshotId: row.locationRef, name: row.locationName ?? row.locationRef }
          : null,
    goneReason: row.goneSince ? (row.goneReason ?? 'its data was removed outside Migawka') : null,
  };
}

/**
 * Plans over what the restore reads only: the neighbourhood of the point's VM and of the volume it
 * was captured from, the VMs already bearing the new name, and the points on the same scope.
 */
export async function planRestoreFor(
  stores: Stores,
  ctx: ServiceContext,
  request: RestoreRequest,
): Promise<FingerprintedPlan<RestorePlan>> {
  const record = await stores.restorePoints.get(request.restorePointId);
  if (!record) throw pointNotFound();
  const point = pointSummaryOf(record);
  const seeds = restoreSeeds(point);
  // The volume chosen for a new VM is read with the point's neighbourhood (it may be elsewhere).
  const also = request.targetHostVolumeId
    ? { ...seeds.also, hostVolumeIds: [...(seeds.also.hostVolumeIds ?? []), request.targetHostVolumeId] }
    : seeds.also;
  const around = await stores.inventory.loadNeighbourhood(seeds.vmIds, also);
  // The VMs named like a new VM (a name clash) or like the point's VM (its namesakes: an overwrite
  // is then confirmed by its name and host, engine/restore-stages/checks.ts), wherever they are.
  const vmName = around.vms.find((vm) => vm.id === point.vmId)?.name ?? point.vmName;
  const neighbourhood = withNamedVms(
    around,
    await stores.inventory.findVmsByName([...newVmNamesOf(request), vmName]),
  );
  const pointsOnSameScope = (await stores.restorePoints.pointsOnSameScope(record)).map(pointSummaryOf);
  return {
    plan: planRestore(indexInventory(neighbourhood), point, request, {
      now: ctx.now(),
      pointsOnSameScope,
      newId: ctx.newId,
    }),
    fingerprint: planFingerprint(neighbourhood, [point, ...pointsOnSameScope]),
  };
}
