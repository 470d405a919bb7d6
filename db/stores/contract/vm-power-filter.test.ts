/**
 * The VM list's power-state filter and sort tell the truth about states that were not read, the
 * same on SQLite and PostgreSQL: a VM whose state was not read (`powerStateUnknown`) is planned as
 * running (or as an operation left it), but no state filter lists it under that state, "not-read"
 * lists exactly those VMs, and the power-state sort places them after every state read, paged by
 * its cursor without a row skipped or repeated, in either direction.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDomainError } from '../../../server/engine/errors';
import { evaluateInventory } from '../../../server/engine/evaluate';
import { type Inventory, POWER_STATES, type Vm } from '../../../server/engine/inventory';
import {
  POWER_STATE_NOT_READ,
  VM_POWER_FILTERS,
  type VmListQueryInput,
  type VmPowerFilter,
  vmCountQueryInput,
  vmListQueryInput,
} from '../../../server/schemas/inventory-queries';
import { generateLargeEstate } from '../../seed/large-estate';
import type { InventoryStore } from '../ports/inventory';
import { encodeCursor } from '../sqlite/keyset';
import { type DialectHandle, type StoreDialect, storeDialects } from './dialects';

const NOW = new Date('2026-06-15T10:30:00Z');
const REPORTED = 'Hyper-V reports state Hibernated (32783), which Migawka does not know';

/**
 * 40 VMs, ten in each state read, then five of them not read: four planned as running and one
 * stored as off (as a stop an operation caused would leave it before a sync could not read it).
 */
function estate(): Inventory {
  const generated = generateLargeEstate({ hosts: 4, vms: 40, disksPerVm: 1, seed: 11 });
  const unread = new Set(['vm-00000', 'vm-00004', 'vm-00008', 'vm-00013', 'vm-00021']);
  return {
    ...generated,
    vms: generated.vms.map(
      (vm, i): Vm => ({
        ...vm,
        powerState: POWER_STATES[i % POWER_STATES.length],
        powerStateUnknown: unread.has(vm.id) ? REPORTED : null,
      }),
    ),
  };
}

/** What the filter must list: a state read as such, or a state not read. */
function matches(filter: VmPowerFilter, vm: Vm): boolean {
  if (filter === POWER_STATE_NOT_READ) return Boolean(vm.powerStateUnknown);
  return vm.powerState === filter && !vm.powerStateUnknown;
}

/** The sort's order: the states read by name, then those not read; ids break ties. */
function sortRank(vm: Vm): number {
  return vm.powerStateUnknown ? POWER_STATES.length : [...POWER_STATES].sort().indexOf(vm.powerState);
}

const byId = (a: Vm, b: Vm) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

interface Walked {
  ids: string[];
  /** Each page's ids, in order. */
  pages: string[][];
}

/** Every page of the list, following each page's cursor. */
async function walk(store: InventoryStore, input: VmListQueryInput): Promise<Walked> {
  const pages: string[][] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 100; guard++) {
    const page = await store.listVms(vmListQueryInput.parse({ ...input, cursor }), NOW);
    pages.push(page.items.map((vm) => vm.id));
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return { ids: pages.flat(), pages };
}

const opened: DialectHandle[] = [];
afterAll(async () => {
  for (const handle of opened.splice(0)) await handle.close();
});

