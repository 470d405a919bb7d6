import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { DriverError } from '../../engine/driver';
import { makeTempDir } from '../../test-support';
import { checkConsistency } from './disk-image';
import { runSandboxedScript } from './guest-script';
import { LabDriver, type LabOptions, labInventoryFromIndex } from './lab-driver';
import { labTestIndex } from './lab-fixture';

let tempRoot: ReturnType<typeof makeTempDir>;
let root: string;
let driver: LabDriver;

/** Every call's options: no cancel, a deadline far beyond any lab call. */
const call = { signal: new AbortController().signal, timeoutMs: 60_000 };

function makeDriver(options: Partial<LabOptions> = {}): LabDriver {
  return new LabDriver({
    root,
    inventory: labInventoryFromIndex(labTestIndex()),
    scriptTimeScale: 0.001,
    ...options,
  });
}

const hypervisor = () => driver.hypervisor();
const repository = () => driver.repository;

beforeEach(() => {
  tempRoot = makeTempDir('lab');
  root = tempRoot.path;
  driver = makeDriver({ workload: { intervalMs: 2, dataLagMs: 200 } });
});

afterEach(() => {
  driver.stop();
  tempRoot.remove();
});

async function backup(vmId: string, diskIds: string[], pointId: string, isQuiesced = false) {
  await hypervisor().createSnapshot(
    { snapshotId: `snap-${pointId}`, scope: { kind: 'vm', vmId }, diskIds, isQuiesced },
    call,
  );
  const copy = await hypervisor().copySnapshotToRepository(
    { snapshotId: `snap-${pointId}`, restorePointId: pointId, vmId, diskIds },
    repository(),
    call,
  );
  await hypervisor().releaseSnapshot(`snap-${pointId}`, call);
  return copy;
}

