/**
 * The restore-point browser (issue 4 §3): the catalogue filtered by VM, host, method,
 * consistency and date range, sorted newest or oldest first, keyset-paged in SQL. Every filter
 * has a (filter, created_at, id) index (db/schema-operations.ts), which SQLite walks forwards or
 * backwards, so both orders cost the same on page 1 and page 20,000 of a million points.
 *
 * Also answers what a deletion would mean for the VM (is it its only point?), so the
 * confirmation can say so before anything is deleted.
 */
import { and, asc, desc, eq, gte, lte, ne, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client';
import { hosts, restorePoints } from '../../db/schema';
import { afterCursor, decodeCursor, encodeCursor } from '../../db/stores/sqlite/keyset';
import { BACKUP_METHODS, CONSISTENCY_LEVELS } from '../engine/types';
import { RESTORE_POINT_SORTS } from '../schemas/wizard';
import { notFound } from './errors';
import { parseInput } from './parse-input';

export { RESTORE_POINT_SORTS, type RestorePointSort } from '../schemas/wizard';

const optionalId = z.string().trim().min(1).max(200).optional();

export const restorePointBrowseInputSchema = z
  .object({
    vmId: optionalId,
    hostId: optionalId,
    method: z.enum(BACKUP_METHODS, { error: 'Choose a known backup method' }).optional(),
    consistency: z.enum(CONSISTENCY_LEVELS, { error: 'Choose crash, filesystem or application' }).optional(),
    jobId: optionalId,
    createdFrom: z.coerce.date({ error: 'The start date is not a date' }).optional(),
    createdTo: z.coerce.date({ error: 'The end date is not a date' }).optional(),
    sort: z.enum(RESTORE_POINT_SORTS).default('newest'),
    cursor: z.string().min(1).max(1000).optional(),
    limit: z.int().min(1).max(200).default(50),
  })
  .refine((input) => !input.createdFrom || !input.createdTo || input.createdFrom <= input.createdTo, {
    message: 'The start of the date range is after its end',
    path: ['createdFrom'],
  });
export type RestorePointBrowseInput = z.input<typeof restorePointBrowseInputSchema>;

export interface RestorePointBrowseItem {
  id: string;
  vmId: string;
  vmName: string;
  hostId: string | null;
  hostName: string | null;
  operationId: string | null;
  jobId: string | null;
  method: (typeof BACKUP_METHODS)[number];
  consistency: (typeof CONSISTENCY_LEVELS)[number];
  consistencyReason: string | null;
  captureState: typeof restorePoints.$inferSelect.captureState;
  createdAt: Date;
  heldDiskIds: string[];
  missingDiskIds: string[];
  sizeBytes: number;
  expiresAt: Date | null;
  lastVerifiedAt: Date | null;
  lastVerdict: typeof restorePoints.$inferSelect.lastVerdict;
}

export interface RestorePointBrowsePage {
  items: RestorePointBrowseItem[];
  nextCursor: string | null;
}

export function browseRestorePoints(db: Db, input: RestorePointBrowseInput = {}): RestorePointBrowsePage {
  const query = parseInput(restorePointBrowseInputSchema, input);
  const direction = query.sort === 'newest' ? 'desc' : 'asc';
  const sortKey = `restore-points:created:${direction}`;
  const cursor = query.cursor ? decodeCursor(query.cursor, sortKey) : null;
  const conditions: (SQL | undefined)[] = [
    query.vmId ? eq(restorePoints.vmId, query.vmId) : undefined,
    query.hostId ? eq(restorePoints.hostId, query.hostId) : undefined,
    query.method ? eq(restorePoints.method, query.method) : undefined,
    query.consistency ? eq(restorePoints.consistency, query.consistency) : undefined,
    query.jobId ? eq(restorePoints.jobId, query.jobId) : undefined,
    query.createdFrom ? gte(restorePoints.createdAt, query.createdFrom) : undefined,
    query.createdTo ? lte(restorePoints.createdAt, query.createdTo) : undefined,
    cursor
      ? // The cursor holds epoch milliseconds, the column's stored form: compared as plain integers.
        afterCursor(restorePoints.createdAt, restorePoints.id, direction, cursor)
      : undefined,
  ];
  const order = direction === 'desc' ? desc : asc;
  const rows = db
    .select({
      id: restorePoints.id,
      vmId: restorePoints.vmId,
      vmName: restorePoints.vmName,
      hostId: restorePoints.hostId,
      hostName: hosts.name,
      operationId: restorePoints.operationId,
      jobId: restorePoints.jobId,
      method: restorePoints.method,
      consistency: restorePoints.consistency,
      consistencyReason: restorePoints.consistencyReason,
      captureState: restorePoints.captureState,
      createdAt: restorePoints.createdAt,
      heldDiskIds: restorePoints.heldDisksJson,
      missingDiskIds: restorePoints.missingDisksJson,
      sizeBytes: restorePoints.sizeBytes,
      expiresAt: restorePoints.expiresAt,
      lastVerifiedAt: restorePoints.lastVerifiedAt,
      lastVerdict: restorePoints.lastVerdict,
    })
    .from(restorePoints)
    .leftJoin(hosts, eq(hosts.id, restorePoints.hostId))
    .where(and(...conditions.filter((condition): condition is SQL => condition !== undefined)))
    .orderBy(order(restorePoints.createdAt), order(restorePoints.id))
    .limit(query.limit + 1)
    .all();
  const hasMore = rows.length > query.limit;
  const items = hasMore ? rows.slice(0, query.limit) : rows;
  const last = items.at(-1);
  return {
    items,
    nextCursor: hasMore && last ? encodeCursor(sortKey, last.createdAt.getTime(), last.id) : null,
  };
}

export interface PointDeletionImpact {
  pointId: string;
  vmId: string;
  vmName: string;
  /** True when deleting leaves the VM with no restore point at all. */
  isOnlyPointOfVm: boolean;
}

/** What deleting the point would leave behind; read before the confirmation is shown. */
export function describePointDeletion(db: Db, pointId: string): PointDeletionImpact {
  const point = db
    .select({ id: restorePoints.id, vmId: restorePoints.vmId, vmName: restorePoints.vmName })
    .from(restorePoints)
    .where(eq(restorePoints.id, pointId))
    .get();
  if (!point) throw notFound('Restore point', pointId);
  const other = db
    .select({ id: restorePoints.id })
    .from(restorePoints)
    .where(and(eq(restorePoints.vmId, point.vmId), ne(restorePoints.id, pointId)))
    .limit(1)
    .get();
  return { pointId, vmId: point.vmId, vmName: point.vmName, isOnlyPointOfVm: other === undefined };
}
