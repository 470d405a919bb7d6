/**
 * Restore point catalogue: browse (filters and cursor pages in SQL; built for a million points),
 * inspect (files with hashes, verification history, which restore modes the point allows and why
 * not), verify (re-hash the stored data through the driver) and delete (stored data, then the
 * catalogue row).
 */
import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client';
import { operations, restorePoints } from '../../db/schema';
import { loadInventory } from '../../db/stores/inventory-store';
import {
  type PageOf,
  queryPointVerifications,
  queryRestorePointFiles,
  queryRestorePoints,
  type RestorePointRow,
} from '../../db/stores/operations-store';
import { createSqliteStores } from '../../db/stores/sqlite';
import type { BackupRepository } from '../drivers/roles';
import { indexInventory } from '../engine/inventory';
import { listRestoreModes, type RestoreModeOption } from '../engine/restore-points';
import { BACKUP_METHODS, CONSISTENCY_LEVELS } from '../engine/types';
import { getDriverRegistry } from '../jobs/runtime';
import { STEP_HANDLERS } from '../jobs/steps';
import { deletePoint, verifyAndRecord } from '../jobs/steps/points';
import { DomainError, notFound } from './errors';
import { parseInput } from './parse-input';
import { pointSummaryOf } from './plans';

export const restorePointListInputSchema = z
  .object({
    vmId: z.string().min(1).optional(),
    hostId: z.string().min(1).optional(),
    method: z.enum(BACKUP_METHODS).optional(),
    consistency: z.enum(CONSISTENCY_LEVELS).optional(),
    jobId: z.string().min(1).optional(),
    createdFrom: z.coerce.date().optional(),
    createdTo: z.coerce.date().optional(),
    cursor: z.string().min(1).optional(),
    limit: z.int().min(1).max(200).default(50),
  })
  .refine((input) => !input.createdFrom || !input.createdTo || input.createdFrom <= input.createdTo, {
    message: 'The start of the date range is after its end',
    path: ['createdFrom'],
  });
export type RestorePointListInput = z.input<typeof restorePointListInputSchema>;

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

/** Newest first; every filter is an indexed column. */
export function listRestorePoints(db: Db, input: RestorePointListInput = {}): PageOf<RestorePointView> {
  const page = queryRestorePoints(db, parseInput(restorePointListInputSchema, input));
  return { items: page.items.map(viewOf), nextCursor: page.nextCursor };
}

export interface RestorePointDetail {
  point: RestorePointView;
  files: { diskId: string; path: string; sha256: string; bytes: number }[];
  verifications: { at: Date; verdict: string; details: Record<string, unknown> }[];
  restoreModes: RestoreModeOption[];
}

function requirePoint(db: Db, id: string): RestorePointRow {
  const row = db.select().from(restorePoints).where(eq(restorePoints.id, id)).get();
  if (!row) throw notFound('Restore point', id);
  return row;
}

export function getRestorePoint(db: Db, id: string): RestorePointDetail {
  const row = requirePoint(db, id);
  const index = indexInventory(loadInventory(db));
  return {
    point: viewOf(row),
    files: queryRestorePointFiles(db, id).map(({ diskId, path, sha256, bytes }) => ({
      diskId,
      path,
      sha256,
      bytes,
    })),
    verifications: queryPointVerifications(db, id).map((verification) => ({
      at: verification.at,
      verdict: verification.verdict,
      details: verification.detailsJson,
    })),
    restoreModes: listRestoreModes(pointSummaryOf(row), index),
  };
}

/** A driver call made inside a request: nothing cancels it, its deadline still bounds it. */
function requestCall(timeoutMs: number) {
  return { signal: new AbortController().signal, timeoutMs };
}

export interface PointServiceOptions {
  /** The backup repository (default: the process's, from the driver registry). */
  repository?: BackupRepository;
  now?: () => Date;
}

/** Re-hashes the point's stored data against its manifest and records the verdict. */
export async function verifyRestorePoint(
  db: Db,
  id: string,
  options: PointServiceOptions = {},
): Promise<{ verdict: 'intact' | 'corrupt' | 'missing'; point: RestorePointView }> {
  requirePoint(db, id);
  const repository = options.repository ?? getDriverRegistry(db).repository();
  const verdict = await verifyAndRecord(createSqliteStores(db), repository, id, {
    now: (options.now ?? (() => new Date()))(),
    requestedBy: 'system',
    call: requestCall(STEP_HANDLERS['verify-point'].deadlineMs),
  });
  return { verdict, point: viewOf(requirePoint(db, id)) };
}

/** Deletes a point (data, then row). Refused while an active restore uses it. */
export async function deleteRestorePoint(
  db: Db,
  id: string,
  options: PointServiceOptions = {},
): Promise<void> {
  const point = requirePoint(db, id);
  const active = db
    .select({ id: operations.id, requestJson: operations.requestJson })
    .from(operations)
    .where(
      and(
        eq(operations.kind, 'restore'),
        inArray(operations.status, ['queued', 'waiting', 'running', 'cancelling']),
      ),
    )
    .all()
    .filter((operation) => operation.requestJson.restorePointId === id);
  if (active.length > 0) {
    throw new DomainError(
      'CONFLICT',
      `Restore point ${id} is in use by restore operation ${active.map((operation) => operation.id).join(', ')}`,
    );
  }
  const repository = options.repository ?? getDriverRegistry(db).repository();
  await deletePoint(createSqliteStores(db), repository, point.id, {
    operationId: null,
    reason: 'deleted by the operator',
    now: (options.now ?? (() => new Date()))(),
    call: requestCall(STEP_HANDLERS['discard-newer-points'].deadlineMs),
  });
}
