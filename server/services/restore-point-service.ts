/**
 * Restore point catalogue: inspect (files with hashes, verification history, which restore modes
 * the point allows and why not), verify (re-hash the stored data through the driver) and delete
 * (stored data, then the catalogue row). Browsing is restore-point-browser-service.ts.
 */
import type { Stores } from '../../db/stores/ports';
import type { RestorePointRecord } from '../../db/stores/ports/restore-point-store';
import { actorLabel, type ServiceContext } from '../context';
import type { BackupRepository } from '../drivers/roles';
import { indexInventory } from '../engine/inventory';
import { restoreSeeds } from '../engine/neighbourhood';
import { listRestoreModes, type RestoreModeOption } from '../engine/restore-points';
import { getProcessDriverRegistry } from '../jobs/runtime';
import { STEP_HANDLERS } from '../jobs/steps';
import { deletePoint, verifyAndRecord } from '../jobs/steps/points';
import { DomainError, notFound } from './errors';
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
  sizeBytes: number;
  expiresAt: Date | null;
  lastVerifiedAt: Date | null;
  lastVerdict: RestorePointRow['lastVerdict'];
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
    sizeBytes: row.sizeBytes,
    expiresAt: row.expiresAt,
    lastVerifiedAt: row.lastVerifiedAt,
    lastVerdict: row.lastVerdict,
  };
}

export interface RestorePointDetail {
  point: RestorePointView;
  files: { diskId: string; path: string; sha256: string; bytes: number }[];
  verifications: { at: Date; verdict: string; details: Record<string, unknown> }[];
  restoreModes: RestoreModeOption[];
}

async function requirePoint(stores: Stores, id: string): Promise<RestorePointRow> {
  const row = await stores.restorePoints.get(id);
  if (!row) throw notFound('Restore point', id);
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
  return {
    point: viewOf(row),
    files: files.map(({ diskId, path, sha256, bytes }) => ({ diskId, path, sha256, bytes })),
    verifications: verifications.map((verification) => ({
      at: verification.at,
      verdict: verification.verdict,
      details: verification.detailsJson,
    })),
    restoreModes: listRestoreModes(point, indexInventory(neighbourhood)),
  };
}

/** Re-hashes the point's stored data against its manifest and records the verdict (and who asked). */
/** A driver call made inside a request: nothing cancels it, its deadline still bounds it. */
function requestCall(timeoutMs: number) {
  return { signal: new AbortController().signal, timeoutMs };
}

export interface PointServiceOptions {
  /** The backup repository (default: the process's, from the driver registry). */
  repository?: BackupRepository;
}

export async function verifyRestorePoint(
  stores: Stores,
  ctx: ServiceContext,
  id: string,
  options: PointServiceOptions = {},
): Promise<{ verdict: 'intact' | 'corrupt' | 'missing'; point: RestorePointView }> {
  await requirePoint(stores, id);
  const repository = options.repository ?? getProcessDriverRegistry().repository();
  const verdict = await verifyAndRecord(stores, repository, id, {
    now: ctx.now(),
    requestedBy: actorLabel(ctx.actor),
    call: requestCall(STEP_HANDLERS['verify-point'].deadlineMs),
  });
  return { verdict, point: viewOf(await requirePoint(stores, id)) };
}

/** Deletes a point (data, then row). Refused while an active restore uses it. */
export async function deleteRestorePoint(
  stores: Stores,
  ctx: ServiceContext,
  id: string,
  options: PointServiceOptions = {},
): Promise<void> {
  const point = await requirePoint(stores, id);
  const active = await stores.restorePoints.activeRestoresOf(id);
  if (active.length > 0) {
    throw new DomainError(
      'CONFLICT',
      `Restore point ${id} is in use by restore operation ${active.join(', ')}`,
    );
  }
  const repository = options.repository ?? getProcessDriverRegistry().repository();
  await deletePoint(stores, repository, point.id, {
    operationId: null,
    reason: 'deleted by the operator',
    now: ctx.now(),
    call: requestCall(STEP_HANDLERS['discard-newer-points'].deadlineMs),
  });
}
