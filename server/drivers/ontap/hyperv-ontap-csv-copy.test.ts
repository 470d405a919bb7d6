/**
 * A backup's copy out of an ONTAP snapshot for a VM whose disk is on a Cluster Shared Volume
 * (`C:\ClusterStorage\Volume1`, mounted without a drive letter): the fake host's CSV sits on the
 * fake cluster's sql_log LUN (fake-san.ts), the snapshot's FlexClone is mapped to the host, and
 * mount-array-copy finds the VM's file on the clone by the CSV's path, not by a drive letter.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { z } from 'zod';
import { emptyInventory, indexInventory } from '../../engine/inventory';
import { WEB01 } from '../hyperv/fake/fake-estate';
import { diskInventoryId, vmInventoryId } from '../hyperv/hyperv-discovery';
import { HypervHypervisor } from '../hyperv/hyperv-hypervisor';
import { callOptions, startFakeHost } from '../hyperv/hyperv-test-support';
import { LabDriver, labInventoryFromIndex } from '../lab/lab-driver';
import { sanOf } from './hyperv-ontap-runner-support';
import { OntapArray } from './ontap-array';
import { naaFromSerial } from './ontap-naa';
import { startFakeCluster } from './ontap-test-support';

const CSV = 'C:\\ClusterStorage\\Volume1';
const ON_CSV = `${CSV}\\web01\\web.vhdx`;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

it('copies a VM whose disk is on a Cluster Shared Volume out of a FlexClone of the snapshot, by the CSV’s path', async () => {
  const host = await startFakeHost(32 * 1024);
  const cluster = await startFakeCluster();
  const root = mkdtempSync(path.join(tmpdir(), 'migawka-csv-repo-'));
  const lab = new LabDriver({
    root,
    inventory: labInventoryFromIndex(indexInventory(emptyInventory())),
    stepDelayMs: 0,
  });
  cleanups.push(
    () => host.dispose(),
    () => cluster.stop(),
    () => lab.stop(),
    () => rmSync(root, { recursive: true, force: true }),
  );
  // web01 moves onto a CSV whose disk is the sql_log LUN (mapped to hv01, as the sql_data LUN under D: is).
  const log = cluster.model.lunByName('/vol/sql_log/lun0');
  const model = host.model;
  model.state.san = sanOf(cluster, 'hv01');
  const csvVolume = '\\\\?\\Volume{c5c5c5c5-0000-4000-8000-000000000001}\\';
  model.state.volumes.push({
    deviceId: csvVolume,
    name: `${CSV}\\`,
    label: '',
    fileSystem: 'CSVFS',
    capacity: 1024 ** 3,
    freeSpace: 1024 ** 3,
    diskUniqueId: naaFromSerial(log?.serial ?? '').toUpperCase(),
  });
  const web01 = model.vmById(WEB01);
  model.writeFile(ON_CSV, model.readFile(web01.drives[0].path));
  web01.drives[0].path = ON_CSV;
  web01.path = `${CSV}\\web01`;
  const atSnapshot = sha256(model.readFile(ON_CSV));
  const client = host.connect();
  await client.run('flush-volume', { volume: csvVolume }, z.boolean(), callOptions()); // Write-VolumeCache

  const array = new OntapArray({ client: cluster.client, arrayId: 'cluster1', stagingIgroup: 'stage01' });
  const lunId = `cluster1:lun:${log?.uuid}`;
  const scope = { kind: 'array-volumes' as const, arrayVolumeIds: [lunId], consistencyGroupId: null };
  await array.createSnapshot(
    { snapshotId: 'snap-csv', scope, diskIds: [], isQuiesced: false },
    callOptions(),
  );
  model.writeFile(ON_CSV, Buffer.from('web01 written after the snapshot'.padEnd(32 * 1024, '.')));
  const luns = await array.exposeSnapshot(
    { snapshotId: 'snap-csv', exposureId: 'rp-csv', arrayVolumeIds: [lunId] },
    callOptions(),
  );

  const hypervisor = new HypervHypervisor({ client, guestCredential: async () => null });
  const diskId = diskInventoryId(WEB01, { ControllerType: 0, ControllerNumber: 0, ControllerLocation: 0 });
  const copied = await hypervisor.copyFromArrayLuns(
    { snapshotId: 'snap-csv', restorePointId: 'rp-csv', vmId: vmInventoryId(WEB01), diskIds: [diskId], luns },
    lab.repository,
    callOptions(),
  );
  await array.withdrawExposure('rp-csv', callOptions());

  expect(copied.bytes).toBe(32 * 1024);
  const stored = await lab.repository.read('rp-csv', callOptions());
  expect(stored?.files).toMatchObject([{ diskId, sha256: atSnapshot, origin: { location: ON_CSV } }]);
  expect(readdirSync(model.localPath('C:\\ProgramData\\Migawka\\array-copies'))).toEqual([]);
  expect(cluster.model.lunMaps).toHaveLength(2); // the clone's map is gone, the live LUNs' stay
});
