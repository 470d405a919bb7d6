/**
 * Steps on stored restore points: verify (the repository re-hashes, the catalogue records the
 * verdict), an operator's delete, retention pruning and discarding the points a revert made
 * meaningless (the repository deletes the data, then the catalogue row goes).
 */
import type { CallOptions } from '../../drivers/call';
import type { BackupRepository } from '../../drivers/roles';
import { DriverError } from '../../engine/driver';
import { lockKeyForKeptSnapshot, lockKeyForPoint } from '../../engine/plan-types';
import { describePoint } from '../../engine/point-plan';
import { isGoodForRetention, selectVmPointsToPrune } from '../../engine/retention';
import { deleteKeptArraySnapshot } from './array-points';
import { HOUR, MINUTE, type StepHandler, type StepRun, type StepStores } from './context';
import { deletePoolPoint, isPoolPoint, verifyPoolPoint } from './pool-points';

/** Re-hashes a point in the repository and records the verdict. */
export async function verifyAndRecord(
  stores: StepStores,
  repository: BackupRepository,
  restorePointId: string,
  options: { now: Date; requestedBy: string; operationId?: string | null; call: CallOptions },
): Promise<'intact' | 'corrupt' | 'missing'> {
  const result = await repository.verify(restorePointId, options.call);
  const verdict = result.isIntact
    ? 'intact'
    : result.mismatches.some((line) => /missing/.test(line))
      ? 'missing'
      : 'corrupt';
  await stores.restorePoints.recordVerification({
    pointId: restorePointId,
    verdict,
    details: { mismatches: result.mismatches, applicationState: result.applicationState ?? null },
    now: options.now,
    requestedBy: options.requestedBy,
    operationId: options.operationId ?? null,
  });
  return verdict;
}

/** Deletes a point's stored data, then its catalogue row (re-running after a crash is harmless). */
/**
 * Deletes a point of the repository: its array snapshot when it is the last point keeping it on the
 * array (array-points.ts), its stored data, then its catalogue row. The row goes last, so a crash
 * in between leaves a point the re-run finds and finishes (every delete is idempotent).
 */
async function deleteStoredPoint(
  step: Pick<StepRun<'delete-point'>, 'stores' | 'drivers' | 'call' | 'now' | 'operation' | 'log'>,
  restorePointId: string,
  reason: string,
): Promise<void> {
  const row = await step.stores.restorePoints.get(restorePointId);
  if (row) await deleteKeptArraySnapshot(step, row);
  await deletePoint(step.stores, step.drivers.repository(), restorePointId, {
    operationId: step.operation.id,
    reason,
    now: step.now(),
    call: step.call,
  });
}

export async function deletePoint(
  stores: StepStores,
  repository: BackupRepository,
  restorePointId: string,
  options: { operationId: string | null; reason: string; now: Date; call: CallOptions },
): Promise<void> {
  await repository.delete(restorePointId, options.call);
  await stores.restorePoints.deletePoint({
    pointId: restorePointId,
    operationId: options.operationId,
    reason: options.reason,
    now: options.now,
  });
}

export const verifyPoint: StepHandler<'verify-point'> = {
  deadlineMs: 6 * HOUR,
  async run(step) {
    const { restorePointIds } = step.params;
    let onPool = 0;
    for (const id of restorePointIds) {
      // Deleted after this operation was planned (a delete queued before it ran first): the id is
      // all that is left of it here, and the step's error names the plan's points by name.
      const row = await step.stores.restorePoints.get(id);
      if (!row) {
        throw new DriverError('not-found', `restore point ${id} no longer exists: it was deleted`, {
          isRetryable: false,
        });
      }
      if (isPoolPoint(row)) {
        await verifyPoolPoint(step, row); // throws unless intact
        onPool += 1;
        continue;
      }
      const verdict = await verifyAndRecord(step.stores, step.drivers.repository(), id, {
        now: step.now(),
        requestedBy: step.operation.requestedBy,
        operationId: step.operation.id,
        call: step.call,
      });
      if (verdict !== 'intact') {
        throw new DriverError(
          'data-corrupt',
          `${describePoint(row)} is ${verdict}: its stored data does not match its manifest`,
          { isRetryable: false },
        );
      }
    }
    // A point kept on a pool is checked there for its snapshot and disks, not re-hashed: said so.
    const hashed = restorePointIds.length - onPool;
    const words = [
      ...(hashed > 0 ? [`${hashed} point(s) re-hashed: intact`] : []),
      ...(onPool > 0
        ? [
            `${onPool} point(s) kept on the pool found there with every disk (their contents are not hashed there)`,
          ]
        : []),
    ];
    step.log('info', words.join('; '));
    return { status: 'succeeded' };
  },
};

