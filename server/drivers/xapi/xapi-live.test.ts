import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../db/client';
import { createSqliteStores } from '../../../db/stores/sqlite';
import { createServiceContext } from '../../context';
import { getVm } from '../../services/inventory/vms';
import { applyPoolSync } from '../../services/xapi-sync-service';
import { fixturePool } from './fake/fake-fixtures';
import { type FakeXapi, startFakeXapi } from './fake/fake-xapi-server';
import { XapiClient } from './xapi-client';
import { xenId } from './xapi-discovery';
import { type PoolSync, PoolWatcher } from './xapi-live';
import { memoryTrustStore } from './xapi-transport';

/** Protection statuses are taken at a fixed time: these tests never read the wall clock. */
const CLOCK = { now: () => new Date('2026-06-15T10:30:00Z') };

const fakes: FakeXapi[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.stop()));
});

async function watched() {
  const fixture = fixturePool();
  const fake = await startFakeXapi({ pool: fixture.pool });
  fakes.push(fake);
  const client = new XapiClient({
    label: 'xapi pool lab',
    address: fake.address(),
    credentials: { credentials: async () => ({ username: 'root', password: 's3cret' }) },
    trust: memoryTrustStore(),
  });
  const stores = createSqliteStores(openDatabase(':memory:'));
  let counter = 0;
  const ctx = createServiceContext({
    now: () => new Date('2026-11-24T02:00:00Z'),
    newId: () => `sync-${++counter}`,
  });
  const syncs: PoolSync[] = [];
  const watcher = new PoolWatcher(client, async (sync) => {
    syncs.push(sync);
    await applyPoolSync(stores, ctx, 'pool-lab', sync);
  });
  const signal = new AbortController().signal;
  const id = (ref: string) => xenId(fixture.pool.get('VM', ref)?.uuid as string);
  return { fixture, fake, watcher, syncs, stores, step: () => watcher.step(signal), id };
}

describe('XAPI live discovery', () => {
  it('a VM stopped outside Migawka shows in the console after the next event, naming only it as changed', async () => {
    const { fixture, watcher, syncs, stores, step, id } = await watched();
    await step();
    expect(syncs[0]).toMatchObject({ kind: 'full' });
    expect(syncs[0].changedVmIds.sort()).toEqual(
      [id(fixture.sql01), id(fixture.web01), id(fixture.app01)].sort(),
    );
    expect((await getVm(stores, CLOCK, id(fixture.web01))).vm.powerState).toBe('running');

    fixture.pool.mod('VM', fixture.web01, { power_state: 'Halted', resident_on: 'OpaqueRef:NULL' });
    await step();
    expect(syncs[1]).toMatchObject({ kind: 'changes', changedVmIds: [id(fixture.web01)], removedVmIds: [] });
    expect((await getVm(stores, CLOCK, id(fixture.web01))).vm.powerState).toBe('off');
    expect(watcher.fullSyncs).toBe(1);
  });

  it('a snapshot taken outside Migawka reaches the facts as a restore point of its VM', async () => {
    const { fixture, fake, syncs, step, id } = await watched();
    await step();
    const session = fake.sessionCount;
    // Another tool snapshots web01 through the same pool.
    const { METHODS } = await import('./fake/fake-methods');
    METHODS['VM.snapshot'](fixture.pool, [fixture.web01, 'web01 by another tool']);
    await step();
    const last = syncs.at(-1) as PoolSync;
    expect(last.changedVmIds).toContain(id(fixture.web01));
    expect(last.facts.snapshots.map((snapshot) => [snapshot.vmId, snapshot.name])).toContainEqual([
      id(fixture.web01),
      'web01 by another tool',
    ]);
    expect(fake.sessionCount).toBe(session);
  });

  it('EVENTS_LOST and a new session each mean a full resync', async () => {
    const { fixture, fake, watcher, syncs, step } = await watched();
    await step();
    // app01 is renamed, and the pool drops that event before the watcher reads it.
    fixture.pool.mod('VM', fixture.app01, { name_label: 'app01-renamed' });
    fixture.pool.dropEvents();
    await step();
    expect(watcher.fullSyncs).toBe(2);
    expect(syncs.at(-1)?.inventory.vms.map((vm) => vm.name)).toContain('app01-renamed');

    fake.invalidateSessions(); // xapi restarted
    fixture.pool.mod('VM', fixture.app01, { name_label: 'app01' });
    await step();
    expect(watcher.fullSyncs).toBe(3);
    expect(syncs.at(-1)).toMatchObject({ kind: 'full' });
  });

  it('a VM deleted in the pool is reported as removed, and kept in the inventory marked gone', async () => {
    const { fixture, fake, syncs, step, id, stores } = await watched();
    await step();
    const app01 = id(fixture.app01);
    const vbds = (fixture.pool.get('VM', fixture.app01)?.VBDs ?? []) as string[];
    for (const vbd of vbds) fixture.pool.del('VBD', vbd);
    fixture.pool.del('VM', fixture.app01);
    await step();
    expect(syncs.at(-1)).toMatchObject({ kind: 'changes', removedVmIds: [app01] });
    expect(syncs.at(-1)?.inventory.vms.map((vm) => vm.id)).not.toContain(app01);
    const stored = await stores.inventory.loadInventory();
    expect(stored.vms.find((vm) => vm.id === app01)).toMatchObject({
      name: 'app01',
      goneSince: new Date('2026-11-24T02:00:00Z'),
    });
    expect(stored.virtualDisks.some((disk) => disk.vmId === app01)).toBe(true);
    expect(stored.vms.filter((vm) => vm.goneSince).map((vm) => vm.id)).toEqual([app01]);

    // A full resync (xapi restarted) still misses it: the mark stays as it was. The refused poll
    // leads straight to the full read: no long poll on the new session with the old token.
    fake.invalidateSessions();
    const polls = fake.calls.filter((method) => method === 'event.from').length;
    await step();
    expect(fake.calls.filter((method) => method === 'event.from')).toHaveLength(polls + 2);
    expect(syncs.at(-1)).toMatchObject({ kind: 'full' });
    expect(
      (await stores.inventory.loadInventory()).vms.filter((vm) => vm.goneSince).map((vm) => vm.id),
    ).toEqual([app01]);
  });
});
