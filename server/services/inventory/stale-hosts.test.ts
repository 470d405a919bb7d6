/**
 * Which hosts' facts may be out of date, estate-wide (the dashboard's and the VM list's warning):
 * the hosts of a connection whose last sync failed, with when the last good one read them, and
 * those no connection reads any more; never a lab host, nor one whose connection's last sync
 * succeeded. Each host is judged as its own page judges it (hostSyncStateOf).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ProcessDatabase, storesOf } from '../../../db/process-database';
import { storeDialects } from '../../../db/stores/contract/dialects';
import type { Stores } from '../../../db/stores/ports';
import type { Inventory } from '../../engine/inventory';
import { openDemoLabOn, rowsOf } from '../../test-rows';
import { hostSyncStateOf } from './host-sync';
import { STALE_HOSTS_NAMED, type StaleHostGroup, staleHostFacts } from './stale-hosts';

const T0 = new Date('2026-03-02T09:00:00Z');
const T1 = new Date('2026-03-02T10:00:00Z');
const MADE = { secretId: 'secret-1', createdAt: T0, createdBy: 'user:ada' };
const HV_ERROR = 'Hyper-V host HV cluster: the host presented a different SSH host key';
const POOL_ERROR = 'XenServer pool Pool A: the pool master did not answer';

/** The demo lab's host ids, by name. */
const ID = {
  hv1: 'host-hv-prod-01',
  hv2: 'host-hv-prod-02',
  branch: 'host-hv-branch-01',
  xs1: 'host-xs-a-01',
  xs2: 'host-xs-a-02',
  xs3: 'host-xs-a-03',
};
const POOL_A = [ID.xs1, ID.xs2, ID.xs3];

type Sync = { at: Date; error: string | null };

async function addHypervConnection(
  stores: Stores,
  name: string,
  syncs: Sync[],
  read: { hostId: string; nodeHostIds?: string[] } | null,
): Promise<string> {
  const id = `hv-${name}`;
  await stores.hypervConnections.insert({
    ...MADE,
    id,
    name,
    address: '192.0.2.20',
    port: 22,
    guestSecretId: null,
    wsbBackupTarget: null,
  });
  for (const { at, error } of syncs) {
    await stores.hypervConnections.recordSync(id, at, error, read?.hostId);
    if (error === null && read?.nodeHostIds)
      await stores.hypervConnections.recordCluster(id, 'HVCLUSTER', read.nodeHostIds);
  }
  return id;
}

async function addPool(stores: Stores, name: string, syncs: Sync[], hostIds: string[]): Promise<string> {
  const id = `pool-${name}`;
  await stores.xapiPools.insert({ ...MADE, id, name, address: '192.0.2.10' });
  for (const { at, error } of syncs) await stores.xapiPools.recordSync(id, at, error, hostIds);
  return id;
}

/**
 * A group as expected: its hosts by id (the demo lab names them), its VMs counted from the lab
 * (only `amongVmIds` when given).
 */
