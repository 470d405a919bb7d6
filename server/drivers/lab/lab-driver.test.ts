import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DriverError } from '../../engine/driver';
import { makeTempDir } from '../../test-support';
import { checkConsistency } from './disk-image';
import { runSandboxedScript } from './guest-script';
import { LabDriver } from './lab-driver';
import { labTestIndex } from './lab-fixture';

let tempRoot: ReturnType<typeof makeTempDir>;
let root: string;
let driver: LabDriver;

function makeDriver(options: Partial<ConstructorParameters<typeof LabDriver>[0]> = {}): LabDriver {
  const index = labTestIndex();
  return new LabDriver({ root, inventory: () => index, scriptTimeScale: 0.001, ...options });
}

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
  await driver.createSnapshot({
    snapshotId: `snap-${pointId}`,
    scope: { kind: 'vm', vmId },
    diskIds,
    isQuiesced,
  });
  const copy = await driver.copySnapshotToRepository({
    snapshotId: `snap-${pointId}`,
    restorePointId: pointId,
    vmId,
    diskIds,
  });
  await driver.releaseSnapshot(`snap-${pointId}`);
  return copy;
}

describe('lab driver files', () => {
  it('creates deterministic disks on first use, pass-through disks outside host volumes', () => {
    const files = driver.ensureVm('fs1');
    expect(files.map((file) => path.relative(root, file))).toEqual([
      path.join('volumes', 'hv1-e', 'fs1', 'fs1-os.vhdx'),
      path.join('passthrough', 'fs1', 'fs1-pt.raw'),
    ]);
    const again = makeTempDir('lab');
    const other = new LabDriver({ root: again.path, inventory: labTestIndex, isWorkloadEnabled: false });
    const otherFiles = other.ensureVm('app1');
    expect(readFileSync(otherFiles[0]).equals(readFileSync(driver.ensureVm('app1')[0]))).toBe(true);
    again.remove();
  });

  it('backs up with a sha256 manifest and restores in place with every hash verified', async () => {
    const copy = await backup('app1', ['app1-os'], 'rp1');
    expect(copy.files).toHaveLength(1);
    expect(copy.files[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    const live = driver.liveDiskFile('app1-os');
    const original = readFileSync(live);
    writeFileSync(live, Buffer.alloc(original.length, 7));
    const result = await driver.restoreDisks({ restorePointId: 'rp1', vmId: 'app1', target: 'in-place' });
    expect(result.verified).toBe(true);
    expect(readFileSync(live).equals(original)).toBe(true);
  });

  it('refuses an in-place restore of a running VM', async () => {
    await backup('sql1', ['sql1-os'], 'rp1', true);
    await expect(
      driver.restoreDisks({ restorePointId: 'rp1', vmId: 'sql1', target: 'in-place' }),
    ).rejects.toMatchObject({
      faultCode: 'invalid-state',
    });
  });

  it('detects a corrupted restore point on verify', async () => {
    await backup('app1', ['app1-os'], 'rp1');
    expect((await driver.verifyRestorePoint('rp1')).isIntact).toBe(true);
    writeFileSync(path.join(root, 'repository', 'rp1', 'app1-os.img'), 'garbage');
    const verdict = await driver.verifyRestorePoint('rp1');
    expect(verdict.isIntact).toBe(false);
    expect(verdict.mismatches[0]).toContain('app1-os.img');
  });
});

describe('lab workload and consistency', () => {
  it('a crash-consistent capture of a VM under write is torn, a quiesced one is clean', async () => {
    driver.ensureVm('sql1');
    await new Promise((resolve) => setTimeout(resolve, 30));
    // With a 200 ms data lag after every 2 ms log append, the VM is mid-transaction ~99% of the time.
    const crash = await backup('sql1', ['sql1-os', 'sql1-data'], 'crash', false);
    const quiesced = await backup('sql1', ['sql1-os', 'sql1-data'], 'quiesced', true);
    expect(crash.applicationState).toBe('torn');
    expect(quiesced.applicationState).toBe('clean');
  });

  it('freeze and saved state really stop the writes; thaw and resume restart them', async () => {
    const disks = driver.ensureVm('sql1');
    const appDisk = driver.liveDiskFile('sql1-data'); // the first disk by id hosts the application
    expect(driver.isWorkloadWriting('sql1')).toBe(true);
    await driver.freezeGuest('sql1', 60_000);
    const frozen = readFileSync(appDisk);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(readFileSync(appDisk).equals(frozen)).toBe(true);
    expect(checkConsistency(disks).state).toBe('clean');
    await driver.thawGuest('sql1');
    expect(driver.isWorkloadWriting('sql1')).toBe(true);
    await driver.saveState('sql1');
    expect(await driver.getPowerState('sql1')).toBe('saved');
    expect(driver.isWorkloadWriting('sql1')).toBe(false);
    await driver.resume('sql1');
    expect(await driver.getPowerState('sql1')).toBe('running');
    expect(driver.isWorkloadWriting('sql1')).toBe(true);
  });
});

describe('lab volume restores', () => {
  async function backupVolume() {
    driver.ensureVm('app1');
    driver.ensureVm('sql1');
    await driver.createSnapshot({
      snapshotId: 'snap-vol',
      scope: { kind: 'host-volumes', hostVolumeIds: ['hv1-d'] },
      diskIds: ['app1-os', 'sql1-os', 'sql1-data'],
      isQuiesced: true,
    });
    await driver.copySnapshotToRepository({
      snapshotId: 'snap-vol',
      restorePointId: 'rp-app1',
      vmId: 'app1',
      diskIds: ['app1-os'],
    });
    await driver.copySnapshotToRepository({
      snapshotId: 'snap-vol',
      restorePointId: 'rp-sql1',
      vmId: 'sql1',
      diskIds: ['sql1-os', 'sql1-data'],
    });
  }

  it('a volume revert rolls back the collateral VM too', async () => {
    await backupVolume();
    const collateral = driver.liveDiskFile('sql1-data');
    const stored = readFileSync(path.join(root, 'repository', 'rp-sql1', 'sql1-data.img'));
    driver.stop();
    writeFileSync(collateral, Buffer.alloc(stored.length, 1));
    const result = await driver.revertVolume({
      volume: { kind: 'host-volume', id: 'hv1-d' },
      restorePointIds: ['rp-app1', 'rp-sql1'],
      vmIds: ['app1', 'sql1'],
    });
    expect(result.verified).toBe(true);
    expect(readFileSync(collateral).equals(stored)).toBe(true);
    expect(await driver.getPowerState('sql1')).toBe('off');
  });

  it('a staged restore copies back only the chosen VM', async () => {
    await backupVolume();
    driver.stop();
    const target = driver.liveDiskFile('app1-os');
    const collateral = driver.liveDiskFile('sql1-data');
    writeFileSync(target, 'changed');
    writeFileSync(collateral, 'changed too');
    await driver.stageVolume({
      stagingId: 'st1',
      volume: { kind: 'host-volume', id: 'hv1-d' },
      restorePointIds: ['rp-app1', 'rp-sql1'],
    });
    const result = await driver.copyOutVm({
      stagingId: 'st1',
      restorePointId: 'rp-app1',
      vmId: 'app1',
      target: 'in-place',
    });
    expect(result.verified).toBe(true);
    expect(readFileSync(target).length).toBeGreaterThan(1000);
    expect(readFileSync(collateral, 'utf8')).toBe('changed too');
    await driver.discardStaging('st1');
  });
});

describe('lab faults', () => {
  it('host unreachable fires the counted number of times, then the call succeeds', async () => {
    driver.faults.inject({ fault: 'host-unreachable', vmId: 'app1', remaining: 2 });
    const attempt = () => driver.saveState('app1');
    await expect(attempt()).rejects.toMatchObject({ faultCode: 'host-unreachable', isRetryable: true });
    await expect(attempt()).rejects.toBeInstanceOf(DriverError);
    await expect(attempt()).resolves.toBeUndefined();
    expect(driver.faults.list()).toEqual([]);
  });

  it.each([
    ['freeze-timeout', () => driver.freezeGuest('sql1', 60_000), 'freeze-timeout', /timed out after 60 s/],
    [
      'vss-writer-timeout',
      () =>
        driver.createSnapshot({
          snapshotId: 's',
          scope: { kind: 'vm', vmId: 'sql1' },
          diskIds: ['sql1-os'],
          isQuiesced: true,
        }),
      'vss-writer-timeout',
      /VSS writer of sql1 timed out/,
    ],
    [
      'snapshot-failed',
      () =>
        driver.createSnapshot({
          snapshotId: 's',
          scope: { kind: 'vm', vmId: 'sql1' },
          diskIds: ['sql1-os'],
          isQuiesced: false,
        }),
      'snapshot-failed',
      /snapshot s failed/,
    ],
  ] as const)('%s surfaces as a DriverError', async (fault, call, faultCode, message) => {
    driver.faults.inject({ fault, vmId: 'sql1' });
    await expect(call()).rejects.toMatchObject({ faultCode, message: expect.stringMatching(message) });
  });

  it('repository full, injected or by quota', async () => {
    await driver.createSnapshot({
      snapshotId: 's',
      scope: { kind: 'vm', vmId: 'app1' },
      diskIds: ['app1-os'],
      isQuiesced: false,
    });
    driver.faults.inject({ fault: 'repository-full', remaining: 1 });
    const copy = () =>
      driver.copySnapshotToRepository({
        snapshotId: 's',
        restorePointId: 'rp',
        vmId: 'app1',
        diskIds: ['app1-os'],
      });
    await expect(copy()).rejects.toMatchObject({ faultCode: 'repository-full', isRetryable: false });
    const small = makeDriver({ repositoryQuotaBytes: 1024 });
    await expect(
      small.copySnapshotToRepository({
        snapshotId: 's',
        restorePointId: 'rp',
        vmId: 'app1',
        diskIds: ['app1-os'],
      }),
    ).rejects.toMatchObject({
      faultCode: 'repository-full',
    });
  });

  it('script exit codes come from the sandbox, or from an injected fault', async () => {
    expect(
      await driver.runGuestScript('sql1', { command: 'echo flushing && flush && exit 0', timeoutMs: 5000 }),
    ).toEqual({
      exitCode: 0,
      output: 'flushing',
    });
    expect((await driver.runGuestScript('sql1', { command: 'exit 3', timeoutMs: 5000 })).exitCode).toBe(3);
    driver.faults.inject({ fault: 'script-exit', vmId: 'sql1', exitCode: 9 });
    expect((await driver.runGuestScript('sql1', { command: 'exit 0', timeoutMs: 5000 })).exitCode).toBe(9);
  });

  it('a script sleeping past its timeout fails', async () => {
    await expect(
      driver.runGuestScript('app1', { command: 'sleep 10', timeoutMs: 2000 }),
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
