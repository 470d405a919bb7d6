/**
 * A live pool sync re-assesses only the VMs a batch can have changed (and those sharing storage with
 * them), against the fake pool over HTTPS, on both databases: the rest of the estate keeps its stored
 * findings, and what changed is judged anew.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { storeDialects } from '../../db/stores/contract/dialects';
import { METHODS } from '../drivers/xapi/fake/fake-methods';
import { XapiClient } from '../drivers/xapi/xapi-client';
import { xenId } from '../drivers/xapi/xapi-discovery';
import { type PoolSync, PoolWatcher } from '../drivers/xapi/xapi-live';
import { memoryTrustStore } from '../drivers/xapi/xapi-transport';
import { evaluateVm } from '../engine/evaluate';
import { indexInventory } from '../engine/inventory';
import { makeXenEstate } from '../engine/test-fixtures';
import { isDomainError } from './errors';
import { importInventory } from './import-service';
import { getVm } from './inventory/vms';
import { poolPointId } from './xapi-pool-points';
import { applyPoolSync, type PoolSyncResult } from './xapi-sync-service';
import { closeXapiLabs, openXapiLab } from './xapi-test-support';

/** Protection statuses are taken at a fixed time: these tests never read the wall clock. */
const CLOCK = { now: () => new Date('2026-06-15T10:30:00Z') };

