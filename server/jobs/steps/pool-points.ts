/**
 * Steps on points kept on a XenServer pool (location `pool-snapshot`): verify reads the snapshot
 * live (a snapshot deleted on the pool is `missing`, never "intact" from memory), delete destroys
 * the snapshot VM and its disks before the catalogue row, and a snapshot revert runs VM.revert,
 * then powers the VM as it was at the snapshot, and a restore as new has the pool copy the snapshot
 * into a new VM. The pool does the work; nothing is in the repository.
 */
import type { RestorePointRecord } from '../../../db/stores/ports/restore-point-store';
import { type PoolSnapshotCopied, poolSnapshotKeeper } from '../../drivers/pool-snapshots';
import { DriverError } from '../../engine/driver';
import type { VerificationVerdict } from '../../engine/statuses';
import { HOUR, MINUTE, type StepHandler, type StepRun } from './context';
import { addRestoredVm, underHypervisorIds } from './inventory';

export function isPoolPoint(row: RestorePointRecord): row is RestorePointRecord & { locationRef: string } {
  return row.locationKind === 'pool-snapshot' && row.locationRef !== null;
}

type AnyStep = Pick<StepRun<'verify-point'>, 'stores' | 'drivers' | 'call' | 'now' | 'operation'>;

async function keeperFor(step: Pick<AnyStep, 'drivers'>, row: RestorePointRecord) {
  return poolSnapshotKeeper(await step.drivers.hypervisorForVm(row.vmId));
}

/** Reads the point's snapshot on the pool and records the verdict; `missing` says why. */
export async function verifyPoolPoint(
  step: AnyStep,
  row: RestorePointRecord & { locationRef: string },
): Promise<VerificationVerdict> {
  const name = row.locationName ?? row.locationRef;
  let details: Record<string, unknown>;
  let verdict: VerificationVerdict;
  if (row.goneSince) {
    verdict = 'missing';
    details = { snapshot: name, reason: row.goneReason };
  } else {
    const state = await (await keeperFor(step, row)).readPoolSnapshot(row.locationRef, step.call);
    const held = row.heldDisksJson.length;
    if (!state) {
      verdict = 'missing';
      details = { snapshot: name, reason: `snapshot "${name}" is no longer on the pool` };
    } else if (state.vmId !== null && state.vmId !== row.vmId) {
      // (null: its VM was deleted on the pool; xapi keeps the snapshot, which is still the point's.)
      verdict = 'missing';
      details = { snapshot: name, reason: `snapshot "${name}" is no longer a snapshot of ${row.vmName}` };
    } else if (state.diskCount < held) {
      verdict = 'corrupt';
      details = {
        snapshot: name,
        reason: `snapshot "${name}" holds ${state.diskCount} of its ${held} disks`,
      };
    } else {
      verdict = 'intact';
      // Present with every disk: what a pool lets us check without reading the disks back.
      details = { snapshot: state.name, disks: state.diskCount, readLive: true, contentsHashed: false };
    }
  }
  await step.stores.restorePoints.recordVerification({
    pointId: row.id,
    verdict,
    details,
    now: step.now(),
    requestedBy: step.operation.requestedBy,
    operationId: step.operation.id,
  });
  if (verdict !== 'intact') {
    throw new DriverError(
      verdict === 'missing' ? 'not-found' : 'data-corrupt',
      `the point kept on the pool is ${verdict}: ${String(details.reason)}`,
      { isRetryable: false },
    );
  }
  return verdict;
}

/** Destroys the point's snapshot and its disks on the pool (gone already is fine), then the row. */
export async function deletePoolPoint(
  step: AnyStep,
  row: RestorePointRecord & { locationRef: string },
  reason: string,
): Promise<void> {
  if (!row.goneSince) await (await keeperFor(step, row)).destroyPoolSnapshot(row.locationRef, step.call);
  await step.stores.restorePoints.deletePoint({
    pointId: row.id,
    operationId: step.operation.id,
    reason,
    now: step.now(),
  });
}

