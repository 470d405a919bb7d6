/**
 * A host that cannot list one VM's checkpoints (the VM being removed, access denied, a WMI fault)
 * against the fake host: the release, the copy and the revert each fail naming that VM and the
 * checkpoint, never taking the checkpoint for gone, and go through once the list reads again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DriverError } from '../../engine/driver';
import { emptyInventory, indexInventory } from '../../engine/inventory';
import { LabDriver, labInventoryFromIndex } from '../lab/lab-driver';
import type { BackupRepository } from '../roles';
import { SQL01 } from './fake/fake-estate';
import { FakePsError } from './fake/fake-hyperv-model';
import { diskInventoryId, vmInventoryId } from './hyperv-discovery';
import { checkpointName, HypervHypervisor } from './hyperv-hypervisor';
import { callOptions, startFakeHost } from './hyperv-test-support';

const DISK_BYTES = 64 * 1024;
let fake: Awaited<ReturnType<typeof startFakeHost>>;
let repository: BackupRepository;
let driver: HypervHypervisor;
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
  driver = new HypervHypervisor({ client: fake.connect(), guestCredential: async () => null });
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const sql = vmInventoryId(SQL01);
const slot = (location: number) => ({ ControllerType: 1, ControllerNumber: 0, ControllerLocation: location });
const sqlDisks = [diskInventoryId(SQL01, slot(0)), diskInventoryId(SQL01, slot(1))];
const sqlVm = () => fake.model.state.vms[0];

async function faultOf(promise: Promise<unknown>): Promise<DriverError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DriverError);
  return error as DriverError;
}

const createCheckpoint = () =>
  driver.createSnapshot(
    { snapshotId: 's1', scope: { kind: 'vm', vmId: sql }, diskIds: sqlDisks, isQuiesced: true },
    callOptions(),
  );

/** Makes `Get-VMSnapshot -VM` fail on the VM named `name`; returns what lists it again. */
function failListing(name: string, cause: FakePsError): () => void {
  const failing = fake.model.state.vms.find((vm) => vm.name === name);
  if (!failing) throw new Error(`no ${name} on the fake host`);
  failing.checkpointListError = cause;
  return () => {
    delete failing.checkpointListError;
  };
}

const listErrors = {
  'VM being removed': new FakePsError(
    'VirtualizationException',
    `Hyper-V was unable to find a virtual machine with ID "${SQL01}".`,
    'InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVMSnapshot',
    'InvalidArgument',
  ),
  'WMI fault': new FakePsError(
    'VirtualizationException',
    'The operation failed. Generic failure (0x80041001).',
    'OperationFailed,Microsoft.HyperV.PowerShell.Commands.GetVMSnapshot',
    'NotSpecified',
  ),
  'access denied': new FakePsError(
    'VirtualizationException',
    'You do not have the required permission to complete this task.',
    'Unspecified,Microsoft.HyperV.PowerShell.Commands.GetVMSnapshot',
    'PermissionDenied',
  ),
};

describe("Hyper-V checkpoint release when a VM's checkpoints cannot be listed", () => {
  const cases = [
    { cause: 'VM being removed', vm: 'sql01', fault: 'invalid-state', isRetryable: true },
    { cause: 'WMI fault', vm: 'sql01', fault: 'invalid-state', isRetryable: true },
    { cause: 'access denied', vm: 'sql01', fault: 'host-unreachable', isRetryable: false },
    // The checkpoint may be on any VM whose list was not read, so "gone" cannot be said either.
    { cause: 'WMI fault', vm: 'web01', fault: 'invalid-state', isRetryable: true, isGone: true },
  ] as const;

  it.each(cases)('$cause on $vm: the release fails naming both, never reported as released', async (row) => {
    await createCheckpoint();
    if ('isGone' in row) await driver.releaseSnapshot('s1', callOptions());
    const listAgain = failListing(row.vm, listErrors[row.cause]);

    const error = await faultOf(driver.releaseSnapshot('s1', callOptions()));
    expect(error).toMatchObject({ faultCode: row.fault, isRetryable: row.isRetryable });
    expect(error.message).toContain(`'${row.vm}'`);
    expect(error.message).toContain(checkpointName('s1'));
    expect(sqlVm().checkpoints.map((checkpoint) => checkpoint.name)).toEqual(
      'isGone' in row ? [] : [checkpointName('s1')],
    );

    listAgain(); // listed again: the release goes through
    await driver.releaseSnapshot('s1', callOptions());
    expect(sqlVm().checkpoints).toEqual([]);
  });
});