function group(
  lab: Inventory,
  sync: StaleHostGroup['sync'],
  hostIds: string[],
  pool: string | null = null,
  amongVmIds?: string[],
): StaleHostGroup {
  const hosts = lab.hosts
    .filter((host) => hostIds.includes(host.id))
    .map(({ id, name }) => ({ id, name }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  return {
    sync,
    pool,
    hosts,
    hostCount: hosts.length,
    vmCount: lab.vms.filter(
      (vm) => hostIds.includes(vm.hostId) && (amongVmIds === undefined || amongVmIds.includes(vm.id)),
    ).length,
  };
}

const failedHv = {
  kind: 'failed',
  connectionName: 'HV cluster',
  connectionKind: 'Hyper-V host',
  readAt: T0,
  error: HV_ERROR,
} as const;
const failedPool = {
  kind: 'failed',
  connectionName: 'Pool A',
  connectionKind: 'XenServer pool',
  readAt: T0,
  error: POOL_ERROR,
} as const;
const noHypervConnection = { kind: 'disconnected', connectionKind: 'Hyper-V host' } as const;
const noPool = { kind: 'disconnected', connectionKind: 'XenServer pool' } as const;

const cases: {
  name: string;
  connectors: Record<string, 'hyperv' | 'xapi'>;
  connect(stores: Stores): Promise<void>;
  groups(lab: Inventory): StaleHostGroup[];
}[] = [
  { name: 'lab hosts are always current', connectors: {}, connect: async () => {}, groups: () => [] },
  {
    name: 'a Hyper-V host whose last sync succeeded is current',
    connectors: { [ID.hv1]: 'hyperv' },
    connect: async (stores) => {
      const syncs = [
        { at: T0, error: 'Hyper-V host HV cluster: the host did not answer' },
        { at: T1, error: null },
      ];
      await addHypervConnection(stores, 'HV cluster', syncs, { hostId: ID.hv1 });
    },
    groups: () => [],
  },
  {
    name: 'a failed sync leaves every host it read, a cluster node too, with the facts of its last success',
    connectors: { [ID.hv1]: 'hyperv', [ID.hv2]: 'hyperv' },
    connect: async (stores) => {
      const syncs = [
        { at: T0, error: null },
        { at: T1, error: HV_ERROR },
      ];
      await addHypervConnection(stores, 'HV cluster', syncs, {
        hostId: ID.hv1,
        nodeHostIds: [ID.hv1, ID.hv2],
      });
    },
    groups: (lab) => [group(lab, failedHv, [ID.hv1, ID.hv2])],
  },
  {
    name: 'a connection whose first sync failed read no host: the host, read from a file, is read by none',
    connectors: { [ID.branch]: 'hyperv' },
    connect: async (stores) => {
      await addHypervConnection(
        stores,
        'HV branch',
        [{ at: T1, error: 'Hyper-V host HV branch: refused' }],
        null,
      );
    },
    groups: (lab) => [group(lab, noHypervConnection, [ID.branch])],
  },
  {
    name: 'a Hyper-V host whose connection was removed is read by none',
    connectors: { [ID.hv1]: 'hyperv' },
    connect: async (stores) => {
      const id = await addHypervConnection(stores, 'HV cluster', [{ at: T0, error: null }], {
        hostId: ID.hv1,
      });
      await stores.hypervConnections.delete(id);
    },
    groups: (lab) => [group(lab, noHypervConnection, [ID.hv1])],
  },
  {
    name: 'the hosts of a XenServer pool that was removed are read by none, named by their pool',
    connectors: { [ID.xs1]: 'xapi', [ID.xs2]: 'xapi', [ID.xs3]: 'xapi' },
    connect: async (stores) => {
      await stores.xapiPools.delete(await addPool(stores, 'Pool A', [{ at: T0, error: null }], POOL_A));
    },
    groups: (lab) => [group(lab, noPool, POOL_A, 'pool-a')],
  },
  {
    name: 'the hosts of a XenServer pool whose last sync failed',
    connectors: { [ID.xs1]: 'xapi', [ID.xs2]: 'xapi', [ID.xs3]: 'xapi' },
    connect: async (stores) => {
      const syncs = [
        { at: T0, error: null },
        { at: T1, error: POOL_ERROR },
      ];
      await addPool(stores, 'Pool A', syncs, POOL_A);
    },
    groups: (lab) => [group(lab, failedPool, POOL_A)],
  },
  {
    name: 'all at once: failed syncs first, by kind and name, then the hosts no connection reads',
    connectors: {
      [ID.hv1]: 'hyperv',
      [ID.hv2]: 'hyperv',
      [ID.xs1]: 'xapi',
      [ID.xs2]: 'xapi',
      [ID.xs3]: 'xapi',
    },
    connect: async (stores) => {
      const syncs = [
        { at: T0, error: null },
        { at: T1, error: POOL_ERROR },
      ];
      await addPool(stores, 'Pool A', syncs, POOL_A);
      await addHypervConnection(stores, 'HV cluster', [syncs[0], { at: T1, error: HV_ERROR }], {
        hostId: ID.hv1,
      });
    },
    groups: (lab) => [
      group(lab, failedHv, [ID.hv1]),
      group(lab, failedPool, POOL_A),
      group(lab, noHypervConnection, [ID.hv2]),
    ],
  },
];

/**
 * The backup review asks about the VMs its plan was made for, on an estate where the HV cluster's
 * last sync failed (hv-prod-01 and its node hv-prod-02) and Pool A was removed (its three hosts).
 */
const ofVms: { name: string; vmIds: string[] | undefined; groups(lab: Inventory): StaleHostGroup[] }[] = [
  {
    name: 'no VMs named: every host whose facts may be out of date, every VM of theirs counted',
    vmIds: undefined,
    groups: (lab) => [group(lab, failedHv, [ID.hv1, ID.hv2]), group(lab, noPool, POOL_A, 'pool-a')],
  },
  {
    name: 'VMs on one node of a failed cluster: that node only, only those VMs counted',
    vmIds: ['vm-sql-prod-01', 'vm-fs-01'],
    groups: (lab) => [group(lab, failedHv, [ID.hv1], null, ['vm-sql-prod-01', 'vm-fs-01'])],
  },
  {
    name: 'VMs on hosts out of date for different reasons: each reason with its own hosts, current ones left out',
    vmIds: ['vm-sql-prod-01', 'vm-erp-01', 'vm-exch-01', 'vm-branch-dc-01'],
    groups: (lab) => [
      group(lab, failedHv, [ID.hv1, ID.hv2], null, ['vm-sql-prod-01', 'vm-erp-01']),
      group(lab, noPool, [ID.xs1], 'pool-a', ['vm-exch-01']),
    ],
  },
  { name: 'VMs on a current host only: nothing said', vmIds: ['vm-branch-dc-01'], groups: () => [] },
  { name: 'an id the inventory lacks: nothing said', vmIds: ['vm-nowhere'], groups: () => [] },
];

describe.each(await storeDialects('stalehosts'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('which hosts’ facts may be out of date', () => {
    let database: ProcessDatabase;
    let close: () => Promise<void>;
    beforeEach(async () => {
      ({ database, close } = await openDemoLabOn(dialect));
    });
    afterEach(async () => {
      await close();
    });

    it.each(cases)('$name', async ({ connectors, connect, groups }) => {
      const stores = storesOf(database);
      for (const [hostId, connector] of Object.entries(connectors))
        await rowsOf(database).update('hosts', hostId, { connector });
      await connect(stores);
      const lab = await stores.inventory.loadInventory();

      const expected = groups(lab);
      const facts = await staleHostFacts(stores);
      expect(facts).toEqual({
        hostCount: expected.reduce((sum, stale) => sum + stale.hostCount, 0),
        vmCount: expected.reduce((sum, stale) => sum + stale.vmCount, 0),
        groups: expected,
      });
      // Each host is judged as its own page judges it.
      for (const host of lab.hosts) {
        const stale = facts.groups.find((candidate) => candidate.hosts.some((named) => named.id === host.id));
        expect({ host: host.name, sync: await hostSyncStateOf(stores, host) }).toEqual({
          host: host.name,
          sync: stale?.sync ?? null,
        });
      }
    });

    it.each(ofVms)('of some VMs: $name', async ({ vmIds, groups }) => {
      const stores = storesOf(database);
      for (const hostId of [ID.hv1, ID.hv2])
        await rowsOf(database).update('hosts', hostId, { connector: 'hyperv' });
      for (const hostId of POOL_A) await rowsOf(database).update('hosts', hostId, { connector: 'xapi' });
      const syncs = [
        { at: T0, error: null },
        { at: T1, error: HV_ERROR },
      ];
      await addHypervConnection(stores, 'HV cluster', syncs, {
        hostId: ID.hv1,
        nodeHostIds: [ID.hv1, ID.hv2],
      });
      await stores.xapiPools.delete(await addPool(stores, 'Pool A', [{ at: T0, error: null }], POOL_A));
      const lab = await stores.inventory.loadInventory();

      const expected = groups(lab);
      expect(await staleHostFacts(stores, vmIds)).toEqual({
        hostCount: expected.reduce((sum, stale) => sum + stale.hostCount, 0),
        vmCount: expected.reduce((sum, stale) => sum + stale.vmCount, 0),
        groups: expected,
      });
    });

    it(`names the first ${STALE_HOSTS_NAMED} hosts of a group by name, and counts them all`, async () => {
      const stores = storesOf(database);
      const hosts = Array.from({ length: STALE_HOSTS_NAMED + 2 }, (_, index) => ({
        id: `host-collected-${String(index).padStart(2, '0')}`,
        name: `collected-${String(index).padStart(2, '0')}`,
        kind: 'hyperv' as const,
        version: 'Windows Server 2022',
        pool: null,
        hasVssAwareProduct: false,
        offersQuiescedSnapshots: false,
        connector: 'hyperv',
      }));
      await rowsOf(database).insert('hosts', [...hosts].reverse());

      const facts = await staleHostFacts(stores);
      expect(facts.groups).toEqual([
        {
          sync: noHypervConnection,
          pool: null,
          hosts: hosts.slice(0, STALE_HOSTS_NAMED).map(({ id, name }) => ({ id, name })),
          hostCount: STALE_HOSTS_NAMED + 2,
          vmCount: 0,
        },
      ]);
    });
  });
});
