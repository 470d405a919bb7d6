/**
 * What the estate-wide check of which hosts' facts may be out of date reads from every
 * InventoryStore (services/inventory/stale-hosts.ts): the hosts a connection reads, and how many
 * VMs each has, counted by the database rather than loaded.
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
  });
}
