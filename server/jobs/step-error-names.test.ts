/**
 * A driver says what failed in its own terms, and connectors name VMs by inventory id
 * ("pool-a snapshot of xen:6f1c…: VM_BAD_POWER_STATE"): the step's error, the operation's and its
 * log are recorded with the VM's name instead (plan-names.ts). The host here answers as the lab
 * does, except that its snapshots fail with such a message.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { storeDialects } from '../../db/stores/contract/dialects';
import type { HypervisorDriver } from '../drivers/roles';
import { DriverError } from '../engine/driver';
import { rowsOf } from '../test-rows';
import { createHarness, type Harness } from './test-harness';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

type SnapshotRequest = Parameters<HypervisorDriver['createSnapshot']>[0];

/** A host whose snapshots fail with the message `failure` words from the request's ids. */
function failingRegistry(h: Harness, failure: (request: SnapshotRequest, vmId: string) => string) {
  const lab = h.driver.hypervisor();
  const failing: HypervisorDriver = Object.assign(Object.create(lab) as HypervisorDriver, {
    createSnapshot: async (request: SnapshotRequest) => {
      const vmId = request.scope.kind === 'vm' ? request.scope.vmId : '?';
      throw new DriverError('invalid-state', failure(request, vmId), { isRetryable: false });
    },
  });
  return h.driversWithHypervisor(failing);
}

/** The VM, its data disk, that disk's volume and the LUN behind it, by id. */
const naming = (_: SnapshotRequest, vmId: string) =>
  `pool-a snapshot of ${vmId}: disk sql1-data on hv1-d (LUN lun1) is busy: VM_BAD_POWER_STATE`;

describe.each(await storeDialects('steperrornames'))('$name', (dialect) => {
  it.skipIf(dialect.skip !== null).each([
    {
      name: 'names the VM, its disk, the volume and the LUN as the operator knows them',
      storeAnswers: true,
      failure: naming,
      error:
        "pool-a snapshot of 'sql-prod-01': disk 'SQL data' on 'D:' (LUN 'sql-lun') is busy: VM_BAD_POWER_STATE",
    },
    {
      name: 'names the VM from the plan when the inventory cannot be read, and leaves the rest as they were',
      storeAnswers: false,
      failure: naming,
      error:
        "pool-a snapshot of 'sql-prod-01': disk sql1-data on hv1-d (LUN lun1) is busy: VM_BAD_POWER_STATE",
    },
    {
      name: 'names the snapshot by the step that takes it, not by the id the plan chose for it',
      storeAnswers: true,
      failure: (request: SnapshotRequest, vmId: string) =>
        `snapshot ${request.snapshotId} of ${vmId} refused: VM_BAD_POWER_STATE`,
      error:
        "snapshot 'Hyper-V VSS snapshot of sql-prod-01 (online)' of 'sql-prod-01' refused: VM_BAD_POWER_STATE",
    },
  ])("a failed step's error $name", async ({ storeAnswers, failure, error }) => {
    h = await createHarness({
      dialect,
      inventory: (inventory) => {
        for (const vm of inventory.vms) if (vm.id === 'sql1') vm.name = 'sql-prod-01';
        for (const disk of inventory.virtualDisks) if (disk.id === 'sql1-data') disk.name = 'SQL data';
        for (const lun of inventory.arrayVolumes) if (lun.id === 'lun1') lun.name = 'sql-lun';
        return inventory;
      },
    });
    const op = await h.enqueueBackup({
      scope: { kind: 'vms', vmIds: ['sql1'] },
      consistencyPolicy: 'fallback',
      passthroughPolicy: 'skip',
    });
    const inventory = storeAnswers
      ? h.stores.inventory
      : Object.assign(Object.create(h.stores.inventory) as typeof h.stores.inventory, {
          loadNeighbourhood: async () => {
            throw new Error('database is locked');
          },
        });
    const worker = h.createWorker({
      drivers: failingRegistry(h, failure),
      stores: { ...h.stores, inventory },
    });
    const [done] = await h.tickUntilFinal(worker, [op.id]);
    expect(done.status).toBe('failed');
    const failed = (await h.stores.operations.steps(op.id)).find((step) => step.status === 'failed');
    expect(failed?.error).toBe(error);
    expect(done.error).toContain(error);
  });
});

/**
 * A step that falls back instead of failing says why in the driver's words, and the catalog writes
 * that reason on the point for good: named as a failed step's error is.
 */
describe.each(await storeDialects('stepreasonnames'))('$name', (dialect) => {
  it.skipIf(dialect.skip !== null)(
    "a quiesce fallback's reason names the VM on the step and on the point, not its id",
    async () => {
      h = await createHarness({
        dialect,
        inventory: (inventory) => {
          for (const vm of inventory.vms) if (vm.id === 'sql1') vm.name = 'sql-prod-01';
          return inventory;
        },
      });
      const lab = h.driver.hypervisor();
      // The quiesced snapshot times out in the guest's VSS writer; the snapshot without it is taken.
      const quiesceFails: HypervisorDriver = Object.assign(Object.create(lab) as HypervisorDriver, {
        createSnapshot: async (
          request: SnapshotRequest,
          options: Parameters<HypervisorDriver['createSnapshot']>[1],
        ) => {
          if (!request.isQuiesced) return lab.createSnapshot(request, options);
          const vmId = request.scope.kind === 'vm' ? request.scope.vmId : '?';
          throw new DriverError('vss-writer-timeout', `the VSS writer of ${vmId} did not answer in 60 s`, {
            isRetryable: false,
          });
        },
      });
      const drivers = h.driversWithHypervisor(quiesceFails);
      const op = await h.enqueueBackup({
        scope: { kind: 'vms', vmIds: ['sql1'] },
        consistencyPolicy: 'fallback',
        passthroughPolicy: 'skip',
      });
      const [done] = await h.tickUntilFinal(h.createWorker({ drivers }), [op.id]);
      expect(done.status).toBe('succeeded-with-warnings');
      const reason =
        "fallback: the VSS writer of 'sql-prod-01' did not answer in 60 s; snapshot taken without quiescing";
      const degraded = (await h.stores.operations.steps(op.id)).find((step) => step.status === 'degraded');
      expect(degraded?.error).toBe(reason);
      const point = (await rowsOf(h.database).all('restorePoints')).find(
        (row) => row.operationId === op.id && row.vmId === 'sql1',
      );
      expect(point?.consistencyReason).toContain(reason);
      expect(point?.consistencyReason).not.toContain('sql1');
      // The line the step logged as it retook the snapshot carries the driver's words too.
      const lines = (await h.stores.operations.logs(op.id, 200)).map((line) => line.message);
      expect(lines).toContain(
        "the VSS writer of 'sql-prod-01' did not answer in 60 s; retaking the snapshot without quiescing",
      );
      expect(lines.filter((line) => line.includes('sql1'))).toEqual([]);
    },
  );
});
