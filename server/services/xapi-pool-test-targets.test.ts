import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type StoreDialect, storeDialects } from '../../db/stores/contract/dialects';
import { evaluateInventory } from '../engine/evaluate';
import { isDomainError } from './errors';
import { addXapiPool, discoverXapiPool } from './xapi-pool-service';
import { listXapiPoolTestTargets } from './xapi-pool-ssh-accounts';
import { closeXapiLabs, openXapiLab, rejection } from './xapi-test-support';

afterEach(() => closeXapiLabs());
const dialects = await storeDialects('xapitesttargets');
let dialect: StoreDialect;

const call = () => ({ signal: new AbortController().signal, timeoutMs: 30_000 });

async function setup() {
  const lab = await openXapiLab(dialect);
  const { stores, ctx, keys, secret, fake } = lab;
  const pool = await addXapiPool(stores, ctx, keys, {
    name: 'pool-lab',
    address: fake.address(),
    secretId: secret.id,
  });
  return { ...lab, pool };
}

const names = (list: { items: { name: string }[] }) => list.items.map((item) => item.name);

describe.each(dialects)('$name', (current) => {
  describe.skipIf(current.skip !== null)('the names an SSH account test can be pointed at', () => {
    beforeEach(() => {
      dialect = current;
    });

    it('says the pool was not discovered yet instead of listing nothing', async () => {
      const { stores, pool } = await setup();
      expect(await listXapiPoolTestTargets(stores, { id: pool.id, account: 'guest' })).toEqual({
        discovered: false,
        items: [],
        hasMore: false,
      });
    });

    it("lists the pool's own VMs for the guest account and its hosts for the host account, by name", async () => {
      const { stores, ctx, keys, pool } = await setup();
      await discoverXapiPool(stores, ctx, keys, pool.id, call());
      const vms = await listXapiPoolTestTargets(stores, { id: pool.id, account: 'guest' });
      expect(vms.discovered).toBe(true);
      expect(names(vms)).toEqual(['app01', 'sql01', 'web01']);
      expect(vms.items.find((vm) => vm.name === 'web01')).toMatchObject({
        osFamily: 'linux',
        powerState: 'running',
        hostName: expect.any(String),
      });
      expect(vms.items.find((vm) => vm.name === 'app01')?.powerState).toBe('off');
      const hosts = await listXapiPoolTestTargets(stores, { id: pool.id, account: 'host' });
      expect(hosts.items).toHaveLength(2);
      expect(hosts.items.every((host) => host.powerState === null && host.hostName === host.name)).toBe(true);
    });

    it('says a VM whose power state was not read is so, beside the running it is planned as', async () => {
      const { stores, ctx, keys, pool } = await setup();
      await discoverXapiPool(stores, ctx, keys, pool.id, call());
      // As a restore as new leaves a VM whose host answered a state Migawka does not know.
      const stored = await stores.inventory.loadInventory();
      const reported = 'its host answered a power state Migawka does not know after the restore';
      await stores.inventory.importInventory({
        mode: 'merge',
        validate: () => ({
          ...stored,
          vms: stored.vms.map((vm) => (vm.name === 'web01' ? { ...vm, powerStateUnknown: reported } : vm)),
        }),
        assess: evaluateInventory,
        record: { id: 'import-web01-unread', createdAt: ctx.now(), requestedBy: 'system' },
      });
      const vms = await listXapiPoolTestTargets(stores, { id: pool.id, account: 'guest' });
      expect(vms.items.map((vm) => [vm.name, vm.powerState, vm.powerStateUnknown])).toEqual([
        ['app01', 'off', null],
        ['sql01', 'running', null],
        ['web01', 'running', reported],
      ]);
      const hosts = await listXapiPoolTestTargets(stores, { id: pool.id, account: 'host' });
      expect(hosts.items.every((host) => host.powerStateUnknown === null)).toBe(true);
    });

    it('matches the typed name and stops at the limit, saying more matched', async () => {
      const { stores, ctx, keys, pool } = await setup();
      await discoverXapiPool(stores, ctx, keys, pool.id, call());
      expect(
        names(await listXapiPoolTestTargets(stores, { id: pool.id, account: 'guest', search: 'EB0' })),
      ).toEqual(['web01']);
      // A LIKE wildcard typed is a character, not a pattern.
      expect(
        (await listXapiPoolTestTargets(stores, { id: pool.id, account: 'guest', search: '%' })).items,
      ).toEqual([]);
      const first = await listXapiPoolTestTargets(stores, { id: pool.id, account: 'guest', limit: 2 });
      expect(names(first)).toEqual(['app01', 'sql01']);
      expect(first.hasMore).toBe(true);
      expect(
        (await listXapiPoolTestTargets(stores, { id: pool.id, account: 'guest', limit: 3 })).hasMore,
      ).toBe(false);
    });

    it("keeps to the pool: another pool's hosts and VMs are not offered", async () => {
      const { stores, ctx, keys, pool, fake, secret } = await setup();
      await discoverXapiPool(stores, ctx, keys, pool.id, call());
      // A second connection, never discovered: nothing of the first pool is offered for it.
      const other = await addXapiPool(stores, ctx, keys, {
        name: 'pool-other',
        address: fake.address(),
        secretId: secret.id,
      });
      expect(await listXapiPoolTestTargets(stores, { id: other.id, account: 'guest' })).toMatchObject({
        discovered: false,
        items: [],
      });
      // The pool's recorded hosts are the filter: one host left, only its VMs.
      const recorded = (await stores.xapiPools.get(pool.id))?.hostIds ?? [];
      await stores.xapiPools.recordSync(pool.id, new Date(), null, recorded.slice(0, 1));
      const oneHost = await listXapiPoolTestTargets(stores, { id: pool.id, account: 'host' });
      expect(oneHost.items.map((host) => host.id)).toEqual(recorded.slice(0, 1));
      const vms = await listXapiPoolTestTargets(stores, { id: pool.id, account: 'guest' });
      expect(vms.items.every((vm) => vm.hostName === oneHost.items[0]?.name)).toBe(true);
    });

    it('names what is wrong with the input and an unknown pool', async () => {
      const { stores, pool } = await setup();
      const wrong = await rejection(
        listXapiPoolTestTargets(stores, { id: pool.id, account: 'dom0', limit: 0 }),
      );
      expect(isDomainError(wrong) && wrong.code).toBe('INVALID_INPUT');
      expect(String((wrong as Error).message)).toMatch(/List the VMs \(guest\) or the hosts \(host\)/);
      expect(String((wrong as Error).message)).toMatch(/Ask for at least one name/);
      const unknown = await rejection(listXapiPoolTestTargets(stores, { id: 'nope', account: 'guest' }));
      expect(isDomainError(unknown) && unknown.code).toBe('NOT_FOUND');
    });
  });
});
