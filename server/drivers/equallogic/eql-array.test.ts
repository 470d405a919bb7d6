/**
 * The EqualLogic array role through the driver registry, against the fake group over SSH: discovery
 * into inventory rows, snapshots under the engine's id, revert and staging from the snapshot a
 * restore point names, cleanup, and volume collections as the group's consistency groups.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyInventory, indexInventory } from '../../engine/inventory';
import { LabDriver, labInventoryFromIndex } from '../lab/lab-driver';
import { createDriverRegistry, type DriverRegistry } from '../registry';
import type { BackupRepository } from '../roles';
import { createEqualLogicConnector, discoverEqualLogic, eqlStagingName } from './eql-array';
import type { EqlClient } from './eql-client';
import { naaFromEqlTarget } from './eql-naa';
import { FakeEqlGroup } from './fake/fake-eql-group';
import { clientOfFakeGroup } from './fake/test-client';

const ARRAY = { id: 'eql-1', name: 'group1', connector: 'equallogic' };
const HV01 = 'iqn.1991-05.com.microsoft:hv01.example.test';
const options = () => ({ signal: new AbortController().signal, timeoutMs: 5000 });
let group: FakeEqlGroup;
let client: EqlClient;
let registry: DriverRegistry;
let repository: BackupRepository;
let cleanup: () => void;

beforeEach(async () => {
  group = new FakeEqlGroup();
  group.addVolume('vmfs01', 4096).data.fill(0x0a, 0, 16);
  group.addVolume('vmfs02', 4096);
  await group.start();
  client = clientOfFakeGroup(group);
  const root = mkdtempSync(path.join(tmpdir(), 'migawka-eql-repo-'));
  const lab = new LabDriver({
    root,
    inventory: labInventoryFromIndex(indexInventory(emptyInventory())),
    stepDelayMs: 0,
  });
  repository = lab.repository;
  cleanup = () => {
    lab.stop();
    rmSync(root, { recursive: true, force: true });
  };
  registry = createDriverRegistry({
    lookup: {
      host: async () => null,
      hostOfVm: async () => null,
      hostOfHostVolume: async () => null,
      array: async (id) => (id === ARRAY.id ? ARRAY : null),
      arrayOfArrayVolume: async (id) => (id.startsWith(`${ARRAY.id}:`) ? ARRAY : null),
    },
    connectors: [createEqualLogicConnector(() => [{ name: 'group1', arrayId: ARRAY.id, client }])],
    repository,
  });
});
afterEach(async () => {
  cleanup();
  await client.close();
  await group.stop();
});

const volumeId = (name: string) => `${ARRAY.id}:vol:${name}`;
const snapshotRequest = (snapshotId: string, names: string[], consistencyGroupId: string | null = null) => ({
  snapshotId,
  scope: { kind: 'array-volumes' as const, arrayVolumeIds: names.map(volumeId), consistencyGroupId },
  diskIds: [],
  isQuiesced: false,
});

describe('EqualLogic array driver through the registry', () => {
  it('discovers the volumes as inventory rows without consistency groups', async () => {
    const found = await discoverEqualLogic(client, ARRAY.id, ARRAY.name, options());
    expect(found.array).toMatchObject({ vendor: 'equallogic', connector: 'equallogic' });
    expect(found.arrayVolumes.map((volume) => [volume.id, volume.consistencyGroupId])).toEqual([
      [volumeId('vmfs01'), null],
      [volumeId('vmfs02'), null],
    ]);
    // Each volume's NAA id, from its target name: what hosts report as the disk's UniqueId.
    expect(found.arrayVolumes.map((volume) => volume.naaId)).toEqual([
      naaFromEqlTarget(group.volumes.get('vmfs01')?.iscsiName ?? ''),
      naaFromEqlTarget(group.volumes.get('vmfs02')?.iscsiName ?? ''),
    ]);
    expect(found.arrayVolumes[0].naaId).toMatch(/^6090a0[0-9a-f]{26}$/);
  });

  it('a volume without snapshot reserve, or offline, is discovered as one that cannot be snapshotted', async () => {
    const vmfs02 = group.volumes.get('vmfs02');
    if (vmfs02) vmfs02.snapReservePercent = 0;
    group.addVolume('vmfs03', 4096).isOnline = false;
    const found = await discoverEqualLogic(client, ARRAY.id, ARRAY.name, options());
    expect(found.arrayVolumes.map((volume) => [volume.name, volume.supportsSnapshots])).toEqual([
      ['vmfs01', true],
      ['vmfs02', false],
      ['vmfs03', false],
    ]);
  });

  it.each([
    ['no Status line', ['Status'], 100, null],
    ['no Snap-Reserve line', ['Snap-Reserve'], 100, null],
    ['no Status line and no snapshot reserve', ['Status'], 0, false],
    ['every line', [], 100, true],
  ])('a volume whose show prints %s: snapshots %s', async (_, omits, reserve, expected) => {
    const vmfs03 = group.addVolume('vmfs03', 4096);
    vmfs03.showOmits = omits;
    vmfs03.snapReservePercent = reserve;
    const found = await discoverEqualLogic(client, ARRAY.id, ARRAY.name, options());
    expect(found.arrayVolumes.find((volume) => volume.name === 'vmfs03')?.supportsSnapshots).toBe(expected);
  });

  it('snapshots each volume under the engine id and releases them all', async () => {
    const driver = await registry.arrayForArray(ARRAY.id);
    // The name it answers is the group's: what a point that keeps the snapshot on the array shows.
    expect(await driver.createSnapshot(snapshotRequest('snap/1', ['vmfs01', 'vmfs02']), options())).toEqual({
      snapshotId: 'snap/1',
      name: 'snap-1',
    });
    expect([...(group.volumes.get('vmfs01')?.snapshots.keys() ?? [])]).toEqual(['snap-1']);
    expect([...(group.volumes.get('vmfs02')?.snapshots.keys() ?? [])]).toEqual(['snap-1']);
    await driver.releaseSnapshot('snap/1', options());
    await driver.releaseSnapshot('snap/1', options());
    expect(group.volumes.get('vmfs01')?.snapshots.size).toBe(0);
  });

  it('discovers volume collections as consistency groups, each volume in the first that holds it', async () => {
    await client.run('collection create sqlcoll vmfs01', options());
    await client.run('collection select sqlcoll add vmfs02', options());
    group.addVolume('vmfs03', 4096);
    await client.run('collection create other vmfs02', options());
    const found = await discoverEqualLogic(client, ARRAY.id, ARRAY.name, options());
    expect(found.consistencyGroups).toEqual([
      { id: `${ARRAY.id}:coll:sqlcoll`, arrayId: ARRAY.id, name: 'sqlcoll' },
      { id: `${ARRAY.id}:coll:other`, arrayId: ARRAY.id, name: 'other' },
    ]);
    expect(found.arrayVolumes.map((volume) => [volume.name, volume.consistencyGroupId])).toEqual([
      ['vmfs01', `${ARRAY.id}:coll:sqlcoll`],
      ['vmfs02', `${ARRAY.id}:coll:sqlcoll`],
      ['vmfs03', null],
    ]);
  });

  it('snapshots a collection at one instant (one create-now), renamed on every member, idempotent', async () => {
    group.collections.set('sqlcoll', ['vmfs01', 'vmfs02']);
    group.volumes.get('vmfs02')?.data.fill(0x0b, 0, 16);
    const driver = await registry.arrayForArray(ARRAY.id);
    const request = snapshotRequest('snap/1', ['vmfs01', 'vmfs02'], `${ARRAY.id}:coll:sqlcoll`);
    expect(await driver.createSnapshot(request, options())).toMatchObject({ name: 'snap-1' });
    group.volumes.get('vmfs01')?.data.fill(0xee, 0, 16);
    await driver.createSnapshot(request, options()); // a retried step: already there
    expect(group.commands.filter((command) => command.includes('create-now'))).toEqual([
      'collection select sqlcoll snapshot create-now description mgw-take:snap-1',
    ]);
    expect(group.volumes.get('vmfs01')?.snapshots.get('snap-1')?.[0]).toBe(0x0a);
    expect(group.volumes.get('vmfs02')?.snapshots.get('snap-1')?.[0]).toBe(0x0b);
    expect([...(group.volumes.get('vmfs02')?.snapshots.keys() ?? [])]).toEqual(['snap-1']);
    await driver.releaseSnapshot('snap/1', options());
    expect(group.volumes.get('vmfs01')?.snapshots.size).toBe(0);
    expect(group.volumes.get('vmfs02')?.snapshots.size).toBe(0);
  });

  it('an attempt that stopped between renames: its copies are dropped and the collection snapshotted again', async () => {
    group.collections.set('sqlcoll', ['vmfs01', 'vmfs02']);
    group.volumes.get('vmfs01')?.snapshots.set('snap-3', Buffer.alloc(4096, 0x99));
    const driver = await registry.arrayForArray(ARRAY.id);
    await driver.createSnapshot(
      snapshotRequest('snap-3', ['vmfs01', 'vmfs02'], `${ARRAY.id}:coll:sqlcoll`),
      options(),
    );
    expect(group.volumes.get('vmfs01')?.snapshots.get('snap-3')?.[0]).toBe(0x0a); // the new instant
    expect([...(group.volumes.get('vmfs01')?.snapshots.keys() ?? [])]).toEqual(['snap-3']);
    expect([...(group.volumes.get('vmfs02')?.snapshots.keys() ?? [])]).toEqual(['snap-3']);
  });

  it('a collection the group no longer has, or one of another array, fails not-found without a snapshot', async () => {
    const driver = await registry.arrayForArray(ARRAY.id);
    for (const collection of [`${ARRAY.id}:coll:gone`, 'eql-2:coll:sqlcoll']) {
      await expect(
        driver.createSnapshot(snapshotRequest('s', ['vmfs01', 'vmfs02'], collection), options()),
      ).rejects.toMatchObject({ faultCode: 'not-found', isRetryable: false });
    }
    expect(group.commands.some((command) => command.includes('create-now'))).toBe(false);
  });

  it('a create-now the group refuses fails the snapshot, leaving no copy under our name', async () => {
    group.collections.set('sqlcoll', ['vmfs01', 'vmfs02']);
    group.volumes.delete('vmfs02'); // a member deleted behind the collection's back
    const driver = await registry.arrayForArray(ARRAY.id);
    await expect(
      driver.createSnapshot(snapshotRequest('s', ['vmfs01'], `${ARRAY.id}:coll:sqlcoll`), options()),
    ).rejects.toMatchObject({ faultCode: 'not-found' });
    expect([...(group.volumes.get('vmfs01')?.snapshots.keys() ?? [])]).toEqual([]);
  });

  it('reverts and stages from the snapshot a restore point names, then discards the clone', async () => {
    const driver = await registry.arrayForArrayVolume(volumeId('vmfs01'));
    await driver.createSnapshot(snapshotRequest('snap-2', ['vmfs01']), options());
    await repository.store(
      { restorePointId: 'rp-1', vmId: 'vm-1', snapshotId: 'snap-2', disks: [] },
      options(),
    );
    group.volumes.get('vmfs01')?.data.fill(0xaa, 0, 16);
    const stage = () =>
      driver.stageVolume(
        {
          stagingId: 'st-1',
          volume: { kind: 'array-volume', id: volumeId('vmfs01') },
          restorePointIds: ['rp-1'],
        },
        repository,
        options(),
      );
    // No initiator may log in to vmfs01: no host could read a clone either, so none is made.
    await expect(stage()).rejects.toMatchObject({ faultCode: 'invalid-state' });
    expect(group.volumes.has(eqlStagingName('st-1'))).toBe(false);
    await client.run(`volume select vmfs01 access create initiator ${HV01}`, options());

    await stage();
    await stage(); // a retried step finds its clone and its access record
    const clone = group.volumes.get(eqlStagingName('st-1'));
    // A worker killed between the clone and its access record: the retry adds the record.
    clone?.access.splice(0);
    await stage();
    expect(group.commands.filter((command) => / clone mgw-stage-/.test(command))).toHaveLength(1);
    expect(clone?.data[0]).toBe(0x0a);
    expect(clone?.access.map((record) => record.initiator)).toEqual([HV01]);
    expect(group.volumes.get('vmfs01')?.data[0]).toBe(0xaa);
    const [lun] =
      (await driver.stagedLuns?.({ stagingId: 'st-1', arrayVolumeIds: [volumeId('vmfs01')] }, options())) ??
      [];
    expect(lun).toEqual({
      arrayVolumeId: volumeId('vmfs01'),
      sourceNaaId: naaFromEqlTarget(group.volumes.get('vmfs01')?.iscsiName ?? ''),
      naaId: naaFromEqlTarget(clone?.iscsiName ?? ''),
      iscsi: { portal: '192.0.2.10', target: clone?.iscsiName },
    });
    await driver.discardStaging('st-1', options());
    await driver.discardStaging('st-1', options());
    expect(group.volumes.has(eqlStagingName('st-1'))).toBe(false);
    expect(group.commands.filter((command) => command.includes('access delete'))).toHaveLength(1);
    await expect(
      driver.stagedLuns?.({ stagingId: 'st-1', arrayVolumeIds: [volumeId('vmfs01')] }, options()),
    ).rejects.toMatchObject({ faultCode: 'not-found' });

    await driver.revertVolume(
      { volume: { kind: 'array-volume', id: volumeId('vmfs01') }, restorePointIds: ['rp-1'], vmIds: [] },
      repository,
      options(),
    );
    expect(group.volumes.get('vmfs01')?.data[0]).toBe(0x0a);
    expect(group.volumes.get('vmfs01')?.isOnline).toBe(true);
  });

  it('a backup copy clones the snapshot for the live volume’s hosts; withdrawn, or left by a killed worker and removed by the release', async () => {
    const driver = await registry.arrayForArrayVolume(volumeId('vmfs01'));
    await client.run(`volume select vmfs01 access create initiator ${HV01}`, options());
    await driver.createSnapshot(snapshotRequest('snap-3', ['vmfs01']), options());
    const expose = () =>
      driver.exposeSnapshot?.(
        { snapshotId: 'snap-3', exposureId: 'rp-3', arrayVolumeIds: [volumeId('vmfs01')] },
        options(),
      ) ?? Promise.resolve([]);
    const [lun] = await expose();
    expect(await expose()).toEqual([lun]); // a retried copy finds its clone
    const copies = () => [...group.volumes.keys()].filter((name) => name.startsWith('mgw-copy-'));
    expect(copies()).toEqual([expect.stringMatching(/^mgw-copy-[0-9a-f]{8}-rp-3-0$/)]);
    expect(lun.iscsi?.target).toBe(group.volumes.get(copies()[0])?.iscsiName);
    expect(group.volumes.get(copies()[0])?.access.map((record) => record.initiator)).toEqual([HV01]);
    await driver.withdrawExposure?.('rp-3', options());
    await driver.withdrawExposure?.('rp-3', options());
    expect(copies()).toEqual([]);

    await expose(); // the worker dies here: the copy never withdraws it
    group.addVolume('mgw-copy-unrelated', 4096);
    await driver.releaseSnapshot('snap-3', options());
    expect(copies()).toEqual(['mgw-copy-unrelated']);
    expect(group.volumes.get('vmfs01')?.snapshots.size).toBe(0);
  });
});