describe("Hyper-V copy and revert when a VM's checkpoints cannot be listed", () => {
  const copy = () =>
    driver.copySnapshotToRepository(
      { snapshotId: 's1', restorePointId: 'p1', vmId: sql, diskIds: sqlDisks },
      repository,
      callOptions(),
    );
  const revert = () => driver.revertToSnapshot('s1', callOptions());
  const cases = [
    { action: 'copy', cause: 'VM being removed', vm: 'sql01', fault: 'invalid-state', isRetryable: true },
    { action: 'copy', cause: 'WMI fault', vm: 'sql01', fault: 'invalid-state', isRetryable: true },
    { action: 'copy', cause: 'access denied', vm: 'sql01', fault: 'host-unreachable', isRetryable: false },
    // Not on the VMs that were listed, but maybe on the one that was not: not known missing.
    {
      action: 'copy',
      cause: 'WMI fault',
      vm: 'web01',
      fault: 'invalid-state',
      isRetryable: true,
      isMissing: true,
    },
    { action: 'revert', cause: 'VM being removed', vm: 'sql01', fault: 'invalid-state', isRetryable: true },
    { action: 'revert', cause: 'WMI fault', vm: 'sql01', fault: 'invalid-state', isRetryable: true },
    { action: 'revert', cause: 'access denied', vm: 'sql01', fault: 'host-unreachable', isRetryable: false },
    {
      action: 'revert',
      cause: 'WMI fault',
      vm: 'web01',
      fault: 'invalid-state',
      isRetryable: true,
      isMissing: true,
    },
  ] as const;

  it.each(cases)(
    '$action, $cause on $vm: fails naming the VM and the checkpoint, not as not found',
    async (row) => {
      const original = fake.model.readFile(sqlVm().drives[0].path);
      if (!('isMissing' in row)) await createCheckpoint();
      const written = Buffer.alloc(DISK_BYTES, 3);
      fake.model.guestWrites('sql01', 0, written);
      const listAgain = failListing(row.vm, listErrors[row.cause]);

      const error = await faultOf(row.action === 'copy' ? copy() : revert());
      expect(error).toMatchObject({ faultCode: row.fault, isRetryable: row.isRetryable });
      expect(error.message).toContain(`'${row.vm}'`);
      expect(error.message).toContain(checkpointName('s1'));
      expect(await repository.read('p1', callOptions())).toBeNull();
      expect(fake.model.readFile(sqlVm().drives[0].path).equals(written)).toBe(true); // nothing reverted

      listAgain(); // listed again: the copy or revert goes through, or finds it truly missing
      const again = row.action === 'copy' ? copy() : revert();
      if ('isMissing' in row) {
        expect(await faultOf(again)).toMatchObject({ faultCode: 'not-found', isRetryable: false });
      } else {
        await again;
        if (row.action === 'copy') expect(await repository.read('p1', callOptions())).not.toBeNull();
        else expect(fake.model.readFile(sqlVm().drives[0].path).equals(original)).toBe(true);
        await driver.releaseSnapshot('s1', callOptions()); // the host is left clean
        expect(sqlVm().checkpoints).toEqual([]);
      }
    },
  );

  it.each(['copy', 'revert'] as const)(
    '%s of a checkpoint no VM lists fails as not found',
    async (action) => {
      const error = await faultOf(action === 'copy' ? copy() : revert());
      expect(error).toMatchObject({ faultCode: 'not-found', isRetryable: false });
    },
  );
});
