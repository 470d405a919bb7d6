import { describe, expect, it } from 'vitest';
import { planFingerprint } from './fingerprint';
import type { Inventory } from './inventory';
import { backupSeeds, neighbourhoodOf, newVmNamesOf, restoreSeeds, withNamedVms } from './neighbourhood';
import { makeOperationsEstate } from './operations-estate.fixture';
import type { RestorePointSummary } from './restore-points';

/** The fingerprint a backup of `vmIds` is reviewed with, on the estate after `change`. */
function backupFingerprint(vmIds: string[], change?: (inventory: Inventory) => void): string {
  const inventory = makeOperationsEstate();
  change?.(inventory);
  const seeds = backupSeeds({ kind: 'vms', vmIds });
  return planFingerprint(neighbourhoodOf(inventory, seeds.vmIds, seeds.also));
}

const point: RestorePointSummary = {
  id: 'rp-wsb01',
  vmId: 'wsb01',
  vmName: 'wsb01',
  method: 'wsb-volume',
  consistency: 'application',
  consistencyReason: null,
  captureState: 'online',
  createdAt: new Date('2026-03-28T02:00:00Z'),
  hostVolumeId: 'hv02:D:',
  arrayVolumeId: null,
  snapshotId: 'snap-1',
  heldDiskIds: ['wsb01-os'],
  missingDiskIds: [],
  sizeBytes: 1024,
  jobId: null,
  expiresAt: null,
};

function restoreFingerprint(points: RestorePointSummary[], change?: (inventory: Inventory) => void): string {
  const inventory = makeOperationsEstate();
  change?.(inventory);
  const seeds = restoreSeeds(point);
  return planFingerprint(neighbourhoodOf(inventory, seeds.vmIds, seeds.also), points);
}

const vmNamed = (inventory: Inventory, id: string) => {
  const vm = inventory.vms.find((candidate) => candidate.id === id);
  if (!vm) throw new Error(`no VM ${id}`);
  return vm;
};

describe('planFingerprint', () => {
  it('is a SHA-256 in hex, the same for the same estate', () => {
    expect(backupFingerprint(['web01'])).toMatch(/^[0-9a-f]{64}$/);
    expect(backupFingerprint(['web01'])).toBe(backupFingerprint(['web01']));
  });

  it('does not depend on the order of objects, of their fields, or on columns the engine does not read', () => {
    const reordered = (inventory: Inventory) => {
      for (const section of Object.keys(inventory) as (keyof Inventory)[]) {
        const objects = inventory[section] as object[];
        const shuffled = [...objects].reverse().map((object) =>
          // Same fields, reversed insertion order, plus a stored row's extra column.
          Object.fromEntries([...Object.entries(object).reverse(), ['connector', 'lab']]),
        );
        objects.splice(0, objects.length, ...shuffled);
      }
    };
    expect(backupFingerprint(['wsb01', 'web01'], reordered)).toBe(backupFingerprint(['web01', 'wsb01']));
    expect(restoreFingerprint([point, { ...point, id: 'rp-b' }])).toBe(
      restoreFingerprint([{ ...point, id: 'rp-b' }, point, point]),
    );
  });

  it.each<{ name: string; change: (inventory: Inventory) => void }>([
    {
      name: 'the VM is powered off',
      change: (inv) => {
        vmNamed(inv, 'wsb01').powerState = 'off';
      },
    },
    {
      name: 'the VM is renamed',
      change: (inv) => {
        vmNamed(inv, 'wsb01').name = 'wsb01-new';
      },
    },
    {
      name: 'a VM sharing its volume changes',
      change: (inv) => {
        vmNamed(inv, 'wsb02').dailyChangeBytes *= 2;
      },
    },
    {
      name: 'its volume loses VSS',
      change: (inv) => {
        for (const hv of inv.hostVolumes) if (hv.id === 'hv02:D:') hv.vssEnabled = false;
      },
    },
    {
      name: 'its host gets a VSS-aware product',
      change: (inv) => {
        for (const host of inv.hosts) if (host.id === 'hv02') host.hasVssAwareProduct = true;
      },
    },
    {
      name: 'a disk is added to it',
      change: (inv) =>
        inv.virtualDisks.push({
          id: 'wsb01-data',
          vmId: 'wsb01',
          name: 'wsb01-data',
          kind: 'vhdx',
          sizeBytes: 1,
          hostVolumeId: 'hv02:D:',
          arrayVolumeId: null,
        }),
    },
    {
      name: 'another VM moves onto its volume',
      change: (inv) => {
        for (const disk of inv.virtualDisks) if (disk.vmId === 'web01') disk.hostVolumeId = 'hv02:D:';
      },
    },
  ])('changes when $name', ({ change }) => {
    expect(backupFingerprint(['wsb01'], change)).not.toBe(backupFingerprint(['wsb01']));
    expect(restoreFingerprint([point], change)).not.toBe(restoreFingerprint([point]));
  });

  it.each<{ name: string; change: (inventory: Inventory) => void }>([
    {
      name: 'powered off',
      change: (inv) => {
        vmNamed(inv, 'web01').powerState = 'off';
      },
    },
    {
      name: 'renamed',
      change: (inv) => {
        vmNamed(inv, 'xlin01').name = 'xlin01-new';
      },
    },
    {
      name: 'given a new disk on its own volume',
      change: (inv) =>
        inv.virtualDisks.push({
          id: 'web01-data',
          vmId: 'web01',
          name: 'web01-data',
          kind: 'vhdx',
          sizeBytes: 1,
          hostVolumeId: 'hv01:D:',
          arrayVolumeId: null,
        }),
    },
  ])('stays the same when an unrelated VM is $name', ({ change }) => {
    expect(backupFingerprint(['wsb01'], change)).toBe(backupFingerprint(['wsb01']));
    expect(restoreFingerprint([point], change)).toBe(restoreFingerprint([point]));
  });

  it('changes when a restore point it read changes or a newer one appears', () => {
    const before = restoreFingerprint([point]);
    expect(restoreFingerprint([{ ...point, consistency: 'crash' }])).not.toBe(before);
    expect(
      restoreFingerprint([point, { ...point, id: 'rp-newer', createdAt: new Date('2026-03-28T04:00:00Z') }]),
    ).not.toBe(before);
  });

  it('a restore to a new name reads the VMs already called so, whatever their volume', () => {
    const seeds = restoreSeeds(point);
    const names = newVmNamesOf({ mode: 'as-new', newVmName: ' WEB01 ' });
    expect(names).toEqual(['WEB01']);
    const fingerprint = (powerState: 'running' | 'off') => {
      const inventory = makeOperationsEstate();
      vmNamed(inventory, 'web01').powerState = powerState;
      const named = inventory.vms.filter((vm) => vm.name.toLowerCase() === names[0].toLowerCase());
      return planFingerprint(withNamedVms(neighbourhoodOf(inventory, seeds.vmIds, seeds.also), named), [
        point,
      ]);
    };
    expect(fingerprint('off')).not.toBe(fingerprint('running'));
  });
});
