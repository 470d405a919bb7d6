/**
 * Discovery against the fake cluster: everything the rules need is read, each LUN carries its NAA
 * id, and host volumes (Hyper-V disks, XenServer SRs) are joined to the LUN behind them by that id.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { linkedByDevice } from '../../engine/device-ids';
import { makeHostVolume } from '../../engine/test-fixtures';
import { discoverOntap, toInventory } from './ontap-discovery';
import { naaFromSerial, normalizeDeviceId } from './ontap-naa';
import { OntapOperations } from './ontap-operations';
import { callOptions, type FakeCluster, startFakeCluster, stepCall } from './ontap-test-support';

let cluster: FakeCluster;
beforeEach(async () => {
  cluster = await startFakeCluster();
});
afterEach(async () => {
  await cluster.stop();
});

describe('NAA ids', () => {
  it('is NetApp prefix 600a0980 followed by the serial in ASCII hex', () => {
    expect(naaFromSerial('80Ck7$000001')).toBe('600a09803830436b3724303030303031');
  });

  it.each([
    ['Windows Get-Disk UniqueId', '600A09803830436B3724303030303031', '600a09803830436b3724303030303031'],
    ['Linux by-id', 'naa.600a09803830436b3724303030303031', '600a09803830436b3724303030303031'],
    ['XenServer SCSIid', '3600a09803830436b3724303030303031', '600a09803830436b3724303030303031'],
    ['an EUI id', 'eui.0025385b71b0d1e2', null],
    ['a local disk serial', 'S3Z9NB0K123456', null],
  ])('reads a %s', (_, deviceId, expected) => {
    expect(normalizeDeviceId(deviceId)).toBe(expected);
  });
});

describe('ONTAP discovery', () => {
  it('reads SVMs, volumes with reserve and snapshots, LUNs with NAA ids, maps, igroups and CGs', async () => {
    await new OntapOperations(cluster.client).snapshotVolume(
      { svm: 'svm1', volume: 'sql_data', snapshotName: 'before-discovery' },
      stepCall('s'),
    );
    const found = await discoverOntap(cluster.client, callOptions());
    expect(found.svms.map((svm) => svm.name)).toEqual(['svm1']);
    const data = found.volumes.find((volume) => volume.name === 'sql_data');
    expect(data?.space.snapshot?.reserve_percent).toBe(5);
    expect(data?.snapshots.map((snapshot) => snapshot.name)).toEqual(['before-discovery']);
    const lun = found.luns.find((candidate) => candidate.name === '/vol/sql_data/lun0');
    expect(lun).toMatchObject({
      svm: 'svm1',
      volume: 'sql_data',
      naaId: naaFromSerial(cluster.seeded.data.serial),
      mappedTo: [
        { igroup: 'hv01', lunNumber: 0, initiators: ['iqn.1991-05.com.microsoft:hv01.example.test'] },
      ],
    });
    expect(found.consistencyGroups.map((group) => [group.name, group.volumes.map((v) => v.name)])).toEqual([
      ['cg_sql', ['sql_data', 'sql_log']],
    ]);
    expect(found.igroups.map((group) => group.name).sort()).toEqual(['hv01', 'stage01']);
  });

  it('gives each LUN its NAA id, which links the host volumes on it and leaves other disks alone', async () => {
    const found = await discoverOntap(cluster.client, callOptions());
    const dataNaa = naaFromSerial(cluster.seeded.data.serial);
    const logNaa = naaFromSerial(cluster.seeded.log.serial);
    const inventory = toInventory('array-1', 'cluster1', found);
    const idOf = (name: string) => inventory.arrayVolumes.find((volume) => volume.name === name)?.id;
    expect(
      inventory.arrayVolumes.find((volume) => volume.id === idOf('svm1:/vol/sql_data/lun0'))?.naaId,
    ).toBe(dataNaa);
    // As the Hyper-V and XAPI syncs record the devices under a volume and an SR, and a local disk.
    const hostVolumes = [
      makeHostVolume({ id: 'hv-vol:hv01:D', deviceId: dataNaa.toUpperCase() }),
      makeHostVolume({ id: 'xen-sr:sr-log', deviceId: `3${logNaa}` }),
      makeHostVolume({ id: 'hv-vol:hv01:C', deviceId: 'S3Z9NB0K123456' }),
    ];
    expect(
      Object.fromEntries(
        linkedByDevice(hostVolumes, inventory.arrayVolumes).map((v) => [v.id, v.arrayVolumeId]),
      ),
    ).toEqual({
      'hv-vol:hv01:D': idOf('svm1:/vol/sql_data/lun0'),
      'xen-sr:sr-log': idOf('svm1:/vol/sql_log/lun0'),
    });
    expect(inventory.array).toMatchObject({ vendor: 'netapp', connector: 'ontap' });
    const groupIds = new Set(inventory.arrayVolumes.map((volume) => volume.consistencyGroupId));
    expect(groupIds.size).toBe(1);
    expect(inventory.consistencyGroups.map((group) => group.name)).toEqual(['svm1:cg_sql']);
    expect(inventory.arrayVolumes.every((volume) => volume.supportsSnapshots)).toBe(true);
  });

  it.each([
    ['online on a writable volume', 'online', 'rw', true],
    ['offline', 'offline', 'rw', false],
    ['without its state (the record has no status)', null, 'rw', null],
    ['online on a read-only mirror (dp) volume', 'online', 'dp', false],
    ['without its state on a read-only mirror volume', null, 'dp', false],
  ] as const)('a LUN %s: snapshots %s', async (_, state, type, expected) => {
    const volume = cluster.model.addVolume('svm1', 'scratch', 16 * 1024 * 1024);
    volume.type = type;
    cluster.model.addLun('scratch', 'lun0', 4096).state = state;
    const inventory = toInventory('array-1', 'cluster1', await discoverOntap(cluster.client, callOptions()));
    const lun = inventory.arrayVolumes.find((candidate) => candidate.name === 'svm1:/vol/scratch/lun0');
    expect(lun?.supportsSnapshots).toBe(expected);
  });

  it('a LUN outside any consistency group has none (the engine raises ARRAY-CG-INCOMPLETE)', async () => {
    cluster.model.addVolume('svm1', 'scratch', 16 * 1024 * 1024);
    cluster.model.addLun('scratch', 'lun0', 4096);
    const inventory = toInventory('array-1', 'cluster1', await discoverOntap(cluster.client, callOptions()));
    expect(
      inventory.arrayVolumes.find((volume) => volume.name === 'svm1:/vol/scratch/lun0')?.consistencyGroupId,
    ).toBeNull();
  });

  it.each([
    { volume: 'scratch', group: 'svm1:scratch (the LUNs of one ONTAP volume)' },
    { volume: 'sql_data', group: 'svm1:cg_sql' },
  ])(
    'the LUNs of volume $volume, snapshotted and reverted together, are in group $group',
    async ({ volume, group }) => {
      if (volume === 'scratch') cluster.model.addVolume('svm1', 'scratch', 16 * 1024 * 1024);
      cluster.model.addLun(volume, 'lun8', 4096);
      cluster.model.addLun(volume, 'lun9', 4096);
      const inventory = toInventory(
        'array-1',
        'cluster1',
        await discoverOntap(cluster.client, callOptions()),
      );
      const groupIds = new Set(
        inventory.arrayVolumes
          .filter((lun) => lun.name.startsWith(`svm1:/vol/${volume}/`))
          .map((lun) => lun.consistencyGroupId),
      );
      expect(groupIds.size).toBe(1);
      const [groupId] = [...groupIds];
      expect(inventory.consistencyGroups.filter((candidate) => candidate.id === groupId)).toEqual([
        expect.objectContaining({ name: group, arrayId: 'array-1' }),
      ]);
    },
  );
});
