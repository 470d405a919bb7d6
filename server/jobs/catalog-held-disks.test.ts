/**
 * A restore point says which disks it holds: the catalog writes it only when each of them is among
 * what the copy stored. A driver that answered a copy without one (a disk the snapshot lacked,
 * silently skipped) fails the backup, naming the disk, instead of cataloguing a complete point.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { storeDialects } from '../../db/stores/contract/dialects';
import type { HypervisorDriver } from '../drivers/roles';
import { rowsOf } from '../test-rows';
import { createHarness, type Harness } from './test-harness';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

type CopyArguments = Parameters<HypervisorDriver['copySnapshotToRepository']>;

describe.each(await storeDialects('catalogheld'))('$name', (dialect) => {
  it.skipIf(dialect.skip !== null)(
    'a copy that left a planned disk out fails the backup, names the disk, and catalogues no point',
    async () => {
      h = await createHarness({
        dialect,
        inventory: (inventory) => {
          for (const vm of inventory.vms) if (vm.id === 'sql1') vm.name = 'sql-prod-01';
          for (const disk of inventory.virtualDisks) if (disk.id === 'sql1-data') disk.name = 'SQL data';
          return inventory;
        },
      });
      const lab = h.driver.hypervisor();
      // The host's copy stores the OS disk only, and answers as if that were the whole point.
      const leavesDataOut: HypervisorDriver = Object.assign(Object.create(lab) as HypervisorDriver, {
        copySnapshotToRepository: (
          request: CopyArguments[0],
          ...rest: [CopyArguments[1], CopyArguments[2]]
        ) =>
          lab.copySnapshotToRepository(
            { ...request, diskIds: request.diskIds.filter((diskId) => diskId !== 'sql1-data') },
            ...rest,
          ),
      });
      const op = await h.enqueueBackup({
        scope: { kind: 'vms', vmIds: ['sql1'] },
        consistencyPolicy: 'fallback',
        passthroughPolicy: 'skip',
      });
      const [done] = await h.tickUntilFinal(
        h.createWorker({ drivers: h.driversWithHypervisor(leavesDataOut) }),
        [op.id],
      );
      expect(done.status).toBe('failed');
      const catalog = (await h.stores.operations.steps(op.id)).find((step) => step.kind === 'catalog');
      expect(catalog?.status).toBe('failed');
      // Named as the operator knows them, as every step's error is (plan-names.ts).
      expect(catalog?.error).toBe(
        `cannot catalogue the restore point of sql-prod-01: its copy ("Copy sql-prod-01 to the repository") stored no data of 'SQL data'`,
      );
      expect(
        (await rowsOf(h.database).all('restorePoints')).filter((row) => row.operationId === op.id),
      ).toEqual([]);
    },
  );
});
