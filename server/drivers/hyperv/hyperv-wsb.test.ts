/**
 * Windows Server Backup against the fake host over SSH: a whole-volume backup through wbadmin,
 * its versions, the copy of each VM's disks into the repository, the volume revert (every VM on
 * the volume rolls back), the staged restore with copy-out as a new VM, and wbadmin's failures
 * mapped to fault codes, each with the host left clean.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DriverError } from '../../engine/driver';
import { emptyInventory, indexInventory } from '../../engine/inventory';
import { LabDriver, labInventoryFromIndex } from '../lab/lab-driver';
import type { BackupRepository } from '../roles';
import { FILE01, SQL01, WEB01 } from './fake/fake-estate';
import { VM_STATE } from './fake/fake-hyperv-model';
import { diskInventoryId, vmInventoryId } from './hyperv-discovery';
import { HypervHypervisor } from './hyperv-hypervisor';
import { callOptions, startFakeHost } from './hyperv-test-support';

const DISK_BYTES = 32 * 1024;
const D_VOLUME = 'hv-host:hv01:cbd6257a-0000-4000-8000-000000000002';
let fake: Awaited<ReturnType<typeof startFakeHost>>;
let repository: BackupRepository;
let driver: HypervHypervisor;
let target: string | null;
const cleanups: (() => unknown)[] = [];

beforeEach(async () => {
  fake = await startFakeHost(DISK_BYTES);
  fake.model.state.isWsbInstalled = true;
  const root = mkdtempSync(path.join(tmpdir(), 'migawka-wsb-repo-'));
  const lab = new LabDriver({
    root,
    inventory: labInventoryFromIndex(indexInventory(emptyInventory())),
    stepDelayMs: 0,
  });
  repository = lab.repository;
  cleanups.push(
    () => lab.stop(),
    () => rmSync(root, { recursive: true, force: true }),
    () => fake.dispose(),
  );
  target = 'E:';
  driver = new HypervHypervisor({
    client: fake.connect(),
    guestCredential: async () => null,
    wsbBackupTarget: async () => target,
  });
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const slot = (location: number) => ({ ControllerType: 1, ControllerNumber: 0, ControllerLocation: location });
const sql = vmInventoryId(SQL01);
const web = vmInventoryId(WEB01);
/** Every VM with files on D: (file01's pass-through disk is not on it, its VHDX is). */
const onD = [sql, vmInventoryId(FILE01), web];
const sqlDisks = [diskInventoryId(SQL01, slot(0)), diskInventoryId(SQL01, slot(1))];
const webDisks = [diskInventoryId(WEB01, { ...slot(0), ControllerType: 0 })];
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const vmNamed = (name: string) => fake.model.state.vms.find((vm) => vm.name === name) ?? expect.fail(name);
const diskOf = (name: string, index = 0) => fake.model.readFile(vmNamed(name).drives[index].path);

async function faultOf(promise: Promise<unknown>): Promise<DriverError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DriverError);
  return error as DriverError;
}

/** The wsb-volume plan's steps for D:: one wbadmin backup, a point per VM on it, the release. */
async function backUpD(snapshotId: string) {
  await driver.createSnapshot(
    {
      snapshotId,
      scope: { kind: 'host-volumes', hostVolumeIds: [D_VOLUME] },
      diskIds: [...sqlDisks, ...webDisks],
      isQuiesced: true,
    },
    callOptions(),
  );
  const points = [
    { vmId: sql, diskIds: sqlDisks, restorePointId: `${snapshotId}-sql01` },
    { vmId: web, diskIds: webDisks, restorePointId: `${snapshotId}-web01` },
  ];
  const copies = [];
  for (const point of points) {
    copies.push(await driver.copySnapshotToRepository({ snapshotId, ...point }, repository, callOptions()));
  }
  await driver.releaseSnapshot(snapshotId, callOptions());
  return { copies, pointIds: points.map((point) => point.restorePointId) };
}

