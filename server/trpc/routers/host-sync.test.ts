/**
 * A host read by a connection keeps what its last successful sync read. When a later sync fails, or
 * the connection is removed, the host's page and its VMs' pages say their facts may be out of date
 * (and why), instead of presenting them as today's, and so does the warning of the dashboard and
 * the VM list; a lab host, or a connection whose last sync succeeded, says nothing. The backup
 * review asks the same warning about the VMs of its plan: only their hosts, only they counted.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ProcessDatabase, storesOf } from '../../../db/process-database';
import { storeDialects } from '../../../db/stores/contract/dialects';
import { STALE_FACTS_MAX_VMS, type StaleHostFactsInput } from '../../schemas/inventory-queries';
import type { HostSyncState } from '../../services/inventory/host-sync';
import { openDemoLabOn, rowsOf } from '../../test-rows';
import { person } from '../../test-support';
import { contextFor, fieldErrorsOf } from '../init';
import { createCaller } from '../root';

const T0 = new Date('2026-03-02T09:00:00Z');
const T1 = new Date('2026-03-02T10:00:00Z');
const VIEWER = person('vera', 'Vera Viewer', 'viewer');

let database: ProcessDatabase;
let close: () => Promise<void>;
const caller = () => createCaller(contextFor(database, { now: () => T1 }, VIEWER));

/** What the connection did, and what the host's page must then say. */
const cases: {
  name: string;
  connector: 'lab' | 'hyperv' | 'xapi';
  syncs: { at: Date; error: string | null }[];
  /** Remove the connection after its syncs. */
  disconnect?: boolean;
  sync: HostSyncState | null;
}[] = [
  { name: 'a lab host is always current', connector: 'lab', syncs: [], sync: null },
  {
    name: 'a Hyper-V host whose last sync succeeded is current',
    connector: 'hyperv',
    syncs: [
      { at: T0, error: 'host-unreachable: HV01 did not answer' },
      { at: T1, error: null },
    ],
    sync: null,
  },
  {
    name: 'a Hyper-V host whose last sync failed shows the facts of the one before, and says so',
    connector: 'hyperv',
    syncs: [
      { at: T0, error: null },
      { at: T1, error: 'HV01 lab presented a different SSH host key' },
    ],
    sync: {
      kind: 'failed',
      connectionName: 'HV01 lab',
      connectionKind: 'Hyper-V host',
      readAt: T0,
      error: 'HV01 lab presented a different SSH host key',
    },
  },
  {
    name: 'a XenServer pool host whose last sync failed says so',
    connector: 'xapi',
    syncs: [
      { at: T0, error: null },
      { at: T1, error: 'The pool master did not answer' },
    ],
    sync: {
      kind: 'failed',
      connectionName: 'Pool A',
      connectionKind: 'XenServer pool',
      readAt: T0,
      error: 'The pool master did not answer',
    },
  },
  {
    name: 'a Hyper-V host whose connection was removed says nothing updates it',
    connector: 'hyperv',
    syncs: [{ at: T0, error: null }],
    disconnect: true,
    sync: { kind: 'disconnected', connectionKind: 'Hyper-V host' },
  },
  {
    name: 'a XenServer host whose pool was removed says nothing updates it',
    connector: 'xapi',
    syncs: [{ at: T0, error: null }],
    disconnect: true,
    sync: { kind: 'disconnected', connectionKind: 'XenServer pool' },
  },
];

/** A Hyper-V host of the demo lab whose connection's last sync failed, its VMs and a lab host's. */
interface FailedHost {
  hostId: string;
  vmIds: string[];
  labVmId: string;
}

/** What the backup review may ask of the warning, and what it must then say of that host. */
const inputs: {
  name: string;
  input(host: FailedHost): StaleHostFactsInput;
  vmCount(host: FailedHost): number;
}[] = [
  { name: 'no input: the whole estate', input: () => undefined, vmCount: (host) => host.vmIds.length },
  { name: 'no VMs named: the whole estate', input: () => ({}), vmCount: (host) => host.vmIds.length },
  {
    name: 'some of its VMs: only those counted',
    input: (host) => ({ vmIds: host.vmIds.slice(0, 2) }),
    vmCount: () => 2,
  },
  {
    name: 'a VM on a lab host only: nothing',
    input: (host) => ({ vmIds: [host.labVmId] }),
    vmCount: () => 0,
  },
  {
    name: `as many VMs as one backup takes (${STALE_FACTS_MAX_VMS}), most of them unknown`,
    input: (host) => ({
      vmIds: [
        host.vmIds[0],
        ...Array.from({ length: STALE_FACTS_MAX_VMS - 1 }, (_, index) => `vm-unknown-${index}`),
      ],
    }),
    vmCount: () => 1,
  },
];