describe('lab driver files', () => {
  it('creates deterministic disks on first use, pass-through disks outside host volumes', async () => {
    const files = await driver.ensureVm('fs1');
    expect(files.map((file) => path.relative(root, file))).toEqual([
      path.join('volumes', 'hv1-e', 'fs1', 'fs1-os.vhdx'),
      path.join('passthrough', 'fs1', 'fs1-pt.raw'),
    ]);
    const again = makeTempDir('lab');
    const other = new LabDriver({
      root: again.path,
      inventory: labInventoryFromIndex(labTestIndex),
      isWorkloadEnabled: false,
    });
    const otherFiles = await other.ensureVm('app1');
    expect(readFileSync(otherFiles[0]).equals(readFileSync((await driver.ensureVm('app1'))[0]))).toBe(true);
    again.remove();
  });

  it('backs up with a sha256 manifest and restores in place with every hash verified', async () => {
    const copy = await backup('app1', ['app1-os'], 'rp1');
    expect(copy.files).toHaveLength(1);
    expect(copy.files[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    const live = await driver.liveDiskFile('app1-os');
    const original = readFileSync(live);
    writeFileSync(live, Buffer.alloc(original.length, 7));
    const result = await hypervisor().restoreDisks(
      { restorePointId: 'rp1', vmId: 'app1', target: 'in-place' },
      repository(),
      call,
    );
    expect(result.verified).toBe(true);
    expect(readFileSync(live).equals(original)).toBe(true);
  });

  it('refuses an in-place restore of a running VM', async () => {
    await backup('sql1', ['sql1-os'], 'rp1', true);
    await expect(
      hypervisor().restoreDisks(
        { restorePointId: 'rp1', vmId: 'sql1', target: 'in-place' },
        repository(),
        call,
      ),
    ).rejects.toMatchObject({
      faultCode: 'invalid-state',
    });
  });

  it('detects a corrupted restore point on verify', async () => {
    await backup('app1', ['app1-os'], 'rp1');
    expect((await repository().verify('rp1', call)).isIntact).toBe(true);
    writeFileSync(path.join(root, 'repository', 'rp1', 'app1-os.img'), 'garbage');
    const verdict = await repository().verify('rp1', call);
    expect(verdict.isIntact).toBe(false);
    expect(verdict.mismatches[0]).toContain('app1-os.img');
  });
});

describe('lab workload and consistency', () => {
  it('a crash-consistent capture of a VM under write is torn, a quiesced one is clean', async () => {
    await driver.ensureVm('sql1');
    // Held mid-transaction (log record written, data page not yet): torn with certainty, not by timing.
    const release = driver.holdWorkloadMidTransaction('sql1');
    const crash = await backup('sql1', ['sql1-os', 'sql1-data'], 'crash', false);
    // A quiesced snapshot lets the open transaction finish first.
    const quiesced = await backup('sql1', ['sql1-os', 'sql1-data'], 'quiesced', true);
    release();
    expect(crash.applicationState).toBe('torn');
    expect(quiesced.applicationState).toBe('clean');
  });

  it('freeze and saved state really stop the writes; thaw and resume restart them', async () => {
    // The workload's timers run on a fake clock: "a second passes" is an explicit advance.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const disks = await driver.ensureVm('sql1');
    const appDisk = await driver.liveDiskFile('sql1-data'); // the first disk by id hosts the application
    expect(driver.isWorkloadWriting('sql1')).toBe(true);
    const running = readFileSync(appDisk);
    vi.advanceTimersByTime(1000);
    expect(readFileSync(appDisk).equals(running)).toBe(false); // while it runs, a second changes the disk
    await hypervisor().freezeGuest('sql1', 60_000, call);
    const frozen = readFileSync(appDisk);
    vi.advanceTimersByTime(1000);
    expect(readFileSync(appDisk).equals(frozen)).toBe(true);
    expect(checkConsistency(disks).state).toBe('clean');
    await hypervisor().thawGuest('sql1', call);
    expect(driver.isWorkloadWriting('sql1')).toBe(true);
    await hypervisor().saveState('sql1', call);
    expect(await hypervisor().getPowerState('sql1', call)).toBe('saved');
    expect(driver.isWorkloadWriting('sql1')).toBe(false);
    await hypervisor().resume('sql1', call);
    expect(await hypervisor().getPowerState('sql1', call)).toBe('running');
    expect(driver.isWorkloadWriting('sql1')).toBe(true);
  });
});

describe('lab volume restores', () => {
  async function backupVolume() {
    await driver.ensureVm('app1');
    await driver.ensureVm('sql1');
    await hypervisor().createSnapshot(
      {
        snapshotId: 'snap-vol',
        scope: { kind: 'host-volumes', hostVolumeIds: ['hv1-d'] },
        diskIds: ['app1-os', 'sql1-os', 'sql1-data'],
        isQuiesced: true,
      },
      call,
    );
    await hypervisor().copySnapshotToRepository(
      { snapshotId: 'snap-vol', restorePointId: 'rp-app1', vmId: 'app1', diskIds: ['app1-os'] },
      repository(),
      call,
    );
    await hypervisor().copySnapshotToRepository(
      { snapshotId: 'snap-vol', restorePointId: 'rp-sql1', vmId: 'sql1', diskIds: ['sql1-os', 'sql1-data'] },
      repository(),
      call,
    );
  }

  it('a volume revert rolls back the collateral VM too', async () => {
    await backupVolume();
    const collateral = await driver.liveDiskFile('sql1-data');
    const stored = readFileSync(path.join(root, 'repository', 'rp-sql1', 'sql1-data.img'));
    driver.stop();
    writeFileSync(collateral, Buffer.alloc(stored.length, 1));
    const result = await hypervisor().revertVolume(
      {
        volume: { kind: 'host-volume', id: 'hv1-d' },
        restorePointIds: ['rp-app1', 'rp-sql1'],
        vmIds: ['app1', 'sql1'],
      },
      repository(),
      call,
    );
    expect(result.verified).toBe(true);
    expect(readFileSync(collateral).equals(stored)).toBe(true);
    expect(await hypervisor().getPowerState('sql1', call)).toBe('off');
  });

  it('a staged restore copies back only the chosen VM', async () => {
    await backupVolume();
    driver.stop();
    const target = await driver.liveDiskFile('app1-os');
    const collateral = await driver.liveDiskFile('sql1-data');
    writeFileSync(target, 'changed');
    writeFileSync(collateral, 'changed too');
    await hypervisor().stageVolume(
      {
        stagingId: 'st1',
        volume: { kind: 'host-volume', id: 'hv1-d' },
        restorePointIds: ['rp-app1', 'rp-sql1'],
      },
      repository(),
      call,
    );
    const result = await hypervisor().copyOutVm(
      { stagingId: 'st1', restorePointId: 'rp-app1', vmId: 'app1', target: 'in-place' },
      repository(),
      call,
    );
    expect(result.verified).toBe(true);
    expect(readFileSync(target).length).toBeGreaterThan(1000);
    expect(readFileSync(collateral, 'utf8')).toBe('changed too');
    await hypervisor().discardStaging('st1', call);
  });
});

describe('lab roles', () => {
  it('the array role snapshots a LUN in one instant and reverts it from the repository', async () => {
    await driver.ensureVm('fs1');
    driver.stop();
    const passthrough = await driver.liveDiskFile('fs1-pt');
    const before = readFileSync(passthrough);
    await driver.array().createSnapshot(
      {
        snapshotId: 'snap-lun2',
        scope: { kind: 'array-volumes', arrayVolumeIds: ['lun2'], consistencyGroupId: null },
        diskIds: ['fs1-pt'],
        isQuiesced: false,
      },
      call,
    );
    const copy = await hypervisor().copySnapshotToRepository(
      { snapshotId: 'snap-lun2', restorePointId: 'rp-pt', vmId: 'fs1', diskIds: ['fs1-pt'] },
      repository(),
      call,
    );
    await driver.array().releaseSnapshot('snap-lun2', call);
    expect(copy.files.map((file) => file.diskId)).toEqual(['fs1-pt']);
    writeFileSync(passthrough, 'overwritten');
    const result = await driver
      .array()
      .revertVolume(
        { volume: { kind: 'array-volume', id: 'lun2' }, restorePointIds: ['rp-pt'], vmIds: ['fs1'] },
        repository(),
        call,
      );
    expect(result).toMatchObject({ verified: true, bytes: before.length });
    expect(readFileSync(passthrough).equals(before)).toBe(true);
    expect(await hypervisor().getPowerState('fs1', call)).toBe('off'); // a revert stops the VMs on the LUN
  });

  it('the repository reports what it holds against its quota, and deleting twice is harmless', async () => {
    const small = makeDriver({ repositoryQuotaBytes: 10 * 2 ** 20 });
    expect(await small.repository.capacity(call)).toEqual({ usedBytes: 0, quotaBytes: 10 * 2 ** 20 });
    await backup('app1', ['app1-os'], 'rp1');
    const { usedBytes } = await small.repository.capacity(call);
    expect(usedBytes).toBeGreaterThan(2 * 2 ** 20);
    await repository().delete('rp1', call);
    await repository().delete('rp1', call);
    expect(await repository().read('rp1', call)).toBeNull();
    expect((await small.repository.capacity(call)).usedBytes).toBe(0);
  });

  it.each([
    {
      name: 'a disk whose read fails mid-way',
      stop: (_controller: AbortController) => {
        throw new DriverError('host-unreachable', 'the host went away mid-copy', { isRetryable: true });
      },
      error: { faultCode: 'host-unreachable' },
    },
    {
      name: 'a copy cancelled mid-way',
      stop: (controller: AbortController) => {
        controller.abort(new Error('cancelled by the operator'));
        return undefined;
      },
      error: { message: 'cancelled by the operator' },
    },
  ])('$name leaves nothing in the repository: no files, no point, no bytes used', async ({ stop, error }) => {
    const controller = new AbortController();
    const chunk = new Uint8Array(256 * 1024).fill(7);
    const disk = (diskId: string, isCut: boolean) => ({
      diskId,
      bytes: 2 * chunk.length,
      origin: { location: `lab/${diskId}.img`, hostVolumeId: null, arrayVolumeId: null },
      async *read() {
        yield chunk;
        if (isCut) stop(controller);
        yield chunk;
      },
    });
    const store = repository().store(
      {
        restorePointId: 'rp-cut',
        vmId: 'app1',
        snapshotId: null,
        disks: [disk('d1', false), disk('d2', true)],
      },
      { signal: controller.signal, timeoutMs: 60_000 },
    );
    await expect(store).rejects.toMatchObject(error);
    expect(existsSync(path.join(root, 'repository', 'rp-cut'))).toBe(false);
    expect(await repository().read('rp-cut', call)).toBeNull();
    expect((await repository().capacity(call)).usedBytes).toBe(0);
  });

  it('a lab started again in another process resumes the workloads of the VMs it created files for', async () => {
    await driver.ensureVm('sql1');
    expect(driver.isWorkloadWriting('sql1')).toBe(true);
    driver.stop();
    const restarted = makeDriver({ isWorkloadEnabled: false });
    expect(restarted.isWorkloadWriting('sql1')).toBe(false);
    await restarted.enableWorkloads();
    expect(restarted.isWorkloadWriting('sql1')).toBe(true);
    expect(restarted.isWorkloadWriting('app1')).toBe(false); // off, and never touched
    restarted.stop();
  });

  it('a call whose signal is already aborted does nothing', async () => {
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));
    await expect(
      hypervisor().saveState('sql1', { signal: controller.signal, timeoutMs: 60_000 }),
    ).rejects.toThrow('cancelled');
    expect(await hypervisor().getPowerState('sql1', call)).toBe('running');
  });
});