export const deletePointStep: StepHandler<'delete-point'> = {
  deadlineMs: 15 * MINUTE,
  async run(step) {
    const { restorePointId, reason } = step.params;
    // Idempotent: a resumed step, or a second delete queued behind the first, finds the row gone.
    const row = await step.stores.restorePoints.get(restorePointId);
    if (row && isPoolPoint(row)) {
      await deletePoolPoint(step, row, reason);
      step.log(
        'info',
        `snapshot "${row.locationName ?? row.locationRef}" and its disks destroyed on the pool; catalogue entry deleted`,
      );
      return { status: 'succeeded', result: { deleted: true } };
    }
    await deleteStoredPoint(step, restorePointId, reason);
    step.log('info', row ? 'stored data and catalogue entry deleted' : 'the point was already deleted');
    return { status: 'succeeded', result: { deleted: row !== null } };
  },
};

export const discardNewerPoints: StepHandler<'discard-newer-points'> = {
  deadlineMs: 15 * MINUTE,
  async run(step) {
    const { restorePointIds } = step.params;
    for (const id of restorePointIds) await deleteStoredPoint(step, id, 'discarded by a revert');
    return { status: 'succeeded', result: { discarded: restorePointIds.length } };
  },
};

export const applyRetention: StepHandler<'apply-retention'> = {
  deadlineMs: 15 * MINUTE,
  async run(step) {
    const { jobId, policy, timeZone, vmIds } = step.params;
    let pruned = 0;
    const inUse: string[] = [];
    for (const vmId of vmIds) {
      const points = (await step.stores.restorePoints.retentionCandidates(jobId, vmId)).map((point) => ({
        ...point,
        isGood: isGoodForRetention(point),
      }));
      const prune = selectVmPointsToPrune(points, policy, timeZone);
      // The points' locks, so no restore or verify of one starts while it is deleted; a point
      // another operation holds now (a restore reading it) is kept for the next run to prune.
      const held = new Set(
        await step.stores.operations.acquireLocks(step.operation.id, prune.map(lockKeyForPoint), step.now()),
      );
      for (const id of prune) {
        if (!held.has(lockKeyForPoint(id))) {
          inUse.push(id);
          continue;
        }
        const row = await step.stores.restorePoints.get(id);
        // A point kept on the array: its snapshot's lock too, as an operator's delete of a point
        // sharing it takes, so the two never both see the other holding it (and both keep it).
        const snapshotLock =
          row?.locationKind === 'array-snapshot' && row.snapshotId
            ? lockKeyForKeptSnapshot(row.snapshotId)
            : null;
        if (
          snapshotLock &&
          !(
            await step.stores.operations.acquireLocks(step.operation.id, [snapshotLock], step.now())
          ).includes(snapshotLock)
        ) {
          inUse.push(id);
          continue;
        }
        if (row && isPoolPoint(row)) {
          // A memory checkpoint on the pool: its snapshot VM, disks and suspend VDI, then the row.
          await deletePoolPoint(step, row, 'pruned by retention');
        } else {
          await deleteStoredPoint(step, id, 'pruned by retention');
        }
        pruned += 1;
      }
    }
    if (inUse.length > 0) {
      // The job keeps more than its policy says until then: a warning, not a plain success.
      const reason = `retention pruned ${pruned} point(s) but kept ${inUse.length} its policy no longer keeps: another operation was using them; the next run prunes them`;
      step.log('warn', reason);
      return { status: 'degraded', reason, result: { pruned, keptInUse: inUse.length } };
    }
    step.log('info', `retention kept the job's policy; pruned ${pruned} point(s)`);
    return { status: 'succeeded', result: { pruned, keptInUse: inUse.length } };
  },
};