describe('Windows Server Backup: backup and versions', () => {
  it('backs up the whole volume once, lists the version, and copies each VM as it was then', async () => {
    const before = diskOf('sql01');
    const { copies } = await backUpD('wsb-1');
    // A retried snapshot step finds its version instead of taking a second backup.
    await driver.createSnapshot(
      {
        snapshotId: 'wsb-1',
        scope: { kind: 'host-volumes', hostVolumeIds: [D_VOLUME] },
        diskIds: [],
        isQuiesced: true,
      },
      callOptions(),
    );
    expect(fake.model.state.wsb.versions).toHaveLength(1);
    expect(copies[0].files.map((file) => file.sha256)).toEqual([sha(before), sha(diskOf('sql01', 1))]);
    expect(copies[1].files).toHaveLength(1);
    const stored = await repository.read('wsb-1-sql01', callOptions());
    expect(stored?.files[0].origin).toEqual({
      location: 'D:\\Hyper-V\\sql01\\os.vhdx',
      hostVolumeId: D_VOLUME,
      arrayVolumeId: null,
    });
    // The scratch folder the files were recovered into is gone.
    expect(fake.model.exists('D:\\Migawka-wsb\\wsb-1')).toBe(false);

    fake.model.state.wsb.now = new Date(Date.UTC(2026, 10, 25, 2, 0));
    await backUpD('wsb-2');
    const versions = await driver.wsbVersions(callOptions());
    expect(versions.map((version) => version.versionId)).toEqual(['11/24/2026-02:00', '11/25/2026-02:00']);
    expect(versions[1]).toMatchObject({
      backedUpAt: new Date('2026-11-25T02:00:00Z'),
      target: 'Fixed Disk labeled Backup(E:)',
      snapshotId: fake.model.state.wsb.versions[1].snapshotId,
    });
  });

  it('fails clean where WSB cannot run: not installed, no target, a writer failing (by HRESULT)', async () => {
    const snapshot = (snapshotId: string) =>
      driver.createSnapshot(
        {
          snapshotId,
          scope: { kind: 'host-volumes', hostVolumeIds: [D_VOLUME] },
          diskIds: [],
          isQuiesced: true,
        },
        callOptions(),
      );
    fake.model.state.isWsbInstalled = false;
    const missing = await faultOf(snapshot('a'));
    expect(missing.faultCode).toBe('connector-missing');
    expect(missing.message).toMatch(/Windows-Server-Backup/);
    fake.model.state.isWsbInstalled = true;

    target = null;
    expect((await faultOf(snapshot('b'))).faultCode).toBe('connector-missing');
    target = 'E:';

    fake.model.state.wsb.nextFailure = {
      exitCode: 2,
      output:
        'ERROR - Volume Shadow Copy Service operation error (0x800423f4)\r\nThe writer experienced a non-transient error.\r\n',
    };
    const writer = await faultOf(snapshot('c'));
    expect(writer.faultCode).toBe('snapshot-failed');
    expect(writer.isRetryable).toBe(false);
    expect(writer.message).toMatch(/0x800423f4/);
    expect(fake.model.state.wsb.versions).toHaveLength(0);
    // A failed backup records no version under its id: the copy finds nothing to read.
    const copy = await faultOf(
      driver.copySnapshotToRepository(
        { snapshotId: 'c', restorePointId: 'p', vmId: sql, diskIds: sqlDisks },
        repository,
        callOptions(),
      ),
    );
    expect(copy.faultCode).toBe('not-found');
  });
});

