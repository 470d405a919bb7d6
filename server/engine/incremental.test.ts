import { describe, expect, it } from 'vitest';
import { evaluateInventory, type VmAssessment } from './evaluate';
import { evaluateAroundHost, storageComponentOfHost, withHost } from './incremental';
import { type Host, type Inventory, indexInventory } from './inventory';
import { makeOperationsIndex } from './operations-estate.fixture';
import { makeDisk, makeGeneratedEstate } from './test-fixtures';

const changes: { name: string; change: (host: Host) => Host }[] = [
  {
    name: 'the VSS-aware product goes away',
    change: (host) => ({ ...host, hasVssAwareProduct: !host.hasVssAwareProduct }),
  },
  {
    name: 'quiesced snapshots are withdrawn or offered',
    change: (host) => ({ ...host, offersQuiescedSnapshots: !host.offersQuiescedSnapshots }),
  },
  { name: 'the host is renamed', change: (host) => ({ ...host, name: `${host.name}-renamed` }) },
];

/**
 * A generated estate whose hosts are linked by storage in every way the component follows: a VM
 * with a disk on another host's volume (a CSV), checkpoint files and shadow storage on another
 * host's volume, and two hosts' LUNs in one consistency group.
 */
function linkedEstate(): Inventory {
  const inventory = makeGeneratedEstate({ hosts: 12, vmsPerHost: 6, vmsPerVolume: 3, disksPerVm: 2 });
  const volumeOf = (h: number) => inventory.hostVolumes.filter((v) => v.hostId === inventory.hosts[h].id)[0];
  const vmOf = (h: number) => inventory.vms.filter((vm) => vm.hostId === inventory.hosts[h].id)[0];
  inventory.virtualDisks.push(makeDisk({ vmId: vmOf(1).id, name: 'csv-disk', hostVolumeId: volumeOf(2).id }));
  vmOf(4).snapshotLocationVolumeId = volumeOf(5).id;
  volumeOf(6).shadowStorageVolumeId = volumeOf(7).id;
  const lun8 = inventory.arrayVolumes.find((lun) => lun.id === volumeOf(8).arrayVolumeId);
  const lun10 = inventory.arrayVolumes.find((lun) => lun.id === volumeOf(10).arrayVolumeId);
  if (!lun8 || !lun10?.consistencyGroupId) {
    throw new Error('linkedEstate: expected a LUN behind host 8 and a grouped LUN behind host 10');
  }
  lun8.consistencyGroupId = lun10.consistencyGroupId;
  return inventory;
}

const estates: { name: string; inventory: () => Inventory }[] = [
  { name: 'the operations estate', inventory: () => makeOperationsIndex().inventory },
  { name: 'a generated estate linked across hosts', inventory: linkedEstate },
];

function byVm(assessments: VmAssessment[]): Map<string, VmAssessment> {
  return new Map(assessments.map((assessment) => [assessment.vmId, assessment]));
}

describe('evaluation after one host changes', () => {
  for (const estate of estates) {
    const inventory = estate.inventory();
    const before = byVm(evaluateInventory(inventory));
    const index = indexInventory(inventory);
    const hosts = inventory.hosts;

    it.each(changes)(
      `on ${estate.name}: when $name, the host's component gets exactly the whole estate's new assessments and no other VM's changes`,
      ({ change }) => {
        for (const host of hosts) {
          const changed = change(host);
          const after = byVm(
            evaluateInventory({
              ...inventory,
              hosts: inventory.hosts.map((known) => (known.id === host.id ? changed : known)),
            }),
          );
          const incremental = evaluateAroundHost(withHost(index, changed), host.id);
          const reevaluated = new Set(incremental.map((assessment) => assessment.vmId));
          for (const assessment of incremental) expect(assessment).toEqual(after.get(assessment.vmId));
          for (const [vmId, assessment] of after) {
            if (!reevaluated.has(vmId)) expect(assessment).toEqual(before.get(vmId));
          }
          // The host's own VMs are always among those evaluated again.
          for (const vm of inventory.vms.filter((vm) => vm.hostId === host.id)) {
            expect(reevaluated.has(vm.id)).toBe(true);
          }
        }
      },
    );
  }

  it('reads only the part of the estate linked to the host by storage, not the whole estate', () => {
    const inventory = linkedEstate();
    const host = inventory.hosts[3];
    const component = storageComponentOfHost(indexInventory(inventory), host.id);
    expect(component.vms.length).toBeGreaterThanOrEqual(
      inventory.vms.filter((vm) => vm.hostId === host.id).length,
    );
    expect(component.vms.length).toBeLessThan(inventory.vms.length / 4);
    // A host linked to another by storage brings the other's VMs along.
    const linked = storageComponentOfHost(indexInventory(inventory), inventory.hosts[1].id);
    expect(new Set(linked.vms.map((vm) => vm.hostId))).toEqual(
      new Set([inventory.hosts[1].id, inventory.hosts[2].id]),
    );
    expect(component.hosts.map((known) => known.id)).toContain(host.id);
  });

  it('refuses a host the inventory does not hold', () => {
    const index = indexInventory(linkedEstate());
    expect(() => withHost(index, { ...index.inventory.hosts[0], id: 'no-such-host' })).toThrow(
      "Host 'no-such-host' is not in the inventory",
    );
  });
});
