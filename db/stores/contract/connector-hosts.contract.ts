/**
 * What the estate-wide check of which hosts' facts may be out of date reads from every
 * InventoryStore (services/inventory/stale-hosts.ts): the hosts a connection reads, and how many
 * VMs each has, counted by the database rather than loaded; and, for the backup review, the same
 * narrowed to some VMs: only their hosts, only them counted.
 */
import { describe, expect, it } from 'vitest';
import type { Inventory } from '../../../server/engine/inventory';
import { demoLabInventory } from '../../seed/demo-lab';
import type { InventoryStore } from '../ports/inventory';

/** The demo lab with two Hyper-V hosts read by a connection and the XenServer pool read by one. */
function connectedLab(): Inventory {
  const lab = demoLabInventory();
  const connectorOf: Record<string, string> = {
    'hv-prod-01': 'hyperv',
    'hv-prod-02': 'hyperv',
    'xs-a-01': 'xapi',
    'xs-a-02': 'xapi',
    'xs-a-03': 'xapi',
  };
  lab.hosts = lab.hosts.map((host) => ({ ...host, connector: connectorOf[host.name] ?? host.connector }));
  // A VM a sync no longer saw is still on its host's page, and still counted.
  const gone = lab.vms.findIndex((vm) => vm.hostId === 'host-hv-prod-02');
  lab.vms[gone] = { ...lab.vms[gone], goneSince: new Date('2026-03-01T00:00:00Z') };
  return lab;
}

/** The hosts of some VMs, as the backup review asks (connectedLab: erp-01 on hv-prod-02 is gone). */
const HOSTS_OF_VMS: { name: string; connectors: string[]; vmIds: string[]; hosts: string[] }[] = [
  {
    name: 'only the hosts of the VMs asked for, each once, by name',
    connectors: ['hyperv', 'xapi'],
    vmIds: ['vm-sql-xen-01', 'vm-fs-01', 'vm-sql-prod-01', 'vm-db-lnx-01'],
    hosts: ['hv-prod-01', 'xs-a-02'],
  },
  {
    name: 'a gone VM still names its host',
    connectors: ['hyperv', 'xapi'],
    vmIds: ['vm-erp-01'],
    hosts: ['hv-prod-02'],
  },
  {
    name: 'the host of a VM asked for is left out when its connector is not',
    connectors: ['xapi'],
    vmIds: ['vm-sql-prod-01', 'vm-sql-xen-01'],
    hosts: ['xs-a-02'],
  },
  {
    name: 'a VM on a lab host names none of the connectors’ hosts',
    connectors: ['hyperv', 'xapi'],
    vmIds: ['vm-branch-dc-01'],
    hosts: [],
  },
  {
    name: 'an id the inventory lacks matches nothing',
    connectors: ['hyperv', 'xapi'],
    vmIds: ['vm-nowhere'],
    hosts: [],
  },
  { name: 'no VM asked for: no host', connectors: ['hyperv', 'xapi'], vmIds: [], hosts: [] },
];

export function connectorHostsContract(
  name: string,
  createStore: (inventory: Inventory) => Promise<InventoryStore>,
): void {
  describe(`InventoryStore connector hosts: ${name}`, () => {
    const lab = connectedLab();

    it('lists the hosts of the connectors asked for, by name, with their pool', async () => {
      const store = await createStore(lab);
      const expected = lab.hosts
        .filter((host) => host.connector === 'hyperv' || host.connector === 'xapi')
        .map(({ id, name, connector, pool }) => ({ id, name, connector, pool }))
        .sort((a, b) => (a.name < b.name ? -1 : 1));
      expect(await store.listHostsOfConnectors(['hyperv', 'xapi'])).toEqual(expected);
      expect((await store.listHostsOfConnectors(['xapi'])).map((host) => host.name)).toEqual([
        'xs-a-01',
        'xs-a-02',
        'xs-a-03',
      ]);
      expect((await store.listHostsOfConnectors(['lab'])).map((host) => host.name)).toEqual(['hv-branch-01']);
      expect(await store.listHostsOfConnectors([])).toEqual([]);
    });

    it('counts the VMs of each host asked for, gone ones too, and leaves out hosts with none', async () => {
      const store = await createStore(lab);
      const asked = ['host-hv-prod-02', 'host-xs-a-01', 'host-xs-a-02', 'host-xs-a-03', 'host-nowhere'];
      const expected = new Map<string, number>();
      for (const vm of lab.vms)
        if (asked.includes(vm.hostId)) expected.set(vm.hostId, (expected.get(vm.hostId) ?? 0) + 1);
      expect(expected.get('host-hv-prod-02')).toBeGreaterThan(1);
      expect(await store.countVmsOnHosts(asked)).toEqual(expected);
      expect(await store.countVmsOnHosts([])).toEqual(new Map());
    });

    it.each(HOSTS_OF_VMS)('of some VMs: $name', async ({ connectors, vmIds, hosts }) => {
      const store = await createStore(lab);
      const listed = await store.listHostsOfConnectors(connectors, vmIds);
      expect(listed.map((host) => host.name)).toEqual(hosts);
      // Each row is the host as the estate-wide list has it.
      const all = await store.listHostsOfConnectors(connectors);
      expect(listed).toEqual(all.filter((host) => hosts.includes(host.name)));
    });

    it('counts only the VMs asked for on each host, gone ones too, and leaves out hosts with none of them', async () => {
      const store = await createStore(lab);
      const hostIds = ['host-hv-prod-01', 'host-hv-prod-02', 'host-xs-a-03', 'host-nowhere'];
      const amongVmIds = ['vm-sql-prod-01', 'vm-fs-01', 'vm-erp-01', 'vm-exch-01', 'vm-nowhere'];
      expect(await store.countVmsOnHosts(hostIds, amongVmIds)).toEqual(
        new Map([
          ['host-hv-prod-01', 2],
          ['host-hv-prod-02', 1],
        ]),
      );
      expect(await store.countVmsOnHosts(hostIds, [])).toEqual(new Map());
      expect(await store.countVmsOnHosts([], amongVmIds)).toEqual(new Map());
    });
  });
}
