/**
 * A VM whose guest could not be read has no OS in the VM list, its filter or its export: the
 * readers store a default there (Hyper-V 'windows', a XenServer guest without metrics 'linux')
 * that nobody read. Its own page says "OS not read" from the same fact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoLabInventory } from '../../../db/seed/demo-lab';
import { type DialectHandle, storeDialects } from '../../../db/stores/contract/dialects';
import { createServiceContext } from '../../context';
import { importInventory } from '../import-service';
import { countVms, listVms } from './vms';

const ctx = { now: () => new Date('2026-07-01T00:00:00Z') };
const lab = demoLabInventory();
const unread = lab.vms.filter((vm) => vm.guestFactsUnknown).map((vm) => vm.name);

describe.each(await storeDialects('vmosunread'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('the OS of an unread guest', () => {
    let handle: DialectHandle;
    beforeAll(async () => {
      handle = await dialect.open();
      await importInventory(handle.stores, createServiceContext(), lab, 'replace');
    });
    afterAll(() => handle.close());

    it('is not stated in the list', async () => {
      expect(unread).toEqual(expect.arrayContaining(['scan-xen-03', 'test-01']));
      const rows = (await listVms(handle.stores, ctx, { limit: 100 })).items;
      for (const row of rows) {
        const vm = lab.vms.find((candidate) => candidate.id === row.id);
        expect([row.name, row.osFamily]).toEqual([row.name, vm?.guestFactsUnknown ? null : vm?.osFamily]);
      }
    });

    it.each(['linux', 'windows'] as const)(
      'matches no %s filter, in the page and its count',
      async (osFamily) => {
        const expected = lab.vms
          .filter((vm) => vm.osFamily === osFamily && !vm.guestFactsUnknown)
          .map((vm) => vm.name)
          .sort();
        const page = await listVms(handle.stores, ctx, { osFamily, limit: 100 });
        expect(page.items.map((vm) => vm.name).sort()).toEqual(expected);
        expect((await countVms(handle.stores, ctx, { osFamily })).total).toBe(expected.length);
      },
    );
  });
});
