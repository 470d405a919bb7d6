/**
 * Contract of DriverLookupStore: every implementation answers the registry's and the lab's
 * lookups the same way, from an inventory it was seeded with.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { labTestInventory } from '../../../server/drivers/lab/lab-fixture';
import type { Inventory } from '../../../server/engine/inventory';
import type { DriverLookupStore } from '../ports/driver-lookup';

export function driverLookupContract(
  name: string,
  seeded: (inventory: Inventory) => Promise<DriverLookupStore>,
) {
  describe(`DriverLookupStore contract (${name})`, () => {
    let store: DriverLookupStore;

    beforeEach(async () => {
      const inventory = labTestInventory();
      inventory.hosts = inventory.hosts.map((host) =>
        host.id === 'xs1' ? { ...host, connector: 'xapi' } : host,
      );
      store = await seeded(inventory);
    });

    it('resolves the connector of a host from the host, its VMs and its volumes', async () => {
      const hv1 = { id: 'hv1', name: 'hv1', connector: 'lab' };
      expect(await store.host('hv1')).toEqual(hv1);
      expect(await store.hostOfVm('sql1')).toEqual(hv1);
      expect(await store.hostOfHostVolume('hv1-d')).toEqual(hv1);
      expect(await store.hostOfVm('web1')).toMatchObject({ id: 'xs1', connector: 'xapi' });
    });

    it('resolves the connector of an array from the array and its LUNs', async () => {
      const netapp = { id: 'netapp', name: 'netapp', connector: 'lab' };
      expect(await store.array('netapp')).toEqual(netapp);
      expect(await store.arrayOfArrayVolume('lun1')).toEqual(netapp);
    });

    it('answers null (or nothing) for ids that are not in the inventory', async () => {
      expect(await store.host('nope')).toBeNull();
      expect(await store.hostOfVm('nope')).toBeNull();
      expect(await store.hostOfHostVolume('nope')).toBeNull();
      expect(await store.array('nope')).toBeNull();
      expect(await store.arrayOfArrayVolume('nope')).toBeNull();
      expect(await store.vm('nope')).toBeNull();
      expect(await store.disksOfVm('nope')).toEqual([]);
      expect(await store.disks(['nope'])).toEqual([]);
      expect(await store.arrayVolumeOfHostVolume('nope')).toBeNull();
    });

    it('gives one VM, its disks and the LUN behind a host volume', async () => {
      expect(await store.vm('sql1')).toEqual({ id: 'sql1', name: 'sql1', powerState: 'running' });
      expect((await store.disksOfVm('sql1')).map((disk) => disk.id)).toEqual(['sql1-data', 'sql1-os']);
      const disks = await store.disks(['sql1-os', 'nope', 'fs1-pt']);
      expect(disks.map((disk) => disk.id).sort()).toEqual(['fs1-pt', 'sql1-os']);
      expect(disks.find((disk) => disk.id === 'fs1-pt')).toMatchObject({ vmId: 'fs1', hostVolumeId: null });
      expect(await store.arrayVolumeOfHostVolume('hv1-d')).toBe('lun1');
      expect(await store.arrayVolumeOfHostVolume('hv1-e')).toBeNull();
    });
  });
}
