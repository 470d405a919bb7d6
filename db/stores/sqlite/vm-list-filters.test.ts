/**
 * The VM list's statements prepared once per shape: a shape run again with other values answers for
 * those values, every filter's answer is the one the estate's rows give, and a connection keeps a
 * bounded number of shapes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Inventory, Vm } from '../../../server/engine/inventory';
import {
  POWER_STATE_NOT_READ,
  VM_POWER_FILTERS,
  type VmCountQuery,
} from '../../../server/schemas/inventory-queries';
import { type Db, openDatabase, sqliteOf } from '../../client';
import { seedLargeEstate } from '../../seed/large-estate';
import type { Stores } from '../ports';
import { createSqliteStores } from '.';
import { markGoneVms } from './inventory-vms';
import { preparedShapeIn, SHAPES_KEPT } from './prepared';

const NOW = new Date('2026-06-15T10:30:00Z');
const UNREAD = 'Hyper-V reports state Hibernated (32783), which Migawka does not know';

let db: Db;
let stores: Stores;
let inventory: Inventory;

beforeAll(async () => {
  db = openDatabase(':memory:');
  seedLargeEstate(db, { hosts: 6, vms: 120 });
  stores = createSqliteStores(db);
  inventory = await stores.inventory.loadInventory();
  // Two VMs of the first host its last read did not see.
  const firstHost = inventory.hosts[0].id;
  const ofFirstHost = inventory.vms.filter((vm) => vm.hostId === firstHost).map((vm) => vm.id);
  markGoneVms(db, firstHost, ofFirstHost.slice(2), NOW, NOW);
  // VMs whose power state a sync could not read: three planned as running (for safety), and one
  // stored off (an operation's planned state) — none of them is listed under the state it is planned as.
  const running = (osFamily: string) =>
    inventory.vms.filter((vm) => vm.powerState === 'running' && vm.osFamily === osFamily && !vm.goneSince);
  const off = inventory.vms.filter((vm) => vm.powerState === 'off');
  const unread = [...running('linux').slice(1, 3), running('windows')[1], off[0]].map((vm) => vm.id);
  expect(new Set(unread).size).toBe(4);
  const markUnread = sqliteOf(db).prepare('update vms set power_state_unknown = ? where id = ?');
  for (const id of unread) markUnread.run(UNREAD, id);
  inventory = await stores.inventory.loadInventory();
});

afterAll(() => {
  sqliteOf(db).close();
});

/** Every page of the list, names in order, and the count beside it. */
async function namesOf(query: VmCountQuery): Promise<{ names: string[]; total: number }> {
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await stores.inventory.listVms(
      { sort: 'name', direction: 'asc', limit: 7, ...query, cursor },
      NOW,
    );
    names.push(...page.items.map((vm) => vm.name));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return { names, total: await stores.inventory.countVms(query, NOW) };
}

function expected(has: (vm: Vm) => boolean): string[] {
  return inventory.vms
    .filter(has)
    .map((vm) => vm.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

const hostAt = (i: number) => () => inventory.hosts[i].id;
const goneIds = () => new Set(inventory.vms.filter((vm) => vm.goneSince).map((vm) => vm.id));

// Each row runs a shape twice or more with other values: the second answer must be its own.
const SAME_SHAPE: { filter: string; queries: (() => [VmCountQuery, (vm: Vm) => boolean])[] }[] = [
  {
    filter: 'host',
    queries: [0, 1, 5].map((i) => () => [{ hostId: hostAt(i)() }, (vm: Vm) => vm.hostId === hostAt(i)()]),
  },
  {
    filter: 'OS family',
    queries: (['linux', 'windows'] as const).map((osFamily) => () => [
      { osFamily },
      (vm: Vm) => vm.osFamily === osFamily,
    ]),
  },
  {
    // A state filter lists only the VMs whose state was read as such; "not-read" the others.
    filter: 'power state',
    queries: VM_POWER_FILTERS.map((powerState) => () => [
      { powerState },
      (vm: Vm) =>
        powerState === POWER_STATE_NOT_READ
          ? Boolean(vm.powerStateUnknown)
          : vm.powerState === powerState && !vm.powerStateUnknown,
    ]),
  },
  {
    filter: 'power state and OS family together',
    queries: ([POWER_STATE_NOT_READ, 'running'] as const).map((powerState) => () => [
      { powerState, osFamily: 'linux' },
      (vm: Vm) =>
        vm.osFamily === 'linux' &&
        (powerState === POWER_STATE_NOT_READ
          ? Boolean(vm.powerStateUnknown)
          : vm.powerState === powerState && !vm.powerStateUnknown),
    ]),
  },
  {
    filter: 'search',
    queries: ['1', '02', 'no such name', ''].map((search) => () => [
      { search },
      (vm: Vm) => vm.name.toLowerCase().includes(search),
    ]),
  },
  {
    filter: 'tag',
    queries: ['production', 'web'].map((tag) => () => [{ tag }, (vm: Vm) => vm.tags.includes(tag)]),
  },
  {
    filter: 'presence',
    queries: [
      () => [{ presence: 'gone' }, (vm: Vm) => goneIds().has(vm.id)],
      () => [{ presence: 'present' }, (vm: Vm) => !goneIds().has(vm.id)],
    ],
  },
  {
    filter: 'host and OS family together',
    queries: [0, 3].map((i) => () => [
      { hostId: hostAt(i)(), osFamily: 'windows' },
      (vm: Vm) => vm.hostId === hostAt(i)() && vm.osFamily === 'windows',
    ]),
  },
];

describe('the VM list prepared once per shape', () => {
  it.each(SAME_SHAPE)('answers each value of the $filter filter for itself', async ({ queries }) => {
    const answers = [];
    for (const query of queries) {
      const [filter, has] = query();
      const { names, total } = await namesOf(filter);
      expect(names, JSON.stringify(filter)).toEqual(expected(has));
      expect(total).toBe(names.length);
      answers.push(names);
    }
    // The estate has VMs of each value: the answers are not all one statement's first answer.
    expect(new Set(answers.map((names) => names.join())).size).toBe(answers.length);
  });
});

describe('preparedShapeIn', () => {
  it(`keeps at most ${SHAPES_KEPT} shapes a connection, the least recently used going first`, () => {
    const own = openDatabase(':memory:');
    let built = 0;
    const prepare = (shape: string) =>
      preparedShapeIn(own, shape, () => {
        built += 1;
        return { shape };
      });
    const first = prepare('shape 0');
    for (let i = 1; i < SHAPES_KEPT; i++) prepare(`shape ${i}`);
    expect(built).toBe(SHAPES_KEPT);
    // Asked again, the first is kept and becomes the most recently used...
    expect(prepare('shape 0')).toBe(first);
    expect(built).toBe(SHAPES_KEPT);
    // ...so one more shape pushes out the second, which is built again when asked.
    prepare('one shape too many');
    expect(prepare('shape 0')).toBe(first);
    expect(built).toBe(SHAPES_KEPT + 1);
    prepare('shape 1');
    expect(built).toBe(SHAPES_KEPT + 2);
  });
});
