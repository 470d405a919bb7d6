/**
 * The array role for ONTAP as the runner reaches it: through the driver registry (which wraps every
 * call with its deadline), by the inventory ids discovery wrote, against the fake cluster; restore
 * points kept in the lab repository name the array snapshot they came from.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyInventory, indexInventory } from '../../engine/inventory';
import { LabDriver, labInventoryFromIndex } from '../lab/lab-driver';
import { createDriverRegistry, type DriverRegistry, type ManagedObject } from '../registry';
import type { BackupRepository } from '../roles';
import { stagingCloneName } from './ontap-array';
import { OntapConnector } from './ontap-connector';
import { discoverOntap, type OntapInventory, toInventory } from './ontap-discovery';
import { naaFromSerial } from './ontap-naa';
import { callOptions, type FakeCluster, startFakeCluster } from './ontap-test-support';

const ARRAY: ManagedObject = { id: 'array-1', name: 'cluster1', connector: 'ontap' };
let cluster: FakeCluster;
let registry: DriverRegistry;
let repository: BackupRepository;
let inventory: OntapInventory;
let cleanupRoot: () => void;

beforeEach(async () => {
  cluster = await startFakeCluster();
  const root = mkdtempSync(path.join(tmpdir(), 'migawka-ontap-repo-'));
  const lab = new LabDriver({
    root,
    inventory: labInventoryFromIndex(indexInventory(emptyInventory())),
    stepDelayMs: 0,
  });
  repository = lab.repository;
  cleanupRoot = () => {
    lab.stop();
    rmSync(root, { recursive: true, force: true });
  };
  const connector = new OntapConnector(() => [
    { name: 'cluster1', arrayId: ARRAY.id, client: cluster.client, stagingIgroup: 'stage01' },
  ]);
  registry = createDriverRegistry({
    lookup: {
      host: async () => null,
      hostOfVm: async () => null,
      hostOfHostVolume: async () => null,
      array: async (id) =>
        id === ARRAY.id || id === 'array-2'
          ? { ...ARRAY, id, name: id === ARRAY.id ? ARRAY.name : 'cluster2' }
          : null,
      arrayOfArrayVolume: async (id) => (id.startsWith(`${ARRAY.id}:`) ? ARRAY : null),
    },
    connectors: [connector],
    repository,
  });
  inventory = toInventory(ARRAY.id, ARRAY.name, await discoverOntap(cluster.client, callOptions()));
});
afterEach(async () => {
  cleanupRoot();
  await cluster.stop();
});

const lunId = (name: string) =>
  inventory.arrayVolumes.find((volume) => volume.name === `svm1:${name}`)?.id ?? '';
const snapshotsOf = (volume: string) =>
  cluster.model.volumeByName(volume)?.snapshots.map((snapshot) => snapshot.name);

async function pointFrom(snapshotId: string, restorePointId: string) {
  await repository.store({ restorePointId, vmId: 'hv:sql01', snapshotId, disks: [] }, callOptions());
}

describe('ONTAP array driver through the registry', () => {
  it('snapshots a consistency group at one instant, or only the LUNs asked for', async () => {
    const data = lunId('/vol/sql_data/lun0');
    const driver = await registry.arrayForArrayVolume(data);
    expect(driver.connector).toBe('ontap');
    await driver.createSnapshot(
      {
        snapshotId: 'snap-1',
        scope: {
          kind: 'array-volumes',
          arrayVolumeIds: [data, lunId('/vol/sql_log/lun0')],
          consistencyGroupId: inventory.consistencyGroups[0].id,
        },
        diskIds: [],
        isQuiesced: false,
      },
      callOptions(),
    );
    await driver.createSnapshot(
      {
        snapshotId: 'snap-2',
        scope: { kind: 'array-volumes', arrayVolumeIds: [data], consistencyGroupId: null },
        diskIds: [],
        isQuiesced: false,
      },
      callOptions(),
    );
    expect([snapshotsOf('sql_data'), snapshotsOf('sql_log')]).toEqual([['snap-1', 'snap-2'], ['snap-1']]);
    await driver.releaseSnapshot('snap-1', callOptions());
    await driver.releaseSnapshot('snap-1', callOptions());
    expect([snapshotsOf('sql_data'), snapshotsOf('sql_log')]).toEqual([['snap-2'], []]);
  });

  it('reverts the LUN to the snapshot its restore points came from', async () => {
    const data = lunId('/vol/sql_data/lun0');
    const driver = await registry.arrayForArrayVolume(data);
    cluster.model.writeLun('/vol/sql_data/lun0', 0, Buffer.from('before'));
    await driver.createSnapshot(
      {
        snapshotId: 'snap-r',
        scope: { kind: 'array-volumes', arrayVolumeIds: [data], consistencyGroupId: null },
        diskIds: [],
        isQuiesced: false,
      },
      callOptions(),
    );
    await pointFrom('snap-r', 'rp-1');
    cluster.model.writeLun('/vol/sql_data/lun0', 0, Buffer.from('after!'));
    const result = await driver.revertVolume(
      { volume: { kind: 'array-volume', id: data }, restorePointIds: ['rp-1'], vmIds: [] },
      repository,
      callOptions(),
    );
    expect(result.bytes).toBe(1024 * 1024);
    expect(cluster.model.readLun('/vol/sql_data/lun0', 0, 6).toString()).toBe('before');
  });

  it("snapshots the LUNs of one volume, a group of their own, as the volume's one snapshot", async () => {
    cluster.model.addLun('sql_data', 'lun1', 1024 * 1024);
    cluster.model.addVolume('svm1', 'scratch', 16 * 1024 * 1024);
    cluster.model.addLun('scratch', 'lun0', 4096);
    cluster.model.addLun('scratch', 'lun1', 4096);
    inventory = toInventory(ARRAY.id, ARRAY.name, await discoverOntap(cluster.client, callOptions()));
    const luns = [lunId('/vol/scratch/lun0'), lunId('/vol/scratch/lun1')];
    const group = inventory.arrayVolumes.find((volume) => volume.id === luns[0])?.consistencyGroupId;
    expect(group).toBe(inventory.arrayVolumes.find((volume) => volume.id === luns[1])?.consistencyGroupId);
    const driver = await registry.arrayForArrayVolume(luns[0]);
    await driver.createSnapshot(
      {
        snapshotId: 'snap-v',
        scope: { kind: 'array-volumes', arrayVolumeIds: luns, consistencyGroupId: group ?? null },
        diskIds: [],
        isQuiesced: false,
      },
      callOptions(),
    );
    expect([snapshotsOf('scratch'), snapshotsOf('sql_data')]).toEqual([['snap-v'], []]);
  });

  it.each([
    { planned: 'the LUN alone', withNeighbour: false, isReverted: false, pageSize: null },
    {
      planned: 'the LUN alone, the cluster listing one LUN a page',
      withNeighbour: false,
      isReverted: false,
      pageSize: 1,
    },
    {
      planned: 'the LUN and its neighbour (one consistency group)',
      withNeighbour: true,
      isReverted: true,
      pageSize: null,
    },
  ])(
    'a LUN whose volume holds another LUN, reverted with $planned: reverted $isReverted',
    async ({ withNeighbour, isReverted, pageSize }) => {
      // SnapRestore rolls the whole volume back: lun1 goes back with lun0.
      cluster.model.addLun('sql_data', 'lun1', 1024 * 1024);
      // ONTAP answers a collection in pages when its return_timeout runs out (lun1 is on the third).
      cluster.server.pageSize = pageSize;
      inventory = toInventory(ARRAY.id, ARRAY.name, await discoverOntap(cluster.client, callOptions()));
      const data = lunId('/vol/sql_data/lun0');
      const neighbour = lunId('/vol/sql_data/lun1');
      const driver = await registry.arrayForArrayVolume(data);
      cluster.model.writeLun('/vol/sql_data/lun0', 0, Buffer.from('before'));
      cluster.model.writeLun('/vol/sql_data/lun1', 0, Buffer.from('before'));
      await driver.createSnapshot(
        {
          snapshotId: 'snap-n',
          scope: { kind: 'array-volumes', arrayVolumeIds: [data], consistencyGroupId: null },
          diskIds: [],
          isQuiesced: false,
        },
        callOptions(),
      );
      await pointFrom('snap-n', 'rp-n');
      cluster.model.writeLun('/vol/sql_data/lun0', 0, Buffer.from('after!'));
      cluster.model.writeLun('/vol/sql_data/lun1', 0, Buffer.from('after!'));
      const revert = driver.revertVolume(
        {
          volume: { kind: 'array-volume', id: data },
          restorePointIds: ['rp-n'],
          vmIds: [],
          ...(withNeighbour ? { groupVolumeIds: [neighbour] } : {}),
        },
        repository,
        callOptions(),
      );
      if (isReverted) await revert;
      else
        await expect(revert).rejects.toThrow(
          "restores its whole volume 'sql_data', which also holds 'svm1:/vol/sql_data/lun1': the revert was not planned for that LUN, so nothing was reverted",
        );
      const expected = isReverted ? 'before' : 'after!';
      for (const lun of ['/vol/sql_data/lun0', '/vol/sql_data/lun1'])
        expect(cluster.model.readLun(lun, 0, 6).toString()).toBe(expected);
    },
  );

  it('stages a FlexClone mapped to the staging igroup and the live LUN’s, answers its LUNs by NAA id, and discards it (twice is fine)', async () => {
    const data = lunId('/vol/sql_data/lun0');
    const driver = await registry.arrayForArrayVolume(data);
    await driver.createSnapshot(
      {
        snapshotId: 'snap-s',
        scope: { kind: 'array-volumes', arrayVolumeIds: [data], consistencyGroupId: null },
        diskIds: [],
        isQuiesced: false,
      },
      callOptions(),
    );
    await pointFrom('snap-s', 'rp-2');
    await driver.stageVolume(
      { stagingId: 'stage-7', volume: { kind: 'array-volume', id: data }, restorePointIds: ['rp-2'] },
      repository,
      callOptions(),
    );
    const clone = stagingCloneName('stage-7');
    const cloneLun = cluster.model.lunByName(`/vol/${clone}/lun0`);
    // Mapped to the staging igroup and where the live LUN is (hv01: the VM's host copies it out).
    const igroupsOfClone = () =>
      cluster.model.lunMaps
        .filter((map) => map.lunUuid === cloneLun?.uuid)
        .map((map) => cluster.model.igroups.get(map.igroupUuid)?.name)
        .sort();
    expect(igroupsOfClone()).toEqual(['hv01', 'stage01']);
    const source = cluster.model.lunByName('/vol/sql_data/lun0');
    expect(
      await driver.stagedLuns?.({ stagingId: 'stage-7', arrayVolumeIds: [data] }, callOptions()),
    ).toEqual([
      {
        arrayVolumeId: data,
        sourceNaaId: naaFromSerial(source?.serial ?? ''),
        naaId: naaFromSerial(cloneLun?.serial ?? ''),
      },
    ]);
    await driver.discardStaging('stage-7', callOptions());
    await driver.discardStaging('stage-7', callOptions());
    expect(igroupsOfClone()).toEqual([]);
    expect(cluster.model.volumeByName(clone)).toBeUndefined();
    await expect(
      driver.stagedLuns?.({ stagingId: 'stage-7', arrayVolumeIds: [data] }, callOptions()),
    ).rejects.toMatchObject({ faultCode: 'not-found' });
  });

  it('exposes a snapshot to the host that sees the LUN (FlexClone mapped to its igroup), and withdraws it twice', async () => {
    const data = lunId('/vol/sql_data/lun0');
    const driver = await registry.arrayForArrayVolume(data);
    cluster.model.writeLun('/vol/sql_data/lun0', 0, Buffer.from('at the snapshot'));
    await driver.createSnapshot(
      {
        snapshotId: 'snap-c',
        scope: { kind: 'array-volumes', arrayVolumeIds: [data], consistencyGroupId: null },
        diskIds: [],
        isQuiesced: false,
      },
      callOptions(),
    );
    cluster.model.writeLun('/vol/sql_data/lun0', 0, Buffer.from('written later!!'));
    const request = { snapshotId: 'snap-c', exposureId: 'rp-9', arrayVolumeIds: [data] };
    const [lun] = (await driver.exposeSnapshot?.(request, callOptions())) ?? [];
    expect(await driver.exposeSnapshot?.(request, callOptions())).toEqual([lun]); // a retry finds it
    const copy = [...cluster.model.luns.values()].find(
      (candidate) => naaFromSerial(candidate.serial) === lun.naaId,
    );
    expect(copy?.name).toBe('/vol/mgw_copy_rp-9_sql_data/lun0');
    expect(lun.sourceNaaId).toBe(naaFromSerial(cluster.seeded.data.serial));
    expect(cluster.model.readLun(copy?.name ?? '', 0, 15).toString()).toBe('at the snapshot');
    const hv01 = cluster.seeded.igroup.uuid;
    expect(
      cluster.model.lunMaps.filter((map) => map.lunUuid === copy?.uuid).map((m) => m.igroupUuid),
    ).toEqual([hv01]);
    await driver.withdrawExposure?.('rp-9', callOptions());
    await driver.withdrawExposure?.('rp-9', callOptions());
    expect(cluster.model.volumeByName('mgw_copy_rp-9_sql_data')).toBeUndefined();
    expect(cluster.model.lunMaps).toHaveLength(2);
  });

  it('a copy a killed worker left mapped is unmapped and deleted by the release of its snapshot', async () => {
    const data = lunId('/vol/sql_data/lun0');
    const driver = await registry.arrayForArrayVolume(data);
    const scope = { kind: 'array-volumes' as const, arrayVolumeIds: [data], consistencyGroupId: null };
    await driver.createSnapshot(
      { snapshotId: 'snap-k', scope, diskIds: [], isQuiesced: false },
      callOptions(),
    );
    await driver.exposeSnapshot?.(
      { snapshotId: 'snap-k', exposureId: 'rp-k', arrayVolumeIds: [data] },
      callOptions(),
    );
    // The worker died here: nobody withdrew the copy. ONTAP would refuse to delete the busy snapshot.
    await driver.releaseSnapshot('snap-k', callOptions());
    expect(cluster.model.volumeByName('mgw_copy_rp-k_sql_data')).toBeUndefined();
    expect(snapshotsOf('sql_data')).toEqual([]);
    expect(cluster.model.lunMaps).toHaveLength(2);
  });

  it('refuses a revert from a point that names no array snapshot, and an array no connection serves', async () => {
    const data = lunId('/vol/sql_data/lun0');
    await repository.store(
      { restorePointId: 'rp-agent', vmId: 'hv:sql01', snapshotId: null, disks: [] },
      callOptions(),
    );
    const driver = await registry.arrayForArrayVolume(data);
    await expect(
      driver.revertVolume(
        { volume: { kind: 'array-volume', id: data }, restorePointIds: ['rp-agent'], vmIds: [] },
        repository,
        callOptions(),
      ),
    ).rejects.toMatchObject({ faultCode: 'not-found', isRetryable: false });
    const orphan = await registry.arrayForArray('array-2');
    await expect(orphan.releaseSnapshot('x', callOptions())).rejects.toMatchObject({
      faultCode: 'connector-missing',
    });
  });
});