afterEach(closeXapiLabs);
const dialects = await storeDialects('xapisync');

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    /**
     * The pool's watcher writing through `applyPoolSync`, as the console's does. `meanwhile`, when
     * set, runs once between a batch's read and its application: what another worker does then.
     */
    async function watched(now?: () => Date) {
      const { fixture, fake, stores, ctx } = await openXapiLab(dialect, { now });
      // Another host's VM, stored before the pool: no batch of the pool may touch its assessment.
      await importInventory(
        stores,
        ctx,
        { formatVersion: 1, ...makeXenEstate({ id: 'vm-other', name: 'other01' }) },
        'merge',
      );
      const client = new XapiClient({
        label: 'xapi pool lab',
        address: fake.address(),
        credentials: { credentials: async () => ({ username: 'root', password: 's3cret' }) },
        trust: memoryTrustStore(),
      });
      const results: PoolSyncResult[] = [];
      const syncs: PoolSync[] = [];
      const between: { meanwhile: (() => Promise<void>) | null } = { meanwhile: null };
      const watcher = new PoolWatcher(client, async (sync) => {
        syncs.push(sync);
        // The console's onSync applies at once, and applyPoolSync takes that moment as the read's.
        const readStartedAt = ctx.now();
        const meanwhile = between.meanwhile;
        between.meanwhile = null;
        if (meanwhile) await meanwhile();
        results.push(await applyPoolSync(stores, ctx, 'pool-sync-test', sync, readStartedAt));
      });
      const signal = new AbortController().signal;
      const id = (ref: string) => xenId(fixture.pool.get('VM', ref)?.uuid as string);
      const assessed = () => results.at(-1)?.import?.assessment.assessedVms;
      return { fixture, stores, syncs, results, between, step: () => watcher.step(signal), id, assessed };
    }

    it('a VM restored as new after a batch was read is not gone by that batch; the next one lists it', async () => {
      let clock = new Date('2026-11-24T02:00:00Z');
      const { fixture, stores, results, between, step, id } = await watched(() => clock);
      await step();
      const template = (await stores.inventory.loadInventory()).vms.find((vm) => vm.id === id(fixture.app01));
      if (!template) throw new Error('app01 was not synced');
      // app01 is destroyed on the pool: the batch has a removal, so it checks every VM's presence.
      METHODS['VM.destroy'](fixture.pool, [fixture.app01]);
      between.meanwhile = async () => {
        // A restore as new creates its VM on the pool and records it, after the batch was read.
        clock = new Date(clock.getTime() + 1_000);
        const restored = fixture.pool.addVm({ name: 'app01-restored', host: fixture.master, disks: [] });
        const vm = { ...template, id: id(restored), name: 'app01-restored', powerState: 'running' as const };
        await stores.inventory.addVms({ vms: [vm], virtualDisks: [], guestVolumes: [] }, clock, (part) => [
          evaluateVm(indexInventory(part), vm.id),
        ]);
      };
      await step();
      const restoredId = id(fixture.pool.findVm('app01-restored'));
      expect(results.at(-1)?.presence).toEqual({
        gone: [{ id: template.id, name: 'app01' }],
        reappeared: [],
      });
      expect((await stores.inventory.getVm(restoredId))?.vm.goneSince).toBeNull();
      // The next batch lists it: it was never gone, so it is not back either.
      clock = new Date(clock.getTime() + 1_000);
      // web01 goes too: a batch with a removal checks every VM's presence again.
      METHODS['VM.hard_shutdown'](fixture.pool, [fixture.web01]);
      METHODS['VM.destroy'](fixture.pool, [fixture.web01]);
      await step();
      expect(results.at(-1)?.presence.reappeared).toEqual([]);
      expect((await stores.inventory.getVm(restoredId))?.vm.goneSince).toBeNull();
    });

    it('a batch the import refuses marks no VM gone and changes nothing', async () => {
      const { fixture, stores, results, step, id } = await watched();
      await step();
      const before = await stores.inventory.loadInventory();
      const web01 = id(fixture.web01);
      // web01 is destroyed on the pool, and in the same batch its SR reports a size the import
      // refuses (its free space then exceeds it): the batch is not stored, so web01 is not gone.
      METHODS['VM.hard_shutdown'](fixture.pool, [fixture.web01]);
      METHODS['VM.destroy'](fixture.pool, [fixture.web01]);
      fixture.pool.mod('SR', fixture.local, { physical_size: -1 });
      const refused = await step().then(
        () => null,
        (error: unknown) => error,
      );
      expect(isDomainError(refused) && refused.message).toContain('nothing was imported');
      expect(results).toHaveLength(1);
      expect(await stores.inventory.loadInventory()).toEqual(before);
      expect((await stores.inventory.getVm(web01))?.vm.goneSince).toBeNull();
    });

    it('a full sync assesses the estate; a batch only the VMs it touched and their storage neighbours', async () => {
      const { fixture, stores, syncs, step, id, assessed } = await watched();
      await step();
      expect(syncs[0].kind).toBe('full');
      expect(assessed()).toBe(4); // the pool's three VMs and the other host's

      // web01 alone on its local SR: one VM assessed.
      fixture.pool.mod('VM', fixture.web01, { tags: ['web'] });
      await step();
      expect(syncs.at(-1)).toMatchObject({
        kind: 'changes',
        changedVmIds: [id(fixture.web01)],
        isPoolChanged: false,
      });
      expect(assessed()).toBe(1);

      // sql01 shares the iSCSI SR with app01: both, since co-captured VMs name each other.
      fixture.pool.mod('VM', fixture.sql01, { tags: ['sqlserver', 'finance'] });
      await step();
      expect(syncs.at(-1)?.changedVmIds).toEqual([id(fixture.sql01)]);
      expect(assessed()).toBe(2);

      // An SR changed: every VM of the pool may be judged by it, the other host's VM is not.
      fixture.pool.mod('SR', fixture.local, { name_label: 'Local storage xcp1 (ssd)' });
      await step();
      expect(syncs.at(-1)).toMatchObject({ isPoolChanged: true, changedVmIds: [] });
      expect(assessed()).toBe(3);
      expect((await getVm(stores, CLOCK, 'vm-other')).assessment).not.toBeNull();
    });

    it('what changed is judged anew on merge: app01 started without guest tools turns its unknown guest into a warning', async () => {
      const { fixture, stores, step, id, assessed } = await watched();
      await step();
      const unreadGuest = async () =>
        (await getVm(stores, CLOCK, id(fixture.app01))).findings.find(
          (f) => f.ruleId === 'XS-GUEST-FACTS-UNKNOWN',
        );
      expect(await unreadGuest()).toMatchObject({ severity: 'info' });
      const otherBefore = (await getVm(stores, CLOCK, 'vm-other')).findings;

      fixture.pool.mod('VM', fixture.app01, { power_state: 'Running', resident_on: fixture.master });
      await step();
      expect(assessed()).toBe(2); // app01 and sql01, which shares its SR
      expect(await unreadGuest()).toMatchObject({
        severity: 'warning',
        message: expect.stringContaining('because its guest reports no metrics to the pool'),
      });
      // Untouched by the batch: its stored findings are the same rows as before.
      expect((await getVm(stores, CLOCK, 'vm-other')).findings).toEqual(otherBefore);
    });

    it('a snapshot kept on the pool is a restore point of its VM; destroyed outside Migawka, it is marked gone with why', async () => {
      const { fixture, stores, step, id } = await watched();
      await step();
      const [snapshotRef] = [...fixture.pool.table('VM').entries()].find(
        ([, vm]) => vm.is_a_snapshot === true && vm.name_label === 'sql01 before patch',
      ) ?? [''];
      const snapshotId = xenId(fixture.pool.get('VM', snapshotRef)?.uuid as string);
      const point = await stores.restorePoints.get(poolPointId(snapshotId));
      expect(point).toMatchObject({
        vmId: id(fixture.sql01),
        vmName: 'sql01',
        method: 'xen-snapshot',
        consistency: 'crash',
        captureState: 'online',
        locationKind: 'pool-snapshot',
        locationRef: snapshotId,
        locationName: 'sql01 before patch',
        goneSince: null,
      });
      // It holds sql01's two disks (the VDIs the snapshot's copies were taken of), not the copies.
      const sqlDisks = fixture.pool
        .disksOf(fixture.sql01)
        .map((vdi) => xenId(fixture.pool.get('VDI', vdi)?.uuid as string));
      expect([...(point?.heldDisksJson ?? [])].sort()).toEqual([...sqlDisks].sort());

      // A second sync keeps the one row.
      fixture.pool.mod('VM', fixture.web01, { tags: ['web'] });
      await step();
      const page = await stores.restorePoints.browse({ vmId: id(fixture.sql01), sort: 'newest', limit: 10 });
      expect(page.items.map((item) => item.id)).toEqual([poolPointId(snapshotId)]);

      // Destroyed on the pool (record and disks): the next batch marks it gone, with the reason.
      const disks = fixture.pool.disksOf(snapshotRef);
      METHODS['VM.destroy'](fixture.pool, [snapshotRef]);
      for (const vdi of disks) METHODS['VDI.destroy'](fixture.pool, [vdi]);
      await step();
      const gone = await stores.restorePoints.get(poolPointId(snapshotId));
      expect(gone?.goneSince).toEqual(new Date('2026-11-24T02:00:00Z'));
      expect(gone?.goneReason).toMatch(
        /pool pool-lab no longer lists this snapshot .*deleted on the pool, outside Migawka/,
      );
      // Gone is not protection: the point reads missing, and sql01 is left with no good point.
      expect(gone?.lastVerdict).toBe('missing');
      const sqlProtection = await stores.protection.listVmProtection(
        { vmIds: [id(fixture.sql01)], limit: 1 },
        new Date('2026-11-24T02:00:00Z'),
      );
      expect(sqlProtection.items[0]).toMatchObject({ lastPoint: null, status: 'unprotected' });
    });
  });
});
