import { afterEach, describe, expect, it } from 'vitest';
import { storeDialects } from '../../db/stores/contract/dialects';
import type { SyncRunRecord } from '../../db/stores/ports/sync-log-store';
import { xenId } from '../drivers/xapi/xapi-discovery';
import { getDriverRegistry, stopRuntime } from '../jobs/runtime';
import { processDatabaseOf } from '../test-rows';
import { isDomainError } from './errors';
import { getVm } from './inventory/vms';
import { cancelOperation, startBackup } from './operations-service';
import { listConnectionSyncs } from './sync-log-service';
import { connectXapiPools, recordWatcherFailure, refreshXapiPools } from './xapi-connection-service';
import { addXapiPool, discoverXapiPool, removeXapiPool } from './xapi-pool-service';
import { closeXapiLabs, openXapiLab } from './xapi-test-support';

afterEach(async () => {
  await stopRuntime();
  await closeXapiLabs();
});
const dialects = await storeDialects('xapiconnection');

const call = { signal: new AbortController().signal, timeoutMs: 30_000 };

/**
 * A pool added over the fake's HTTPS with the vault's account, not yet synced. By default every
 * reading of the clock is a second later, so syncs are ordered by when they started.
 */
async function connectedPool(dialect: (typeof dialects)[number], now?: () => Date) {
  let seconds = 0;
  const lab = await openXapiLab(dialect, {
    now: now ?? (() => new Date(Date.UTC(2026, 10, 30, 1, 0, seconds++))),
  });
  const pool = await addXapiPool(lab.stores, lab.ctx, lab.keys, {
    name: 'pool-lab',
    address: lab.fake.address(),
    secretId: lab.secret.id,
  });
  return { ...lab, pool };
}

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    describe('connected XAPI pools', () => {
      it('keep the inventory live, serve their hosts through the registry, and go when removed', async () => {
        const { fixture, fake, handle, stores, ctx, keys, pool } = await connectedPool(
          dialect,
          () => new Date('2026-11-30T01:00:00Z'),
        );

        const set = await connectXapiPools(stores, keys, { watch: true, ctx });
        await set.synced(pool.id);
        const web01 = xenId(fixture.pool.get('VM', fixture.web01)?.uuid as string);
        const web = await getVm(stores, ctx, web01);
        expect(web.vm.powerState).toBe('running');
        expect(await stores.xapiPools.get(pool.id)).toMatchObject({ lastSyncAt: ctx.now(), lastError: null });

        // Stopped outside Migawka: the watcher's next batch shows it.
        const next = set.synced(pool.id);
        fixture.pool.mod('VM', fixture.web01, { power_state: 'Halted', resident_on: 'OpaqueRef:NULL' });
        await next;
        expect((await getVm(stores, ctx, web01)).vm.powerState).toBe('off');

        // The runner's registry hands the host's steps to the pool's client.
        const registry = getDriverRegistry(processDatabaseOf(handle));
        const driver = await registry.hypervisorForVm(web01);
        expect(await driver.getPowerState(web01, call)).toBe('off');

        await removeXapiPool(stores, ctx, { id: pool.id, confirmation: pool.name });
        await refreshXapiPools(stores);
        expect(set.connected()).toEqual([]);
        // The registry keeps its driver for the host; the next call finds no pool holding it.
        await expect(driver.getPowerState(web01, call)).rejects.toMatchObject({
          faultCode: 'connector-missing',
          message: expect.stringContaining('is not in any connected XAPI pool (connected: none)'),
        });
        expect(fake.sessionCount).toBe(0); // the pool's session was logged out
      });

      it('write a sync log per full sync and per batch of changes, keyset-paged, with the pool’s hosts stored', async () => {
        const { fixture, stores, ctx, keys, pool } = await connectedPool(dialect);
        const set = await connectXapiPools(stores, keys, { watch: true, ctx });
        await set.synced(pool.id);
        const hosts = ['xcp1', 'xcp2'].map((name) =>
          xenId(fixture.pool.get('host', name === 'xcp1' ? fixture.master : fixture.member)?.uuid as string),
        );
        // Stored on the pool's record, not only in this process's set: any process can check it.
        expect((await stores.xapiPools.get(pool.id))?.hostIds).toEqual([...hosts].sort());

        // Stopped outside Migawka: one batch, one record naming one changed VM.
        let next = set.synced(pool.id);
        fixture.pool.mod('VM', fixture.web01, { power_state: 'Halted', resident_on: 'OpaqueRef:NULL' });
        await next;
        // Deleted outside Migawka: marked gone, one record.
        next = set.synced(pool.id);
        for (const vbd of (fixture.pool.get('VM', fixture.app01)?.VBDs ?? []) as string[])
          fixture.pool.del('VBD', vbd);
        fixture.pool.del('VM', fixture.app01);
        await next;
        // A batch touching no VM (a host's description) writes no record.
        next = set.synced(pool.id);
        fixture.pool.mod('host', fixture.member, { name_description: 'rack 2' });
        await next;

        const row = (run: SyncRunRecord) => [
          run.connector,
          run.outcome,
          run.added,
          run.changed,
          run.gone,
          run.unknownFacts,
          run.warnings,
        ];
        const first = await listConnectionSyncs(stores, { connectionId: pool.id, limit: 2 });
        // Newest first: the deletion (app01, the guest without metrics, gone with it), then the halt.
        expect(first.items.map(row)).toEqual([
          ['xapi', 'succeeded', 0, 0, 1, 0, null],
          [
            'xapi',
            'succeeded-with-warnings',
            0,
            1,
            0,
            1,
            'app01: it was halted when its pool was last read, so its guest reported nothing to the pool',
          ],
        ]);
        const rest = await listConnectionSyncs(stores, {
          connectionId: pool.id,
          limit: 2,
          cursor: first.nextCursor ?? undefined,
        });
        expect(rest.items.map(row)).toEqual([
          [
            'xapi',
            'succeeded-with-warnings',
            3,
            0,
            0,
            1,
            'app01: it was halted when its pool was last read, so its guest reported nothing to the pool',
          ],
        ]);
        expect(rest.nextCursor).toBeNull();
        await set.stop();
      });

      it('list a running guest whose PV drivers are not detected among the unread, as the rules do', async () => {
        const { fixture, stores, ctx, keys, pool } = await connectedPool(dialect);
        const set = await connectXapiPools(stores, keys, { watch: true, ctx });
        await set.synced(pool.id);
        // Created outside Migawka: its guest reports metrics, but without the VM Tools running.
        const next = set.synced(pool.id);
        fixture.pool.addVm({
          name: 'legacy01',
          host: fixture.member,
          disks: [{ name: 'legacy01 root', sr: fixture.local, bytes: Buffer.alloc(512), vdiType: 'vhd' }],
          guest: { os: 'CentOS 6', pvDrivers: false },
        });
        await next;
        const [newest] = (await listConnectionSyncs(stores, { connectionId: pool.id, limit: 1 })).items;
        expect([newest.outcome, newest.added, newest.unknownFacts, newest.warnings]).toEqual([
          'succeeded-with-warnings',
          1,
          2,
          // Every batch maps the whole view: app01, halted since the start, is unread too.
          'app01: it was halted when its pool was last read, so its guest reported nothing to the pool; legacy01: its PV drivers are not detected (the XenServer VM Tools are not running in it)',
        ]);
        await set.stop();
      });

      it('record a watcher failure once while it repeats, and an admin’s failed discovery', async () => {
        const { fake, stores, ctx, keys, pool } = await connectedPool(dialect);
        await discoverXapiPool(stores, ctx, keys, pool.id, call);
        const message = 'XenServer pool pool-lab: 127.0.0.1 cannot be reached';
        for (let retry = 0; retry < 3; retry++) await recordWatcherFailure(stores, ctx, pool.id, message);
        await fake.stop();
        await expect(discoverXapiPool(stores, ctx, keys, pool.id, call)).rejects.toMatchObject({
          faultCode: 'host-unreachable',
        });
        const log = await listConnectionSyncs(stores, { connectionId: pool.id, limit: 10 });
        expect(log.items.map((run) => [run.outcome, run.error])).toEqual([
          ['failed', expect.stringMatching(/^127\.0\.0\.1:\d+ cannot be reached: connect ECONNREFUSED/)],
          ['failed', message],
          ['succeeded-with-warnings', null],
        ]);
        expect(await stores.xapiPools.get(pool.id)).toMatchObject({
          // In words, without the fault's code.
          lastError: expect.stringMatching(/^127\.0\.0\.1:\d+ cannot be reached: connect ECONNREFUSED/),
        });
      });

      const DISCONNECT: [string, 'queued' | 'cancelled', string | null][] = [
        [
          'while a backup of a VM on its member host is queued: refused, naming it',
          'queued',
          'pool-lab is in use by an operation ("Backup web01 (XenServer snapshot)"): wait for it to end, or cancel it, then disconnect it.',
        ],
        ['once that backup was cancelled: done, and its sync log forgotten', 'cancelled', null],
      ];
      it.each(DISCONNECT)('disconnecting %s', async (_what, state, refusal) => {
        const { fixture, stores, ctx, keys, pool } = await connectedPool(dialect);
        await discoverXapiPool(stores, ctx, keys, pool.id, call);
        const web01 = xenId(fixture.pool.get('VM', fixture.web01)?.uuid as string);
        const backup = await startBackup(stores, ctx, {
          scope: { kind: 'vms', vmIds: [web01] },
          consistencyPolicy: 'fallback',
          passthroughPolicy: 'skip',
        });
        if (state === 'cancelled') await cancelOperation(stores, ctx, backup.operationId);
        let error: unknown = null;
        try {
          await removeXapiPool(stores, ctx, { id: pool.id, confirmation: pool.name });
        } catch (caught) {
          error = caught;
        }
        if (refusal === null) {
          expect(error).toBeNull();
          expect(await stores.xapiPools.get(pool.id)).toBeNull();
          expect((await listConnectionSyncs(stores, { connectionId: pool.id })).items).toEqual([]);
        } else {
          expect(isDomainError(error) && [error.code, error.message]).toEqual([
            'PRECONDITION_FAILED',
            refusal,
          ]);
          expect(await stores.xapiPools.get(pool.id)).not.toBeNull();
        }
      });
    });
  });
});