describe('Windows Server Backup: restores', () => {
  it('reverts the whole volume: every VM on it is turned off and rolls back, verified', async () => {
    const sqlThen = diskOf('sql01');
    const webThen = diskOf('web01');
    const { pointIds } = await backUpD('wsb-1');
    fake.model.guestWrites('sql01', 0, Buffer.alloc(DISK_BYTES, 7));
    fake.model.guestWrites('web01', 0, Buffer.alloc(DISK_BYTES, 9));
    const result = await driver.revertVolume(
      { volume: { kind: 'host-volume', id: D_VOLUME }, restorePointIds: pointIds, vmIds: onD },
      repository,
      callOptions(),
    );
    expect(result.verified).toBe(true);
    expect(sha(diskOf('sql01'))).toBe(sha(sqlThen));
    expect(sha(diskOf('web01'))).toBe(sha(webThen));
    expect(onD.map((_, index) => fake.model.state.vms[index].state)).toEqual([
      VM_STATE.Off,
      VM_STATE.Off,
      VM_STATE.Off,
    ]);
    expect(fake.model.state.log).toContain('wbadmin start recovery volume D: from 11/24/2026-02:00');
  });

  it('stages the volume, copies one VM out as new, leaves the live disks alone, and discards the stage', async () => {
    const sqlThen = diskOf('sql01');
    const { pointIds } = await backUpD('wsb-1');
    const live = Buffer.alloc(DISK_BYTES, 5);
    fake.model.guestWrites('sql01', 0, live);
    const staged = await driver.stageVolume(
      { stagingId: 'st1', volume: { kind: 'host-volume', id: D_VOLUME }, restorePointIds: pointIds },
      repository,
      callOptions(),
    );
    expect(staged.verified).toBe(true);
    const copied = await driver.copyOutVm(
      {
        stagingId: 'st1',
        restorePointId: pointIds[0],
        vmId: sql,
        target: 'as-new',
        newVmName: 'sql01-restored',
      },
      repository,
      callOptions(),
    );
    expect(copied.verified).toBe(true);
    expect(sha(diskOf('sql01-restored'))).toBe(sha(sqlThen));
    expect(copied.createdVm?.vmId).toBe(vmInventoryId(vmNamed('sql01-restored').id));
    expect(diskOf('sql01').equals(live)).toBe(true);
    await driver.discardStaging('st1', callOptions());
    expect(existsSync(fake.model.localPath('D:\\Migawka-staging\\st1'))).toBe(false);
  });

  it('copies out in place only once the VM is off, and maps a failed recovery to its fault', async () => {
    const { pointIds } = await backUpD('wsb-1');
    await driver.stageVolume(
      { stagingId: 'st1', volume: { kind: 'host-volume', id: D_VOLUME }, restorePointIds: pointIds },
      repository,
      callOptions(),
    );
    const running = await faultOf(
      driver.copyOutVm(
        { stagingId: 'st1', restorePointId: pointIds[0], vmId: sql, target: 'in-place' },
        repository,
        callOptions(),
      ),
    );
    expect(running.faultCode).toBe('invalid-state');
    // Off, it takes the staged disks back in place (copied on the host), verified.
    const then = (await repository.read(pointIds[0], callOptions()))?.files.map((file) => file.sha256);
    fake.model.guestWrites('sql01', 0, Buffer.alloc(DISK_BYTES, 3));
    vmNamed('sql01').state = VM_STATE.Off;
    const inPlace = await driver.copyOutVm(
      { stagingId: 'st1', restorePointId: pointIds[0], vmId: sql, target: 'in-place' },
      repository,
      callOptions(),
    );
    expect(inPlace.verified).toBe(true);
    expect([sha(diskOf('sql01')), sha(diskOf('sql01', 1))]).toEqual(then);
    fake.model.state.wsb.nextFailure = {
      exitCode: 5,
      output: 'ERROR - Access is denied. (0x80070005)\r\n',
    };
    const denied = await faultOf(
      driver.revertVolume(
        { volume: { kind: 'host-volume', id: D_VOLUME }, restorePointIds: pointIds, vmIds: onD },
        repository,
        callOptions(),
      ),
    );
    expect(denied.faultCode).toBe('host-unreachable');
    expect(denied.message).toMatch(/Backup Operators/);
  });
});
