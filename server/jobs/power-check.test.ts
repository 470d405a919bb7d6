/**
 * The backup's check step holds the plan to the power state it was made for, asked of the host
 * live. A VM already in saved state (or paused) is planned as a saved-state capture without
 * downtime and reads "ready"; its run must capture it as it is, not refuse the very state the plan
 * was made for. A VM found in another state than planned still stops the run, naming both.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type StoreDialect, storeDialects } from '../../db/stores/contract/dialects';
import type { PowerState } from '../engine/inventory';
import { rowsOf } from '../test-rows';
import { recordPowerStates } from './steps/inventory';
import { createHarness, type Harness } from './test-harness';

let h: Harness;
afterEach(async () => {
  await h.close();
});

const CALL = { signal: new AbortController().signal, timeoutMs: 10_000 };

async function backUpApp1As(dialect: StoreDialect, powerState: PowerState) {
  h = await createHarness({
    dialect,
    inventory: (inventory) => ({
      ...inventory,
      vms: inventory.vms.map((vm) => (vm.id === 'app1' ? { ...vm, powerState } : vm)),
    }),
  });
  expect(await h.driver.hypervisor().getPowerState('app1', CALL)).toBe(powerState);
  const op = await h.enqueueBackup({
    scope: { kind: 'vms', vmIds: ['app1'] },
    consistencyPolicy: 'fallback',
    passthroughPolicy: 'skip',
  });
  const [done] = await h.tickUntilFinal(h.createWorker(), [op.id]);
  return done;
}

describe.each(await storeDialects('powercheck'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    it.each<{ powerState: PowerState; captureState: string }>([
      { powerState: 'saved', captureState: 'saved-state' },
      { powerState: 'paused', captureState: 'saved-state' },
      { powerState: 'off', captureState: 'offline' },
      { powerState: 'running', captureState: 'online' },
    ])(
      'a VM planned $powerState and found $powerState is captured $captureState',
      async ({ powerState, captureState }) => {
        const done = await backUpApp1As(dialect, powerState);
        expect(done.status, done.error ?? '').toBe('succeeded');
        const [point] = (await rowsOf(h.database).all('restorePoints')).filter(
          (row) => row.operationId === done.id,
        );
        expect(point).toMatchObject({ vmId: 'app1', captureState });
      },
    );

    it('a VM planned saved but found running stops the run at its check, naming both states', async () => {
      h = await createHarness({ dialect });
      // The stored state is stale: the inventory says saved, the host (the lab) says running. Planned
      // as already saved, sql1 gets no saved state of its own: captured so, it would be copied live.
      await recordPowerStates(h.stores, [{ vmId: 'sql1', powerState: 'saved' }]);
      const stored = h.index.inventory;
      const inventory = {
        ...stored,
        vms: stored.vms.map((vm) => (vm.id === 'sql1' ? { ...vm, powerState: 'saved' as const } : vm)),
      };
      const op = await h.enqueueBackup(
        { scope: { kind: 'vms', vmIds: ['sql1'] }, consistencyPolicy: 'fallback', passthroughPolicy: 'skip' },
        { inventory },
      );
      const [done] = await h.tickUntilFinal(h.createWorker(), [op.id]);
      expect(done.status).toBe('failed');
      expect(done.error).toBe(
        'Check sql1 before Hyper-V VSS: the plan was made for sql1 saved (a saved-state capture) but sql1 is running; the inventory now shows it running: preview the backup again',
      );
      expect(
        (await rowsOf(h.database).all('restorePoints')).filter((row) => row.operationId === done.id),
      ).toEqual([]);
    });
  });
});