/** Inputs refused with the field and the words a caller can act on; no answer says "nothing out of date". */
const refused: { name: string; input: StaleHostFactsInput; path: string; message: string }[] = [
  {
    name: 'an empty list (it would hide the warning)',
    input: { vmIds: [] },
    path: 'vmIds',
    message: 'Name at least one VM, or none for the whole estate',
  },
  {
    name: 'more VMs than one backup takes',
    input: { vmIds: Array.from({ length: STALE_FACTS_MAX_VMS + 1 }, (_, index) => `vm-${index}`) },
    path: 'vmIds',
    message: 'Ask about at most 10,000 VMs at once',
  },
  {
    name: 'a blank VM id',
    input: { vmIds: ['vm-fs-01', ' '] },
    path: 'vmIds[1]',
    message: expect.any(String),
  },
];

const dialects = await storeDialects('hostsync');

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('how current a host page says its facts are', () => {
    beforeEach(async () => {
      ({ database, close } = await openDemoLabOn(dialect));
    });
    afterEach(async () => {
      await close();
    });

    it.each(cases)('$name', async ({ connector, syncs, disconnect, sync }) => {
      const stores = storesOf(database);
      const inventory = await stores.inventory.loadInventory();
      const kind = connector === 'xapi' ? 'xenserver' : 'hyperv';
      const host = inventory.hosts.find((candidate) => candidate.kind === kind);
      const vm = inventory.vms.find((candidate) => candidate.hostId === host?.id);
      if (!host || !vm) throw new Error(`the demo lab has no ${kind} host with a VM`);
      await rowsOf(database).update('hosts', host.id, { connector });
      const made = { secretId: 'secret-1', createdAt: T0, createdBy: 'user:ada' };
      if (connector === 'hyperv') {
        const connection = { ...made, id: 'c1', name: 'HV01 lab', address: '192.0.2.20', port: 22 };
        await stores.hypervConnections.insert({ ...connection, guestSecretId: null, wsbBackupTarget: null });
        for (const { at, error } of syncs)
          await stores.hypervConnections.recordSync('c1', at, error, host.id);
        if (disconnect) await stores.hypervConnections.delete('c1');
      }
      if (connector === 'xapi') {
        await stores.xapiPools.insert({ ...made, id: 'p1', name: 'Pool A', address: '192.0.2.10' });
        for (const { at, error } of syncs) await stores.xapiPools.recordSync('p1', at, error, [host.id]);
        if (disconnect) await stores.xapiPools.delete('p1');
      }

      expect((await caller().hosts.get({ id: host.id })).sync).toEqual(sync);
      // The VM's page reads its host's facts too.
      expect((await caller().vms.get({ id: vm.id })).sync).toEqual(sync);
      // And the dashboard's and the VM list's warning says the same of it, counting its VMs.
      const stale = await caller().hosts.staleFacts();
      const vmCount = inventory.vms.filter((candidate) => candidate.hostId === host.id).length;
      expect(stale).toEqual(
        sync
          ? {
              hostCount: 1,
              vmCount,
              groups: [
                {
                  sync,
                  pool: sync.kind === 'disconnected' ? host.pool : null,
                  hosts: [{ id: host.id, name: host.name }],
                  hostCount: 1,
                  vmCount,
                },
              ],
            }
          : { hostCount: 0, vmCount: 0, groups: [] },
      );
    });
  });
});

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('the warning of some VMs (the backup review)', () => {
    let host: FailedHost;
    beforeEach(async () => {
      ({ database, close } = await openDemoLabOn(dialect));
      const stores = storesOf(database);
      const inventory = await stores.inventory.loadInventory();
      const hostId = 'host-hv-prod-01';
      await rowsOf(database).update('hosts', hostId, { connector: 'hyperv' });
      const made = { secretId: 'secret-1', createdAt: T0, createdBy: 'user:ada' };
      const connection = { ...made, id: 'c1', name: 'HV01 lab', address: '192.0.2.20', port: 22 };
      await stores.hypervConnections.insert({ ...connection, guestSecretId: null, wsbBackupTarget: null });
      await stores.hypervConnections.recordSync('c1', T0, null, hostId);
      await stores.hypervConnections.recordSync('c1', T1, 'HV01 lab: the host did not answer', hostId);
      const vmIds = inventory.vms.filter((vm) => vm.hostId === hostId).map((vm) => vm.id);
      const labVmId = inventory.vms.find((vm) => vm.hostId === 'host-hv-branch-01')?.id ?? '';
      host = { hostId, vmIds, labVmId };
    });
    afterEach(async () => {
      await close();
    });

    it.each(inputs)('$name', async ({ input, vmCount }) => {
      const stale = await caller().hosts.staleFacts(input(host));
      const count = vmCount(host);
      expect({ hostCount: stale.hostCount, vmCount: stale.vmCount }).toEqual({
        hostCount: count > 0 ? 1 : 0,
        vmCount: count,
      });
      expect(stale.groups.map((group) => group.hosts.map((named) => named.name))).toEqual(
        count > 0 ? [['hv-prod-01']] : [],
      );
    });

    it.each(refused)('refuses $name', async ({ input, path, message }) => {
      const error = await caller()
        .hosts.staleFacts(input)
        .then(
          () => null,
          (thrown: unknown) => thrown as { code: string },
        );
      expect(error?.code).toBe('BAD_REQUEST');
      expect(fieldErrorsOf(error)).toEqual([{ path, message }]);
    });
  });
});