describe('lab faults', () => {
  it('host unreachable fires the counted number of times, then the call succeeds', async () => {
    driver.faults.inject({ fault: 'host-unreachable', vmId: 'app1', remaining: 2 });
    const attempt = () => hypervisor().saveState('app1', call);
    await expect(attempt()).rejects.toMatchObject({ faultCode: 'host-unreachable', isRetryable: true });
    await expect(attempt()).rejects.toBeInstanceOf(DriverError);
    await expect(attempt()).resolves.toBeUndefined();
    expect(driver.faults.list()).toEqual([]);
  });

  it.each([
    [
      'freeze-timeout',
      () => hypervisor().freezeGuest('sql1', 60_000, call),
      'freeze-timeout',
      /timed out after 60 s/,
    ],
    [
      'vss-writer-timeout',
      () =>
        hypervisor().createSnapshot(
          { snapshotId: 's', scope: { kind: 'vm', vmId: 'sql1' }, diskIds: ['sql1-os'], isQuiesced: true },
          call,
        ),
      'vss-writer-timeout',
      /VSS writer of sql1 timed out/,
    ],
    [
      'snapshot-failed',
      () =>
        hypervisor().createSnapshot(
          { snapshotId: 's', scope: { kind: 'vm', vmId: 'sql1' }, diskIds: ['sql1-os'], isQuiesced: false },
          call,
        ),
      'snapshot-failed',
      /the snapshot of sql1 failed/,
    ],
  ] as const)('%s surfaces as a DriverError', async (fault, call, faultCode, message) => {
    driver.faults.inject({ fault, vmId: 'sql1' });
    await expect(call()).rejects.toMatchObject({ faultCode, message: expect.stringMatching(message) });
  });

  it('a hung host holds only the calls touching it, until the rule is lifted', async () => {
    driver.faults.inject({ fault: 'hang', vmId: 'sql1' });
    let isSettled = false;
    const held = hypervisor()
      .saveState('sql1', call)
      .finally(() => {
        isSettled = true;
      });
    // Another VM's call runs through while sql1's stays held: the rule still stands.
    expect(await hypervisor().getPowerState('app1', call)).toBe('off');
    expect(isSettled).toBe(false);
    driver.faults.lift('hang');
    await expect(held).resolves.toBeUndefined();
    expect(await hypervisor().getPowerState('sql1', call)).toBe('saved');
  });

  it('a call held by a hung host ends with its cancel', async () => {
    driver.faults.inject({ fault: 'hang', vmId: 'sql1' });
    const controller = new AbortController();
    const held = hypervisor().saveState('sql1', { signal: controller.signal, timeoutMs: 60_000 });
    controller.abort(new Error('cancelled by the operator'));
    await expect(held).rejects.toThrow('cancelled by the operator');
    driver.faults.lift('hang');
    expect(await hypervisor().getPowerState('sql1', call)).toBe('running');
  });

  it('repository full, injected or by quota', async () => {
    await hypervisor().createSnapshot(
      { snapshotId: 's', scope: { kind: 'vm', vmId: 'app1' }, diskIds: ['app1-os'], isQuiesced: false },
      call,
    );
    driver.faults.inject({ fault: 'repository-full', remaining: 1 });
    const request = { snapshotId: 's', restorePointId: 'rp', vmId: 'app1', diskIds: ['app1-os'] };
    const copy = () => hypervisor().copySnapshotToRepository(request, repository(), call);
    await expect(copy()).rejects.toMatchObject({ faultCode: 'repository-full', isRetryable: false });
    const small = makeDriver({ repositoryQuotaBytes: 1024 });
    await expect(
      small.hypervisor().copySnapshotToRepository(request, small.repository, call),
    ).rejects.toMatchObject({
      faultCode: 'repository-full',
    });
  });

  it.each([
    ['declared smaller than they are', 512],
    ['not declared (a size the host did not report)', 0],
  ])('disks %s still stop at the quota, leaving nothing behind', async (_, declared) => {
    const small = makeDriver({ repositoryQuotaBytes: 1024 });
    async function* twoKilobytes() {
      yield new Uint8Array(700);
      yield new Uint8Array(700);
      yield new Uint8Array(700);
    }
    const store = small.repository.store(
      {
        restorePointId: 'rp-big',
        vmId: 'app1',
        snapshotId: null,
        disks: [
          {
            diskId: 'app1-os',
            bytes: declared,
            origin: { location: 'app1/os.img', hostVolumeId: null, arrayVolumeId: null },
            read: () => twoKilobytes(),
          },
        ],
      },
      call,
    );
    await expect(store).rejects.toMatchObject({
      faultCode: 'repository-full',
      message: expect.stringContaining('the backup repository holds 0 of 1024 bytes'),
    });
    expect(existsSync(path.join(root, 'repository', 'rp-big'))).toBe(false);
  });

  it('script exit codes come from the sandbox, or from an injected fault', async () => {
    expect(
      await hypervisor().runGuestScript(
        'sql1',
        { command: 'echo flushing && flush && exit 0', timeoutMs: 5000 },
        call,
      ),
    ).toEqual({
      exitCode: 0,
      output: 'flushing',
    });
    expect(
      (await hypervisor().runGuestScript('sql1', { command: 'exit 3', timeoutMs: 5000 }, call)).exitCode,
    ).toBe(3);
    driver.faults.inject({ fault: 'script-exit', vmId: 'sql1', exitCode: 9 });
    expect(
      (await hypervisor().runGuestScript('sql1', { command: 'exit 0', timeoutMs: 5000 }, call)).exitCode,
    ).toBe(9);
  });

  it('a script sleeping past its timeout fails', async () => {
    await expect(
      hypervisor().runGuestScript('app1', { command: 'sleep 10', timeoutMs: 2000 }, call),
    ).rejects.toMatchObject({
      faultCode: 'script-failed',
      message: expect.stringContaining('timed out after 2 s'),
    });
  });
});

describe('guest script sandbox', () => {
  it.each([
    ['exit 0', 0],
    ['exit 4', 4],
    ['false', 1],
    ['false && exit 0', 1],
    ['true; echo ok', 0],
    ['rm -rf /', 127],
    ['sleep 0.5; exit 2', 2],
  ])('%s exits %i', async (command, exitCode) => {
    expect((await runSandboxedScript(command, { timeoutMs: 10_000, timeScale: 0.001 })).exitCode).toBe(
      exitCode,
    );
  });
});
