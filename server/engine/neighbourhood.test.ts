import { describe, expect, it } from 'vitest';
import { type BackupPlanRequest, planBackup } from './backup-plan';
import { type InventoryIndex, indexInventory } from './inventory';
import { backupSeeds, neighbourhoodOf, newVmNamesOf, restoreSeeds, withNamedVms } from './neighbourhood';
import { makeIdSequence, makeOperationsIndex } from './operations-estate.fixture';
import { RESTORE_MODES } from './plan-types';
import { planRestore } from './restore-plan';
import type { RestorePointSummary } from './restore-points';
import { makeGeneratedEstate } from './test-fixtures';
import { BACKUP_METHODS } from './types';

const NOW = new Date('2026-03-28T12:00:00Z');

const estates: { name: string; index: () => InventoryIndex }[] = [
  { name: 'the operations estate', index: () => makeOperationsIndex() },
  {
    name: 'the operations estate, every VM off',
    index: () =>
      makeOperationsIndex((inventory) => {
        for (const vm of inventory.vms) vm.powerState = 'off';
      }),
  },
  {
    name: 'a generated mixed estate',
    index: () =>
      indexInventory(makeGeneratedEstate({ hosts: 4, vmsPerHost: 8, vmsPerVolume: 3, disksPerVm: 2 })),
  },
];

function backupRequests(index: InventoryIndex): BackupPlanRequest[] {
  const base = { consistencyPolicy: 'fallback', passthroughPolicy: 'skip' } as const;
  const script = { command: 'freeze', timeoutSeconds: 5 };
  const requests: BackupPlanRequest[] = [];
  for (const vm of index.inventory.vms) {
    const scope = { kind: 'vms' as const, vmIds: [vm.id] };
    requests.push({ ...base, scope });
    for (const method of BACKUP_METHODS) {
      requests.push({
        ...base,
        scope,
        methodByVm: { [vm.id]: method },
        scripts: { [vm.id]: { preFreeze: script, postThaw: script } },
      });
    }
  }
  for (const hv of index.inventory.hostVolumes)
    requests.push({ ...base, scope: { kind: 'host-volume', hostVolumeId: hv.id } });
  for (const av of index.inventory.arrayVolumes)
    requests.push({ ...base, scope: { kind: 'array-volume', arrayVolumeId: av.id } });
  requests.push({
    ...base,
    scope: { kind: 'vms', vmIds: index.inventory.vms.slice(0, 6).map((vm) => vm.id) },
  });
  return requests;
}

/** A point per VM, volume it has files on and method, two captures apart. */
function restorePoints(index: InventoryIndex): RestorePointSummary[] {
  const points: RestorePointSummary[] = [];
  for (const vm of index.inventory.vms) {
    const disks = index.disksByVm.get(vm.id) ?? [];
    const places = [...new Set(disks.flatMap((disk) => (disk.hostVolumeId ? [disk.hostVolumeId] : [])))].map(
      (hostVolumeId) => ({ hostVolumeId, arrayVolumeId: null as string | null }),
    );
    for (const disk of disks) {
      const lun = disk.hostVolumeId
        ? index.hostVolumesById.get(disk.hostVolumeId)?.arrayVolumeId
        : disk.arrayVolumeId;
      if (lun) places.push({ hostVolumeId: null as never, arrayVolumeId: lun });
    }
    for (const place of places.slice(0, 2))
      for (const method of BACKUP_METHODS)
        for (const hoursAgo of [10, 2])
          points.push({
            id: `rp-${points.length}`,
            vmId: vm.id,
            vmName: vm.name,
            method,
            consistency: hoursAgo === 2 ? 'crash' : 'application',
            consistencyReason: null,
            captureState: 'online',
            createdAt: new Date(NOW.getTime() - hoursAgo * 3_600_000),
            hostVolumeId: place.hostVolumeId,
            arrayVolumeId: place.arrayVolumeId,
            snapshotId: `snap-${method}-${hoursAgo}`,
            heldDiskIds: disks.map((disk) => disk.id),
            missingDiskIds: [],
            sizeBytes: 1,
            jobId: null,
            expiresAt: null,
          });
  }
  return points;
}

describe('a plan over its neighbourhood is the plan over the whole estate', () => {
  it.each(estates)('backups on $name', ({ index: makeIndex }) => {
    const index = makeIndex();
    for (const request of backupRequests(index)) {
      const seeds = backupSeeds(request.scope);
      const near = indexInventory(neighbourhoodOf(index.inventory, seeds.vmIds, seeds.also));
      const context = () => ({ now: NOW, newId: makeIdSequence() });
      expect(planBackup(near, request, context())).toEqual(planBackup(index, request, context()));
    }
  });

  it.each(estates)('restores on $name', ({ index: makeIndex }) => {
    const index = makeIndex();
    const points = restorePoints(index);
    const takenName = index.inventory.vms[index.inventory.vms.length - 1].name.toUpperCase();
    for (const point of points.filter((_, i) => i % 4 === 0)) {
      const pointsOnSameScope = points.filter(
        (other) =>
          other.vmId === point.vmId ||
          (other.hostVolumeId !== null && other.hostVolumeId === point.hostVolumeId) ||
          (other.arrayVolumeId !== null && other.arrayVolumeId === point.arrayVolumeId),
      );
      for (const mode of RESTORE_MODES)
        for (const newVmName of [undefined, 'fresh-vm', takenName]) {
          const request = { restorePointId: point.id, mode, newVmName, confirmation: point.vmName };
          const seeds = restoreSeeds(point);
          const names = new Set(newVmNamesOf(request).map((name) => name.toLowerCase()));
          const named = index.inventory.vms.filter((vm) => names.has(vm.name.toLowerCase()));
          const near = indexInventory(
            withNamedVms(neighbourhoodOf(index.inventory, seeds.vmIds, seeds.also), named),
          );
          const context = () => ({ now: NOW, pointsOnSameScope, newId: makeIdSequence('staging') });
          expect(planRestore(near, point, request, context())).toEqual(
            planRestore(index, point, request, context()),
          );
        }
    }
  });

  it('leaves out what shares no volume with the request', () => {
    const index = makeOperationsIndex();
    const near = neighbourhoodOf(index.inventory, ['wsb01']);
    expect(near.vms.map((vm) => vm.id)).toEqual(['wsb01', 'wsb02']);
    expect(near.hosts.map((host) => host.id)).toEqual(['hv02']);
    expect(near.hostVolumes.map((hv) => hv.id)).toEqual(['hv02:D:']);
    expect(near.arrayVolumes).toEqual([]);
  });

  it('takes whole consistency groups and every host volume on their LUNs', () => {
    const index = makeOperationsIndex();
    const near = neighbourhoodOf(index.inventory, [], { arrayVolumeIds: ['lun-logs'] });
    expect(near.arrayVolumes.map((av) => av.id).sort()).toEqual(['lun-logs', 'lun-sql']);
    expect(near.consistencyGroups.map((group) => group.id)).toEqual(['cg-sql']);
    expect(near.hostVolumes.map((hv) => hv.id).sort()).toEqual(['hv01:E:', 'hv01:F:']);
    expect(near.vms.map((vm) => vm.id)).toContain('sql01');
  });
});