async function requirePoolPoint(step: AnyStep, restorePointId: string) {
  const row = await step.stores.restorePoints.get(restorePointId);
  if (!row || !isPoolPoint(row)) {
    throw new DriverError('not-found', `restore point ${restorePointId} is not a snapshot kept on a pool`, {
      isRetryable: false,
    });
  }
  return row;
}

export const revertPoolSnapshot: StepHandler<'revert-pool-snapshot'> = {
  // VM.revert cannot be cancelled on the pool; its task is journalled, so a resumed step waits on it.
  deadlineMs: 2 * HOUR,
  async run(step) {
    const row = await requirePoolPoint(step, step.params.restorePointId);
    await (await keeperFor(step, row)).revertToPoolSnapshot(step.params.snapshotId, step.call);
    // The VM is left as the snapshot was (off for a disk snapshot) until the next step powers it.
    // Its power state reaches the inventory through the pool's watcher (event.from), not from here:
    // writing it here too raced the watcher's write of the same VM's assessment on PostgreSQL.
    step.log('info', `reverted ${row.vmName} to snapshot "${row.locationName ?? row.locationRef}"`);
    return { status: 'succeeded', result: { reverted: true } };
  },
};

export const restorePowerState: StepHandler<'restore-power-state'> = {
  deadlineMs: 15 * MINUTE,
  async run(step) {
    const row = await requirePoolPoint(step, step.params.restorePointId);
    const done = await (await keeperFor(step, row)).restorePowerStateAfterRevert(
      step.params.snapshotId,
      step.call,
    );
    step.log(
      'info',
      done === 'started'
        ? `${row.vmName} started: it was running when the snapshot was taken`
        : done === 'resumed'
          ? `${row.vmName} resumed: running again as it was at the memory checkpoint`
          : `${row.vmName} left as the snapshot had it`,
    );
    return { status: 'succeeded', result: { power: done } };
  },
};

/** What the copy's power came to, in the step's log: a dropped memory image is said, never silent. */
const COPY_POWER_WORDS: Record<PoolSnapshotCopied['power'], string> = {
  started: 'started',
  resumed: "resumed from its copy of the checkpoint's memory: running as the VM was at the checkpoint",
  'left-off': 'left off',
  'memory-dropped':
    "left off: the checkpoint's copy came out suspended on a copy of its memory, and as powering on was not asked it was shut down (VM.hard_shutdown), which drops that memory image; it starts from its disks, as after a power cut",
};

export const copyPoolSnapshot: StepHandler<'copy-pool-snapshot'> = {
  // A full copy of every disk on the pool; its task is journalled, so a resumed step waits on it.
  deadlineMs: 12 * HOUR,
  async run(step) {
    const { restorePointId, snapshotId, newVmName, srId, powerOn, newVm } = step.params;
    const row = await requirePoolPoint(step, restorePointId);
    const copied = await (await keeperFor(step, row)).copyPoolSnapshotAsNewVm(
      snapshotId,
      // A pool point records no hashes (nothing of it is in the repository): the copy is compared
      // with the snapshot's own disks, read live.
      { newVmName, srId, powerOn, expectedSha256: null },
      // The pool's copy task reports its progress: it is the step's (over the snapshot's disk bytes).
      { ...step.transfer, journalKey: `pool-copy:${step.operation.id}:${snapshotId}` },
    );
    step.log(
      'info',
      `${newVmName} copied from "${row.locationName ?? row.locationRef}": ${Object.keys(copied.diskIds).length} disks verified against the snapshot read live; ${COPY_POWER_WORDS[copied.power]}`,
    );
    if (newVm) {
      const placed = underHypervisorIds(newVm, { vmId: copied.vmId, diskIds: copied.diskIds });
      const powerState = copied.power === 'started' || copied.power === 'resumed' ? 'running' : 'off';
      await addRestoredVm(step.stores, { ...placed, vm: { ...placed.vm, powerState } }, step.now());
    }
    return {
      status: 'succeeded',
      bytes: copied.bytes,
      result: { ...copied, verified: true },
    };
  },
};
