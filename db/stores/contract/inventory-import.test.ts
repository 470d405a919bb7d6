/**
 * An import is atomic on every store (issue 7): a failure at any point of it — before the first
 * row, in the middle of the rows, at the very last write — leaves the previous inventory, its
 * assessments and the import history exactly as they were. Run over SQLite and PostgreSQL.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateInventory } from '../../../server/engine/evaluate';
import { isEmptyRemoval } from '../../../server/engine/import-removal';
import type { Inventory } from '../../../server/engine/inventory';
import { generateLargeEstate } from '../../seed/large-estate';
import type { Stores } from '../ports';
import type { InventoryImportRequest } from '../ports/inventory';
import { type DialectHandle, type StoreDialect, storeDialects } from './dialects';
import { backupPlanOf } from './operation-store.contract';

const opened: DialectHandle[] = [];
afterAll(async () => {
  for (const handle of opened.splice(0)) await handle.close();
});

const oldEstate = () => generateLargeEstate({ hosts: 6, vms: 120, seed: 21 });
const newEstate = () => generateLargeEstate({ hosts: 5, vms: 140, seed: 22 });

let imports = 0;
function requestFor(inventory: Inventory, mode: 'replace' | 'merge'): InventoryImportRequest {
  imports++;
  return {
    mode,
    validate: () => inventory,
    assess: evaluateInventory,
    record: { id: `import-${imports}`, createdAt: new Date(Date.UTC(2026, 0, 1)), requestedBy: 'system' },
  };
}

/** What an import may change, independent of row order. */
async function snapshot(stores: Stores) {
  const inventory = await stores.inventory.loadInventory();
  const byId = <T extends { id: string }>(items: T[]) => [...items].sort((a, b) => a.id.localeCompare(b.id));
  return {
    inventory: Object.fromEntries(
      Object.entries(inventory).map(([section, items]) => [section, byId(items)]),
    ),
    counts: await stores.inventory.countInventory(),
    dashboard: await stores.inventory.getDashboard(50),
  };
}

/** A VM whose host is not in the file nor stored: the database refuses it while the rows are written. */
function withDanglingVm(inventory: Inventory): Inventory {
  const vm = inventory.vms[inventory.vms.length - 1];
  if (!vm) throw new Error('the estate has no VM');
  return { ...inventory, vms: [...inventory.vms, { ...vm, id: 'vm-dangling', hostId: 'host-nowhere' }] };
}

async function seeded(dialect: StoreDialect): Promise<{ stores: Stores; firstImportId: string }> {
  const handle = await dialect.open();
  opened.push(handle);
  const first = requestFor(oldEstate(), 'replace');
  await handle.stores.inventory.importInventory(first);
  return { stores: handle.stores, firstImportId: first.record.id };
}

type Failure = (request: InventoryImportRequest, firstImportId: string) => InventoryImportRequest;

const FAILURES: [string, Failure][] = [
  [
    'the assessment fails after the file was validated',
    (request) => ({
      ...request,
      assess: () => {
        throw new Error('assessment crashed');
      },
    }),
  ],
  [
    'the database refuses a row in the middle of the write',
    (request) => ({ ...request, validate: (stored) => withDanglingVm(request.validate(stored)) }),
  ],
  [
    'the last write (the import record) fails after every row was written',
    (request, firstImportId) => ({ ...request, record: { ...request.record, id: firstImportId } }),
  ],
];