describe.each(await storeDialects('vmpowerfilter'))('$name', (dialect: StoreDialect) => {
  describe.skipIf(dialect.skip !== null)('the power-state filter and sort with states not read', () => {
    const inventory = estate();
    const unreadIds = new Set(inventory.vms.filter((vm) => vm.powerStateUnknown).map((vm) => vm.id));
    let store: InventoryStore;
    beforeAll(async () => {
      const handle = await dialect.open();
      opened.push(handle);
      store = handle.stores.inventory;
      await store.importInventory({
        mode: 'replace',
        validate: () => inventory,
        assess: evaluateInventory,
        record: { id: 'import-power-filter', createdAt: NOW, requestedBy: 'system' },
      });
    });

    it.each(VM_POWER_FILTERS)(
      '%s lists and counts exactly the VMs it names, over every page',
      async (filter) => {
        const expected = inventory.vms
          .filter((vm) => matches(filter, vm))
          .map((vm) => vm.name)
          .sort();
        const walked = await walk(store, { powerState: filter, sort: 'name', limit: 3 });
        const byIdName = new Map(inventory.vms.map((vm) => [vm.id, vm.name]));
        expect(walked.ids.map((id) => byIdName.get(id))).toEqual(expected);
        expect(await store.countVms(vmCountQueryInput.parse({ powerState: filter }), NOW)).toBe(
          expected.length,
        );
        // Every filter has VMs here: an answer of nothing would prove nothing.
        expect(expected.length).toBeGreaterThan(0);
        if (filter !== POWER_STATE_NOT_READ) expect(walked.ids.some((id) => unreadIds.has(id))).toBe(false);
      },
    );

    it('lists a VM not read under no state it is planned as', async () => {
      for (const state of POWER_STATES) {
        const planned = inventory.vms.filter((vm) => vm.powerState === state && vm.powerStateUnknown);
        const listed = (await walk(store, { powerState: state, limit: 100 })).ids;
        for (const vm of planned) expect(listed, `${vm.id} under ${state}`).not.toContain(vm.id);
      }
      // Both a VM planned running and one stored off are among them.
      const planned = inventory.vms.filter((vm) => vm.powerStateUnknown).map((vm) => vm.powerState);
      expect(new Set(planned)).toEqual(new Set(['running', 'off']));
    });

    it.each(['asc', 'desc'] as const)(
      'sorts by power state %s with the states not read in their own place, paged across them by cursor',
      async (direction) => {
        const ordered = [...inventory.vms].sort((a, b) => sortRank(a) - sortRank(b) || byId(a, b));
        const expected = (direction === 'asc' ? ordered : ordered.reverse()).map((vm) => vm.id);
        const walked = await walk(store, { sort: 'powerState', direction, limit: 3 });
        expect(walked.ids).toEqual(expected);
        // The five not read follow each other, after (asc) or before (desc) every state read...
        const places = walked.ids.flatMap((id, i) => (unreadIds.has(id) ? [i] : []));
        const first = direction === 'asc' ? expected.length - unreadIds.size : 0;
        expect(places).toEqual([0, 1, 2, 3, 4].map((i) => first + i));
        // ...and a page ends and the next begins among them: a cursor taken from a VM not read.
        const crossings = walked.pages.filter(
          (page, i) => unreadIds.has(page.at(-1) ?? '') && unreadIds.has(walked.pages[i + 1]?.[0] ?? ''),
        );
        expect(crossings.length).toBeGreaterThan(0);
      },
    );

    it.each(['asc', 'desc'] as const)(
      'sorts the VMs not read by power state %s, paged, whatever state each is planned as',
      async (direction) => {
        const ids = [...unreadIds].sort();
        const walked = await walk(store, { powerState: 'not-read', sort: 'powerState', direction, limit: 2 });
        expect(walked.ids).toEqual(direction === 'asc' ? ids : ids.reverse());
      },
    );

    it('refuses a cursor the power-state sort made when it sorted by the planned state', async () => {
      const old = encodeCursor('vms:powerState:asc', 'running', 'vm-00001');
      const refusal = await store
        .listVms(vmListQueryInput.parse({ sort: 'powerState', cursor: old }), NOW)
        .then(
          () => null,
          (error: unknown) => error,
        );
      expect(isDomainError(refusal) && { code: refusal.code, fields: refusal.fieldErrors }).toEqual({
        code: 'INVALID_INPUT',
        fields: [
          { path: 'cursor', message: 'belongs to another sort order; start again from the first page' },
        ],
      });
    });
  });
});
