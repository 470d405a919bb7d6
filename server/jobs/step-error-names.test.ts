/**
 * A driver says what failed in its own terms, and connectors name VMs by inventory id
 * ("pool-a snapshot of xen:6f1c…: VM_BAD_POWER_STATE"): the step's error, the operation's and its
 * log are recorded with the VM's name instead (plan-names.ts). The host here answers as the lab
 * does, except that its snapshots fail with such a message.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { storeDialects } from '../../db/stores/contract/dialects';
import { labTestInventory } from '../drivers/lab/lab-fixture';
import { connectorLookupFromInventory, createDriverRegistry } from '../drivers/registry';
import type { HypervisorDriver } from '../drivers/roles';
import { DriverError } from '../engine/driver';
import { createHarness, type Harness } from './test-harness';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe.each(await storeDialects('steperrornames'))('$name', (dialect) => {
  it.skipIf(dialect.skip !== null)(
    "a failed step's error names the VM as the operator knows it, not by its id",
    async () => {
      h = await createHarness({
        dialect,
        inventory: (inventory) => {
          for (const vm of inventory.vms) if (vm.id === 'sql1') vm.name = 'sql-prod-01';
          return inventory;
        },
      });
      const lab = h.driver.hypervisor();
      const failing: HypervisorDriver = Object.assign(Object.create(lab) as HypervisorDriver, {
        createSnapshot: async (request: Parameters<HypervisorDriver['createSnapshot']>[0]) => {
          const vmId = request.scope.kind === 'vm' ? request.scope.vmId : '?';
          throw new DriverError('invalid-state', `pool-a snapshot of ${vmId}: VM_BAD_POWER_STATE`, {
            isRetryable: false,
          });
        },
      });
      const drivers = createDriverRegistry({
        lookup: connectorLookupFromInventory(labTestInventory()),
        connectors: [{ name: 'lab', hypervisor: () => failing, array: () => h.driver.array() }],
        repository: h.driver.repository,
      });
      const op = await h.enqueueBackup({
        scope: { kind: 'vms', vmIds: ['sql1'] },
        consistencyPolicy: 'fallback',
        passthroughPolicy: 'skip',
      });
      const [done] = await h.tickUntilFinal(h.createWorker({ drivers }), [op.id]);
      expect(done.status).toBe('failed');
      const failed = (await h.stores.operations.steps(op.id)).find((step) => step.status === 'failed');
      expect(failed?.error).toBe("pool-a snapshot of 'sql-prod-01': VM_BAD_POWER_STATE");
      expect(done.error).toContain("'sql-prod-01'");
      expect(done.error).not.toContain('sql1');
    },
  );
});