describe.each(await storeDialects('inventory-import'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('an import is atomic', () => {
    it.each(
      FAILURES.flatMap(([what, fail]) =>
        (['replace', 'merge'] as const).map((mode) => [mode, what, fail] as const),
      ),
    )('%s: when %s, the previous inventory is intact', async (mode, _what, fail) => {
      const { stores, firstImportId } = await seeded(dialect);
      const previous = await snapshot(stores);

      await expect(
        stores.inventory.importInventory(fail(requestFor(newEstate(), mode), firstImportId)),
      ).rejects.toThrow();

      expect(await snapshot(stores)).toEqual(previous);
      // And the store still takes a good import afterwards.
      const outcome = await stores.inventory.importInventory(requestFor(newEstate(), mode));
      expect(outcome.imported.vms).toBe(140);
    });

    it('a replace hands what it will delete to checkRemoval first; a refusal there writes nothing', async () => {
      const { stores } = await seeded(dialect);
      const previous = await snapshot(stores);
      const seen: string[][] = [];
      const refused = {
        ...requestFor(newEstate(), 'replace'),
        checkRemoval: (removal: Parameters<NonNullable<InventoryImportRequest['checkRemoval']>>[0]) => {
          seen.push(removal.vms);
          throw new Error('the confirmation does not match');
        },
      };
      await expect(stores.inventory.importInventory(refused)).rejects.toThrow(
        'the confirmation does not match',
      );
      expect(await snapshot(stores)).toEqual(previous);
      const kept = new Set(newEstate().vms.map((vm) => vm.id));
      expect(seen).toEqual([
        oldEstate()
          .vms.map((vm) => vm.id)
          .filter((id) => !kept.has(id)),
      ]);
    });

    it('a replace of the same estate removes nothing', async () => {
      const { stores } = await seeded(dialect);
      let empty: boolean | null = null;
      await stores.inventory.importInventory({
        ...requestFor(oldEstate(), 'replace'),
        checkRemoval: (removal) => {
          empty = isEmptyRemoval(removal);
        },
      });
      expect(empty).toBe(true);
    });
  });
  describe.skipIf(dialect.skip !== null)('what a replace preview and the jobs list read', () => {
    it('namesOfVms names the stored VMs of these ids; pointCountsByVm counts points with the newest name', async () => {
      const { stores } = await seeded(dialect);
      const [first, second] = oldEstate().vms;
      if (!first || !second) throw new Error('the estate has VMs');
      expect(await stores.inventory.namesOfVms([first.id, 'vm-gone', second.id])).toEqual(
        new Map([
          [first.id, first.name],
          [second.id, second.name],
        ]),
      );
      expect(await stores.inventory.namesOfVms([])).toEqual(new Map());

      const catalogue = async (n: number, vmId: string, vmName: string, hoursAgo: number) => {
        const createdAt = new Date(Date.UTC(2026, 0, 2) - hoursAgo * 3_600_000);
        const operation = await stores.operations.enqueue(
          backupPlanOf([vmId]),
          {},
          {
            id: `op-${n}`,
            now: createdAt,
            requestedBy: 'system',
            jobId: null,
          },
        );
        await stores.restorePoints.catalog({
          point: {
            id: `rp-${n}`,
            vmId,
            vmName,
            operationId: operation.id,
            jobId: null,
            method: 'hyperv-vss',
            consistency: 'application',
            consistencyReason: null,
            captureState: 'online',
            applicationState: null,
            createdAt,
            hostVolumeId: null,
            arrayVolumeId: null,
            snapshotId: null,
            heldDisksJson: [],
            missingDisksJson: [],
            isPartial: false,
            sizeBytes: 1,
            repositoryPath: `repository/rp-${n}`,
          },
          files: [],
          operationId: operation.id,
          now: createdAt,
        });
      };
      await catalogue(1, 'vm-gone', 'old name', 30);
      await catalogue(2, 'vm-gone', 'newest name', 2);
      await catalogue(3, first.id, first.name, 5);
      const counts = await stores.restorePoints.pointCountsByVm(['vm-gone', first.id, second.id]);
      expect([...counts].sort((a, b) => a.vmId.localeCompare(b.vmId))).toEqual(
        [
          { vmId: 'vm-gone', vmName: 'newest name', points: 2 },
          { vmId: first.id, vmName: first.name, points: 1 },
        ].sort((a, b) => a.vmId.localeCompare(b.vmId)),
      );
    });
  });
});
