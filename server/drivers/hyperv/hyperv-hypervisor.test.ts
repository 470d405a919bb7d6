/**
 * The hypervisor role against the fake host, one behaviour per test: checkpoints (production and
 * standard), the copy of the frozen disks while the guest keeps writing, the merge as cleanup,
 * restores as new / in place / into scratch verified against the point's hashes, and every
 * failure path the issue names, each ending with the host left clean.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DriverError } from '../../engine/driver';
import { emptyInventory, indexInventory } from '../../engine/inventory';
import { LabDriver, labInventoryFromIndex } from '../lab/lab-driver';
import type { BackupRepository } from '../roles';
import { FILE01, GUEST_PASSWORD, GUEST_USER, SQL01, WEB01 } from './fake/fake-estate';
import { CHECKPOINT_TYPE, VM_STATE } from './fake/fake-hyperv-model';
import { vmStateValue, WINDOWS_SERVER_2016 } from './fake/fake-vm-states';
import { diskInventoryId, vmInventoryId } from './hyperv-discovery';
import { checkpointName, freezeCheckpointName, HypervHypervisor } from './hyperv-hypervisor';
import { callOptions, startFakeHost } from './hyperv-test-support';

const DISK_BYTES = 64 * 1024;
let fake: Awaited<ReturnType<typeof startFakeHost>>;
let repository: BackupRepository;
let driver: HypervHypervisor;
let guestCredential: { user: string; password: string } | null;
const cleanups: (() => unknown)[] = [];

beforeEach(async () => {
  fake = await startFakeHost(DISK_BYTES);
  const root = mkdtempSync(path.join(tmpdir(), 'migawka-hyperv-repo-'));
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
  guestCredential = { user: GUEST_USER, password: GUEST_PASSWORD };
  driver = new HypervHypervisor({ client: fake.connect(), guestCredential: async () => guestCredential });
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const sql = vmInventoryId(SQL01);
const slot = (location: number) => ({ ControllerType: 1, ControllerNumber: 0, ControllerLocation: location });
const sqlDisks = [diskInventoryId(SQL01, slot(0)), diskInventoryId(SQL01, slot(1))];
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const sqlVm = () => fake.model.state.vms[0];

async function faultOf(promise: Promise<unknown>): Promise<DriverError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DriverError);
  return error as DriverError;
}

async function backUp(snapshotId: string, restorePointId: string) {
  await driver.createSnapshot(
    { snapshotId, scope: { kind: 'vm', vmId: sql }, diskIds: sqlDisks, isQuiesced: true },
    callOptions(),
  );
  const copy = await driver.copySnapshotToRepository(
    { snapshotId, restorePointId, vmId: sql, diskIds: sqlDisks },
    repository,
    callOptions(),
  );
  await driver.releaseSnapshot(snapshotId, callOptions());
  return copy;
}

describe('Hyper-V backup', () => {
  it('copies the frozen disks while the guest writes on, then merges the checkpoint', async () => {
    const before = sqlVm().drives.map((drive) => fake.model.readFile(drive.path));
    await driver.createSnapshot(
      { snapshotId: 's1', scope: { kind: 'vm', vmId: sql }, diskIds: sqlDisks, isQuiesced: true },
      callOptions(),
    );
    expect(sqlVm().checkpoints.map((checkpoint) => [checkpoint.name, checkpoint.isProduction])).toEqual([
      [checkpointName('s1'), true],
    ]);
    expect(sqlVm().checkpointType).toBe(CHECKPOINT_TYPE.Production); // the VM's own setting is back
    const written = Buffer.alloc(DISK_BYTES, 7);
    fake.model.guestWrites('sql01', 0, written);

    const copy = await driver.copySnapshotToRepository(
      { snapshotId: 's1', restorePointId: 'p1', vmId: sql, diskIds: sqlDisks },
      repository,
      callOptions(),
    );
    expect(copy.files.map((file) => [file.diskId, file.sha256])).toEqual(
      sqlDisks.map((id, index) => [id, sha(before[index])]),
    );

    await driver.releaseSnapshot('s1', callOptions());
    expect(sqlVm().checkpoints).toEqual([]);
    expect(sqlVm().drives[0].path).toBe('D:\\Hyper-V\\sql01\\os.vhdx');
    expect(fake.model.readFile('D:\\Hyper-V\\sql01\\os.vhdx').equals(written)).toBe(true); // merged
    await driver.releaseSnapshot('s1', callOptions()); // gone already: fine
  });

  it('a retried snapshot step finds its checkpoint instead of taking a second one', async () => {
    const request = {
      snapshotId: 's1',
      scope: { kind: 'vm' as const, vmId: sql },
      diskIds: sqlDisks,
      isQuiesced: false,
    };
    await driver.createSnapshot(request, callOptions());
    await driver.createSnapshot(request, callOptions());
    expect(sqlVm().checkpoints).toHaveLength(1);
    expect(sqlVm().checkpoints[0].isProduction).toBe(false);
  });

  it('a guest whose VSS writer failed refuses the production checkpoint: vss-writer-timeout, nothing left', async () => {
    const guest = sqlVm().guest;
    if (guest) guest.hasFailedVssWriter = true;
    const error = await faultOf(
      driver.createSnapshot(
        { snapshotId: 's1', scope: { kind: 'vm', vmId: sql }, diskIds: sqlDisks, isQuiesced: true },
        callOptions(),
      ),
    );
    expect(error).toMatchObject({ faultCode: 'vss-writer-timeout', isRetryable: false });
    expect(sqlVm().checkpoints).toEqual([]);
    expect(sqlVm().checkpointType).toBe(CHECKPOINT_TYPE.Production);
  });

  it('a VM with a pass-through disk cannot be checkpointed', async () => {
    const error = await faultOf(
      driver.createSnapshot(
        {
          snapshotId: 's1',
          scope: { kind: 'vm', vmId: vmInventoryId(FILE01) },
          diskIds: [],
          isQuiesced: true,
        },
        callOptions(),
      ),
    );
    expect(error).toMatchObject({ faultCode: 'snapshot-failed', isRetryable: false });
    expect(error.message).toContain('pass-through');
  });

  it('a merge still running makes release and the next checkpoint retry later', async () => {
    fake.model.state.mergeTicks = 2;
    await driver.createSnapshot(
      { snapshotId: 's1', scope: { kind: 'vm', vmId: sql }, diskIds: sqlDisks, isQuiesced: true },
      callOptions(),
    );
    expect(await faultOf(driver.releaseSnapshot('s1', callOptions()))).toMatchObject({
      faultCode: 'invalid-state',
      isRetryable: true,
    });
    const busy = await faultOf(
      driver.createSnapshot(
        { snapshotId: 's2', scope: { kind: 'vm', vmId: sql }, diskIds: sqlDisks, isQuiesced: true },
        callOptions(),
      ),
    );
    expect(busy).toMatchObject({ faultCode: 'invalid-state', isRetryable: true });
    fake.model.tick();
    fake.model.tick();
    await driver.releaseSnapshot('s1', callOptions());
    expect(sqlVm().drives.every((drive) => drive.path.endsWith('.vhdx'))).toBe(true);
  });

  it('a host lost mid-copy fails the copy as retryable; the checkpoint is still released after', async () => {
    await driver.createSnapshot(
      { snapshotId: 's1', scope: { kind: 'vm', vmId: sql }, diskIds: sqlDisks, isQuiesced: true },
      callOptions(),
    );
    fake.host.dropAfterReadBytes = DISK_BYTES / 2;
    const error = await faultOf(
      driver.copySnapshotToRepository(
        { snapshotId: 's1', restorePointId: 'p1', vmId: sql, diskIds: sqlDisks },
        repository,
        callOptions(),
      ),
    );
    expect(error).toMatchObject({ faultCode: 'host-unreachable', isRetryable: true });
    expect(await repository.read('p1', callOptions())).toBeNull();
    fake.host.dropAfterReadBytes = null;
    await driver.releaseSnapshot('s1', callOptions());
    expect(sqlVm().checkpoints).toEqual([]);
  });

  it('a full host volume refuses the checkpoint, not retried', async () => {
    fake.model.state.volumes[1].freeSpace = 1024;
    const error = await faultOf(
      driver.createSnapshot(
        { snapshotId: 's1', scope: { kind: 'vm', vmId: sql }, diskIds: sqlDisks, isQuiesced: true },
        callOptions(),
      ),
    );
    expect(error).toMatchObject({ faultCode: 'invalid-state', isRetryable: false });
    expect(error.message).toContain('full');
  });
});

describe('Hyper-V restore', () => {
  it('restores as a new VM beside the original, powered off, with verified bytes', async () => {
    const before = sqlVm().drives.map((drive) => fake.model.readFile(drive.path));
    await backUp('s1', 'p1');
    const result = await driver.restoreDisks(
      { restorePointId: 'p1', vmId: sql, target: 'as-new', newVmName: 'sql01-restored' },
      repository,
      callOptions(),
    );
    const restored = fake.model.state.vms.find((vm) => vm.name === 'sql01-restored');
    if (!restored) throw new Error('no VM was created');
    // The ids a sync reads the new VM by (its guid, its drives by slot), for each disk of the point.
    const point = await repository.read('p1', callOptions());
    expect(result).toEqual({
      bytes: 2 * DISK_BYTES,
      verified: true,
      createdVm: {
        vmId: vmInventoryId(restored.id),
        diskIds: Object.fromEntries(
          (point?.files ?? []).map((file, i) => {
            const drive = restored.drives[i];
            const slot = {
              ControllerType: drive.controllerType,
              ControllerNumber: drive.controllerNumber,
              ControllerLocation: drive.controllerLocation,
            };
            return [file.diskId, diskInventoryId(restored.id, slot)];
          }),
        ),
      },
      powerState: 'off',
    });
    expect(restored).toMatchObject({ state: VM_STATE.Off, generation: 2 });
    expect(restored?.drives.map((drive) => sha(fake.model.readFile(drive.path)))).toEqual(before.map(sha));
    expect(restored?.drives[0].path).toBe('D:\\Hyper-V\\sql01-restored\\os.vhdx');
  });

  it('starts the new VM when the restore asks, and answers the state the host reports', async () => {
    await backUp('s1', 'p1');
    const result = await driver.restoreDisks(
      { restorePointId: 'p1', vmId: sql, target: 'as-new', newVmName: 'sql01-started', powerOn: true },
      repository,
      callOptions(),
    );
    const restored = fake.model.state.vms.find((vm) => vm.name === 'sql01-started');
    expect(restored?.state).toBe(VM_STATE.Running);
    expect(result.powerState).toBe('running');
  });

  it('a full volume during a restore as new fails it and removes the half-written folder', async () => {
    await backUp('s1', 'p1');
    fake.model.state.volumes[1].freeSpace = DISK_BYTES;
    const error = await faultOf(
      driver.restoreDisks(
        { restorePointId: 'p1', vmId: sql, target: 'as-new', newVmName: 'sql01-restored' },
        repository,
        callOptions(),
      ),
    );
    expect(error).toMatchObject({ faultCode: 'invalid-state', isRetryable: false });
    expect(fake.model.exists('D:\\Hyper-V\\sql01-restored')).toBe(false);
    expect(fake.model.state.vms.some((vm) => vm.name === 'sql01-restored')).toBe(false);
  });

  it('refuses an in-place restore of a running VM, checked live', async () => {
    await backUp('s1', 'p1');
    const error = await faultOf(
      driver.restoreDisks({ restorePointId: 'p1', vmId: sql, target: 'in-place' }, repository, callOptions()),
    );
    expect(error).toMatchObject({ faultCode: 'invalid-state' });
    expect(error.message).toContain('sql01 is running');
  });

  it('restores in place over a VM that is off, verified against the point', async () => {
    const original = fake.model.readFile('D:\\Hyper-V\\sql01\\os.vhdx');
    await backUp('s1', 'p1');
    fake.model.guestWrites('sql01', 0, Buffer.alloc(DISK_BYTES, 9));
    sqlVm().state = VM_STATE.Off;
    const result = await driver.restoreDisks(
      { restorePointId: 'p1', vmId: sql, target: 'in-place' },
      repository,
      callOptions(),
    );
    expect(result.verified).toBe(true);
    expect(fake.model.readFile('D:\\Hyper-V\\sql01\\os.vhdx').equals(original)).toBe(true);
  });

  it('refuses an in-place restore of a VM whose disk was detached since, naming the disk by its path', async () => {
    await backUp('s1', 'p1');
    sqlVm().state = VM_STATE.Off;
    const detached = sqlVm().drives.shift();
    const error = await faultOf(
      driver.restoreDisks({ restorePointId: 'p1', vmId: sql, target: 'in-place' }, repository, callOptions()),
    );
    expect(error).toMatchObject({ faultCode: 'invalid-state', isRetryable: false });
    expect(error.message).toContain(
      `sql01 no longer has the disk that was ${detached?.path} when the point was taken`,
    );
  });

  it('restores into a scratch folder without touching the VM', async () => {
    await backUp('s1', 'p1');
    await driver.restoreDisks(
      { restorePointId: 'p1', vmId: sql, target: 'scratch' },
      repository,
      callOptions(),
    );
    expect(fake.model.exists('D:\\Hyper-V\\migawka-scratch-p1\\os.vhdx')).toBe(true);
    expect(fake.model.state.vms).toHaveLength(3);
  });

  it('reverts a VM to its checkpoint', async () => {
    const original = fake.model.readFile('D:\\Hyper-V\\sql01\\os.vhdx');
    await driver.createSnapshot(
      { snapshotId: 's1', scope: { kind: 'vm', vmId: sql }, diskIds: sqlDisks, isQuiesced: true },
      callOptions(),
    );
    fake.model.guestWrites('sql01', 0, Buffer.alloc(DISK_BYTES, 3));
    await driver.revertToSnapshot('s1', callOptions());
    expect(fake.model.readFile(sqlVm().drives[0].path).equals(original)).toBe(true);
    expect(sqlVm().state).toBe(VM_STATE.Off); // a production checkpoint holds no memory
  });
});

describe('Hyper-V guest and host actions', () => {
  it('runs a pre-freeze script through PowerShell Direct', async () => {
    const result = await driver.runGuestScript(
      sql,
      { command: 'C:\\Scripts\\pre-freeze.cmd', timeoutMs: 30_000 },
      callOptions(),
    );
    expect(result).toEqual({ exitCode: 0, output: 'databases quiesced\r\n' });
    expect(sqlVm().guest?.ran).toEqual(['C:\\Scripts\\pre-freeze.cmd']);
  });

  it.each([
    [
      'a script past its timeout',
      () => {
        const guest = sqlVm().guest;
        if (guest) guest.commands['C:\\Scripts\\pre-freeze.cmd'] = { hangs: true };
      },
      'was stopped',
    ],
    [
      'PowerShell Direct unavailable',
      () => {
        const guest = sqlVm().guest;
        if (guest) guest.isDirectAvailable = false;
      },
      'PowerShell Direct could not reach the guest',
    ],
    [
      'no guest credential',
      () => {
        guestCredential = null;
      },
      'no guest credential',
    ],
  ])('%s fails the script step', async (_name, arrange, message) => {
    arrange();
    const error = await faultOf(
      driver.runGuestScript(sql, { command: 'C:\\Scripts\\pre-freeze.cmd', timeoutMs: 5_000 }, callOptions()),
    );
    expect(error).toMatchObject({ faultCode: 'script-failed', isRetryable: false });
    expect(error.message).toContain(message);
  });

  it('saves and starts a VM, and reads its power state', async () => {
    await driver.saveState(sql, callOptions());
    expect(await driver.getPowerState(sql, callOptions())).toBe('saved');
    await driver.resume(sql, callOptions());
    expect(await driver.getPowerState(sql, callOptions())).toBe('running');
    expect(await driver.getPowerState(vmInventoryId(WEB01), callOptions())).toBe('off');
  });

  // Hyper-V's VMState: the *Critical states are the same states with the VM's storage unreachable.
  it.each([
    { state: 11, name: 'Reset', power: 'running' },
    { state: 32779, name: 'FastSaved', power: 'saved' },
    { state: 32785, name: 'RunningCritical', power: 'running' },
    { state: 32786, name: 'OffCritical', power: 'off' },
    { state: 32789, name: 'PausedCritical', power: 'paused' },
  ])('reads Hyper-V state $state ($name) as $power', async ({ state, power }) => {
    sqlVm().state = state;
    expect(await driver.getPowerState(sql, callOptions())).toBe(power);
  });

  it.each([
    { state: 1, label: 'Other (1)' },
    { state: 32783, label: 'Hibernated (32783)' },
    { state: 32784, label: 'ComponentServicing (32784)' },
    { state: 32800, label: '32800' },
  ])(
    'never reads a state it does not know ($label) as off: it says so, by name',
    async ({ state, label }) => {
      sqlVm().state = state;
      const error = await faultOf(driver.getPowerState(sql, callOptions()));
      expect(error).toMatchObject({ faultCode: 'invalid-state', isRetryable: false });
      expect(error.message).toBe(
        `sql01 is in Hyper-V state ${label}, which Migawka does not know: it is taken neither for off nor for running`,
      );
    },
  );

  // Windows Server 2016 numbers the *Critical states two lower (no Hibernated, ComponentServicing):
  // the live check reads the name the host sends, so its SavedCritical (32786) is saved, not off.
  it.each([
    { name: 'SavedCritical', state: 32786, power: 'saved' },
    { name: 'OffCritical', state: 32784, power: 'off' },
    { name: 'RunningCritical', state: 32783, power: 'running' },
    { name: 'PausedCritical', state: 32787, power: 'paused' },
  ])('on Windows Server 2016 reads $name ($state) as $power', async ({ name, state, power }) => {
    fake.model.state.osVersion = WINDOWS_SERVER_2016;
    sqlVm().state = vmStateValue(WINDOWS_SERVER_2016, name);
    expect(sqlVm().state).toBe(state);
    expect(await driver.getPowerState(sql, callOptions())).toBe(power);
  });

  it('refuses an in-place restore over a Windows Server 2016 VM in SavedCritical: it is not off', async () => {
    await backUp('s1', 'p1');
    fake.model.state.osVersion = WINDOWS_SERVER_2016;
    sqlVm().state = vmStateValue(WINDOWS_SERVER_2016, 'SavedCritical');
    const error = await faultOf(
      driver.restoreDisks({ restorePointId: 'p1', vmId: sql, target: 'in-place' }, repository, callOptions()),
    );
    expect(error).toMatchObject({ faultCode: 'invalid-state', isRetryable: false });
    expect(error.message).toContain('sql01 is saved: an in-place restore needs it off');
  });

  it('flushes a host volume by its volume GUID path', async () => {
    await driver.flushHostIo('hv-host:hv01:cbd6257a-0000-4000-8000-000000000002', callOptions());
    expect(fake.model.state.log).toEqual(['flush \\\\?\\Volume{cbd6257a-0000-4000-8000-000000000002}\\']);
  });

  it('freezes a guest for an array snapshot with a production checkpoint: the parent VHDX holds still until the thaw', async () => {
    const atFreeze = fake.model.readFile(sqlVm().drives[0].path);
    await driver.freezeGuest(sql, 60_000, callOptions());
    const [freeze] = sqlVm().checkpoints;
    expect(freeze).toMatchObject({ name: freezeCheckpointName(SQL01), isProduction: true });
    fake.model.guestWrites('sql01', 0, Buffer.alloc(DISK_BYTES, 7)); // into the AVHDX
    expect(fake.model.readFile(freeze.drives[0].path).equals(atFreeze)).toBe(true);
    await driver.freezeGuest(sql, 60_000, callOptions()); // a retry replaces a leftover freeze
    expect(sqlVm().checkpoints.map((c) => c.name)).toEqual([freezeCheckpointName(SQL01)]);
    await driver.thawGuest(sql, callOptions());
    await driver.thawGuest(sql, callOptions()); // thawed already: fine
    expect(sqlVm().checkpoints).toEqual([]);
  });

  it.each([
    ['a guest whose VSS writer failed', SQL01, /could not take a VSS snapshot/],
    ['a VM with a pass-through disk', FILE01, /pass-through disk/],
  ])(
    '%s cannot be frozen: vss-writer-timeout, which the consistency policy absorbs',
    async (_, vmGuid, reason) => {
      const guest = sqlVm().guest;
      if (guest) guest.hasFailedVssWriter = true;
      const fault = await faultOf(driver.freezeGuest(vmInventoryId(vmGuid), 60_000, callOptions()));
      expect(fault).toMatchObject({ faultCode: 'vss-writer-timeout', isRetryable: false });
      expect(fault.message).toMatch(reason);
      expect(fake.model.state.vms.flatMap((vm) => vm.checkpoints)).toEqual([]);
    },
  );
});
