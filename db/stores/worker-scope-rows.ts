/** The `workers` row of a worker's announcement, and back: shared by both dialects' stores. */
import type { WorkerScope } from '../../server/engine/admission';

export interface WorkerRow {
  id: string;
  hostIdsJson: string[] | null;
  arrayIdsJson: string[] | null;
  seenAt: Date;
  expiresAt: Date;
}

export function workerRowOf(scope: WorkerScope, now: Date, expiresAt: Date): WorkerRow {
  return {
    id: scope.workerId,
    hostIdsJson: scope.hostIds ? [...new Set(scope.hostIds)].sort() : null,
    arrayIdsJson: scope.arrayIds ? [...new Set(scope.arrayIds)].sort() : null,
    seenAt: now,
    expiresAt,
  };
}

export function scopeOfRow(row: Pick<WorkerRow, 'id' | 'hostIdsJson' | 'arrayIdsJson'>): WorkerScope {
  return { workerId: row.id, hostIds: row.hostIdsJson, arrayIds: row.arrayIdsJson };
}
