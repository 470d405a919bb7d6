/**
 * Runner tests against the fake ONTAP cluster: the lab hosts the VMs (freeze, flush, thaw; its
 * array keeps the bytes the copy step reads), the fake cluster on loopback takes the two-phase
 * consistency-group snapshot with its real fence timer on the fake's own injected clock.
 */

import { OntapArray } from '../drivers/ontap/ontap-array';
import { type FakeCluster, startFakeCluster } from '../drivers/ontap/ontap-test-support';
import type { DriverRegistry } from '../drivers/registry';
import type { ArrayDriver } from '../drivers/roles';
import type { BackupPlanRequest } from '../engine/backup-plan';
import type { Inventory } from '../engine/inventory';
import { createHarness, type Harness } from './test-harness';

export const fencedBackupRequest = (consistencyPolicy: 'require' | 'fallback'): BackupPlanRequest => ({
  scope: { kind: 'array-volume', arrayVolumeId: 'lun1' },
  methodByVm: { app1: 'array-snapshot', sql1: 'array-snapshot' },
  consistencyPolicy,
  passthroughPolicy: 'skip',
  scripts: {
    sql1: {
      preFreeze: { command: 'exit 0', timeoutSeconds: 5 },
      postThaw: { command: 'exit 0', timeoutSeconds: 5 },
    },
  },
});
export const SNAPSHOT_KEY = 'array-volumes:lun1:array-snapshot';

/** lun1 is the only LUN of consistency group cg1 (on the cluster: cg_sql). */
export function withConsistencyGroup(inventory: Inventory): Inventory {
  return {
    ...inventory,
    consistencyGroups: [{ id: 'cg1', arrayId: 'netapp', name: 'cg_sql' }],
    arrayVolumes: inventory.arrayVolumes.map((lun) =>
      lun.id === 'lun1' ? { ...lun, consistencyGroupId: 'cg1' } : lun,
    ),
  };
}

/** What the test sees and steers: the thaws (and whether the fence held then), and misses to make. */
export interface FenceWatch {
  fencesAtThaw: number[];
  freezes: number;
  /** The next N thaws take 9 s of the cluster's time: the commit misses the 7 s fence. */
  slowThaws: number;
  /** The CG snapshots on the cluster when the runner released the snapshot (after the copy). */
  atRelease: { name: string; state: string }[] | null;
}

/**
 * The registry the worker uses: the lab's, with the array role served by ONTAP. The lab array
 * snapshots first (while the guests are frozen) so the copy step has bytes to read.
 */
export function ontapRegistry(h: Harness, cluster: FakeCluster, watch: FenceWatch): DriverRegistry {
  const ontap = new OntapArray({ client: cluster.client, arrayId: 'cluster1', stagingIgroup: 'stage01' });
  const cg = [...cluster.model.groups.values()].find((group) => group.name === 'cg_sql');
  const onCluster = (id: string) =>
    id === 'cg1' ? `cluster1:cg:${cg?.uuid}` : `cluster1:lun:${cluster.seeded.data.uuid}`;
  const lab = h.driver.array();
  const array: ArrayDriver = {
    connector: 'ontap',
    async createSnapshot(snapshot, options) {
      const { whileFenced, ...plain } = snapshot;
      await lab.createSnapshot(plain, options);
      const scope = snapshot.scope;
      return ontap.createSnapshot(
        {
          ...snapshot,
          scope: {
            kind: 'array-volumes',
            arrayVolumeIds: scope.arrayVolumeIds.map(onCluster),
            consistencyGroupId: scope.consistencyGroupId ? onCluster(scope.consistencyGroupId) : null,
          },
        },
        options,
      );
    },
    async releaseSnapshot(snapshotId, options) {
      watch.atRelease = cgSnapshots(cluster).map(({ name, state }) => ({ name, state }));
      await ontap.releaseSnapshot(snapshotId, options);
      await lab.releaseSnapshot(snapshotId, options);
    },
    revertVolume: (...args) => lab.revertVolume(...args),
    stageVolume: (...args) => lab.stageVolume(...args),
    discardStaging: (...args) => lab.discardStaging(...args),
  };
  return { ...h.drivers, arrayForArray: async () => array, arrayForArrayVolume: async () => array };
}

/** Counts freezes and thaws of the lab host, and makes chosen thaws slow on the cluster's clock. */
export function watchGuests(h: Harness, cluster: FakeCluster): FenceWatch {
  const watch: FenceWatch = { fencesAtThaw: [], freezes: 0, slowThaws: 0, atRelease: null };
  const hypervisor = h.driver.hypervisor();
  const freeze = hypervisor.freezeGuest.bind(hypervisor);
  const thaw = hypervisor.thawGuest.bind(hypervisor);
  hypervisor.freezeGuest = async (...args) => {
    watch.freezes++;
    return freeze(...args);
  };
  hypervisor.thawGuest = async (...args) => {
    watch.fencesAtThaw.push(cluster.model.fences.size);
    await thaw(...args);
    if (watch.slowThaws > 0) {
      watch.slowThaws--;
      cluster.clock.advance(9000);
    }
  };
  return watch;
}

/** The cluster's consistency-group snapshots (fenced or committed). */
export const cgSnapshots = (of: FakeCluster) =>
  [...of.model.groups.values()].flatMap((group) => group.snapshots);

export interface FencedLab {
  h: Harness;
  cluster: FakeCluster;
  watch: FenceWatch;
  drivers: DriverRegistry;
}

/** The lab with sql1's LUNs in a consistency group, the fake cluster, and the registry over both. */
export async function openFencedLab(): Promise<FencedLab> {
  const h = await createHarness({ inventory: withConsistencyGroup });
  const cluster = await startFakeCluster();
  const watch = watchGuests(h, cluster);
  const drivers = ontapRegistry(h, cluster, watch);
  await h.driver.ensureVm('sql1');
  return { h, cluster, watch, drivers };
}

export async function closeFencedLab(lab: Pick<FencedLab, 'h' | 'cluster'>): Promise<void> {
  await lab.cluster.stop();
  await lab.h.close();
}
