import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyInventory, indexInventory } from '../../engine/inventory';
import { LabDriver, labInventoryFromIndex } from '../lab/lab-driver';
import { fixturePool } from './fake/fake-fixtures';
import { startFakeXapi } from './fake/fake-xapi-server';
import { XapiClient } from './xapi-client';
import { mapPool, readPoolRecords, xenId } from './xapi-discovery';
import { snapshotLabel, XapiHypervisor } from './xapi-hypervisor';
import { memoryTrustStore } from './xapi-transport';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const call = () => ({ signal: new AbortController().signal, timeoutMs: 30_000 });

async function setup(release: 'current' | 'old' = 'current') {
  const fixture = fixturePool(release);
  const fake = await startFakeXapi({ pool: fixture.pool });
  cleanups.push(() => fake.stop());
  const root = mkdtempSync(path.join(tmpdir(), 'migawka-xapi-'));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const lab = new LabDriver({
    root,
    inventory: labInventoryFromIndex(indexInventory(emptyInventory())),
    stepDelayMs: 0,
  });
  cleanups.push(() => lab.stop());
  const client = new XapiClient({
    label: 'xapi pool lab',
    address: fake.address(),
    credentials: { credentials: async () => ({ username: 'root', password: 's3cret' }) },
    trust: memoryTrustStore(),
  });
  const id = (className: 'VM' | 'VDI', ref: string) =>
    xenId(fixture.pool.get(className, ref)?.uuid as string);
  const sql01 = id('VM', fixture.sql01);
  const [cRef, dRef] = fixture.pool.disksOf(fixture.sql01);
  return {
    fixture,
    fake,
    client,
    driver: new XapiHypervisor(client),
    repository: lab.repository,
    sql01,
    disks: { c: id('VDI', cRef), d: id('VDI', dRef), cRef, dRef },
    snapshotsOf: (vmRef: string) =>
      [...fixture.pool.table('VM').values()].filter((vm) => vm.is_a_snapshot && vm.snapshot_of === vmRef),
  };
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('XapiHypervisor backup', () => {
  it('snapshots, stores the snapshot’s bytes (not later writes) and releases snapshot and disks', async () => {
    const { fixture, driver, repository, sql01, disks, snapshotsOf } = await setup();
    const before = {
      c: sha256(fixture.pool.vdiBytes.get(disks.cRef) as Buffer),
      d: sha256(fixture.pool.vdiBytes.get(disks.dRef) as Buffer),
    };
    const request = {
      snapshotId: 'snap-1',
      scope: { kind: 'vm' as const, vmId: sql01 },
      diskIds: [disks.c, disks.d],
      isQuiesced: false,
    };
    await driver.createSnapshot(request, call());
    await driver.createSnapshot(request, call()); // a retried step finds it: still one snapshot
    expect(snapshotsOf(fixture.sql01).map((vm) => vm.name_label)).toEqual([
      'sql01 before patch',
      snapshotLabel('snap-1'),
    ]);

    fixture.pool.vdiBytes.get(disks.cRef)?.fill(7); // the guest writes after the snapshot
    const progress: number[] = [];
    const copy = await driver.copySnapshotToRepository(
      { snapshotId: 'snap-1', restorePointId: 'rp-1', vmId: sql01, diskIds: [disks.c, disks.d] },
      repository,
      { ...call(), onProgress: (done) => progress.push(done) },
    );
    expect(copy.files.map((file) => [file.diskId, file.sha256])).toEqual([
      [disks.c, before.c],
      [disks.d, before.d],
    ]);
    expect(progress.at(-1)).toBe(copy.bytes);
    expect(await repository.verify('rp-1', call())).toMatchObject({ isIntact: true });

    const vdisBefore = fixture.pool.table('VDI').size;
    await driver.releaseSnapshot('snap-1', call());
    await driver.releaseSnapshot('snap-1', call()); // gone already: fine
    expect(snapshotsOf(fixture.sql01).map((vm) => vm.name_label)).toEqual(['sql01 before patch']);
    expect(fixture.pool.table('VDI').size).toBe(vdisBefore - 2);
  });

  it('leaves unplanned disks out with ignore_vdis, and falls back without it on old releases', async () => {
    for (const [release, snapshotDisks] of [
      ['current', 1],
      ['old', 2],
    ] as const) {
      const { fixture, fake, driver, repository, sql01, disks, snapshotsOf } = await setup(release);
      await driver.createSnapshot(
        { snapshotId: 's', scope: { kind: 'vm', vmId: sql01 }, diskIds: [disks.c], isQuiesced: false },
        call(),
      );
      const snapshot = snapshotsOf(fixture.sql01).find((vm) => vm.name_label === snapshotLabel('s'));
      expect(fixture.pool.disksOf(fixture.pool.findVm(snapshotLabel('s')))).toHaveLength(snapshotDisks);
      expect(snapshot).toBeDefined();
      expect(fake.calls.filter((method) => method === 'Async.VM.snapshot')).toHaveLength(
        release === 'old' ? 2 : 1,
      );
      const copy = await driver.copySnapshotToRepository(
        { snapshotId: 's', restorePointId: `rp-${release}`, vmId: sql01, diskIds: [disks.c] },
        repository,
        call(),
      );
      expect(copy.files.map((file) => file.diskId)).toEqual([disks.c]);
    }
  });

  it('a disk the plan holds but the snapshot lacks fails the copy, naming it, and stores nothing', async () => {
    const { driver, repository, sql01, disks } = await setup('current');
    // Snapshotted with C: only (D: left out by ignore_vdis), then asked to copy both.
    await driver.createSnapshot(
      { snapshotId: 'c-only', scope: { kind: 'vm', vmId: sql01 }, diskIds: [disks.c], isQuiesced: false },
      call(),
    );
    const error = await failureOf(
      driver.copySnapshotToRepository(
        { snapshotId: 'c-only', restorePointId: 'rp-c-only', vmId: sql01, diskIds: [disks.c, disks.d] },
        repository,
        call(),
      ),
    );
    expect(error).toMatchObject({ faultCode: 'not-found', isRetryable: false });
    expect((error as Error).message).toContain(`snapshot c-only holds no ${disks.d}`);
    expect(await repository.read('rp-c-only', call())).toBeNull();
  });

  it('quiesces only where the release still can: refused on 8.1+ without touching the pool', async () => {
    const current = await setup('current');
    const refused = await failureOf(
      current.driver.createSnapshot(
        {
          snapshotId: 'q',
          scope: { kind: 'vm', vmId: current.sql01 },
          diskIds: [current.disks.c, current.disks.d],
          isQuiesced: true,
        },
        call(),
      ),
    );
    expect(refused).toMatchObject({ faultCode: 'vss-writer-timeout', isRetryable: false });
    expect((refused as Error).message).toContain('removed in Citrix Hypervisor 8.1');
    expect(current.fake.calls.filter((method) => method.includes('snapshot'))).toEqual([]);

    const old = await setup('old');
    await old.driver.createSnapshot(
      {
        snapshotId: 'q',
        scope: { kind: 'vm', vmId: old.sql01 },
        diskIds: [old.disks.c, old.disks.d],
        isQuiesced: true,
      },
      call(),
    );
    const snapshot = old.fixture.pool.get('VM', old.fixture.pool.findVm(snapshotLabel('q')));
    expect(snapshot?.snapshot_info).toMatchObject({ quiesced: 'true' });
  });

  it('maps a pool failure during the snapshot to a fault (SR full)', async () => {
    const { fake, driver, sql01, disks } = await setup();
    fake.failNext('VM.snapshot', 'SR_FULL', ['1073741824', '0']);
    const error = await failureOf(
      driver.createSnapshot(
        {
          snapshotId: 'f',
          scope: { kind: 'vm', vmId: sql01 },
          diskIds: [disks.c, disks.d],
          isQuiesced: false,
        },
        call(),
      ),
    );
    expect(error).toMatchObject({ faultCode: 'repository-full', isRetryable: false });
  });

  it('an export cut off mid-way (worker died) is redone by the next attempt, then released without leftovers', async () => {
    const { fixture, fake, driver, repository, sql01, disks, snapshotsOf } = await setup();
    await driver.createSnapshot(
      { snapshotId: 'k', scope: { kind: 'vm', vmId: sql01 }, diskIds: [disks.c], isQuiesced: false },
      call(),
    );
    fake.hang('/export_raw_vdi');
    const dying = new AbortController();
    const first = failureOf(
      driver.copySnapshotToRepository(
        { snapshotId: 'k', restorePointId: 'rp-k', vmId: sql01, diskIds: [disks.c] },
        repository,
        { signal: dying.signal, timeoutMs: 60_000 },
      ),
    );
    await fake.whenCalled('GET /export_raw_vdi');
    dying.abort(new Error('worker lost its lease'));
    await first;
    expect(await repository.read('rp-k', call())).toBeNull(); // no manifest: nothing half-stored counts

    fake.unhang('/export_raw_vdi');
    const copy = await driver.copySnapshotToRepository(
      { snapshotId: 'k', restorePointId: 'rp-k', vmId: sql01, diskIds: [disks.c] },
      repository,
      call(),
    );
    expect(copy.files).toHaveLength(1);
    await driver.releaseSnapshot('k', call());
    expect(snapshotsOf(fixture.sql01).map((vm) => vm.name_label)).toEqual(['sql01 before patch']);
  });
  it('an export the pool ends early (no Content-Length: it looks complete) fails the copy and stores nothing', async () => {
    const { fixture, fake, driver, repository, sql01, disks } = await setup();
    await driver.createSnapshot(
      { snapshotId: 'e', scope: { kind: 'vm', vmId: sql01 }, diskIds: [disks.c], isQuiesced: false },
      call(),
    );
    const size = (fixture.pool.vdiBytes.get(disks.cRef) as Buffer).length;
    const request = { snapshotId: 'e', restorePointId: 'rp-e', vmId: sql01, diskIds: [disks.c] };
    fake.cutNextExport(size - 512);
    const error = await failureOf(driver.copySnapshotToRepository(request, repository, call()));
    expect(error).toMatchObject({ faultCode: 'host-unreachable', isRetryable: true });
    expect((error as Error).message).toContain(`sql01 C: after ${size - 512} of its ${size} bytes`);
    expect(await repository.read('rp-e', call())).toBeNull(); // no manifest: no point to restore from

    const copy = await driver.copySnapshotToRepository(request, repository, call());
    expect(copy.files.map((file) => file.bytes)).toEqual([size]);
  });
});

describe('XapiHypervisor restore', () => {
  async function backedUp() {
    const context = await setup();
    const { driver, repository, sql01, disks } = context;
    await driver.createSnapshot(
      { snapshotId: 'b', scope: { kind: 'vm', vmId: sql01 }, diskIds: [disks.c, disks.d], isQuiesced: false },
      call(),
    );
    const copy = await driver.copySnapshotToRepository(
      { snapshotId: 'b', restorePointId: 'rp-b', vmId: sql01, diskIds: [disks.c, disks.d] },
      repository,
      call(),
    );
    return { ...context, copy };
  }

  it('restores as a new halted VM whose disks hold the point’s bytes, read back and verified', async () => {
    const { fixture, client, driver, repository, sql01, disks, copy } = await backedUp();
    const result = await driver.restoreDisks(
      { restorePointId: 'rp-b', vmId: sql01, target: 'as-new', newVmName: 'sql01-restored' },
      repository,
      call(),
    );
    const vmRef = fixture.pool.findVm('sql01-restored');
    const [newC, newD] = fixture.pool
      .disksOf(vmRef)
      .map((ref) => xenId(fixture.pool.get('VDI', ref)?.uuid as string));
    // The ids a pool sync reads the new VM and its disks by: the runner records it under them.
    const vmId = xenId(fixture.pool.get('VM', vmRef)?.uuid as string);
    expect(result).toEqual({
      bytes: copy.bytes,
      verified: true,
      createdVm: { vmId, diskIds: { [disks.c]: newC, [disks.d]: newD } },
      powerState: 'off',
    });
    const { inventory } = mapPool(await readPoolRecords(client, call()));
    expect(inventory.virtualDisks.filter((disk) => disk.vmId === vmId).map((disk) => disk.id)).toEqual([
      newC,
      newD,
    ]);
    expect(fixture.pool.get('VM', vmRef)?.power_state).toBe('Halted');
    const written = fixture.pool
      .disksOf(vmRef)
      .map((ref) => sha256(fixture.pool.vdiBytes.get(ref) as Buffer));
    expect(written).toEqual(copy.files.map((file) => file.sha256));

    const clash = await failureOf(
      driver.restoreDisks(
        { restorePointId: 'rp-b', vmId: sql01, target: 'as-new', newVmName: 'sql01-restored' },
        repository,
        call(),
      ),
    );
    expect(clash).toMatchObject({
      faultCode: 'invalid-state',
      message: expect.stringContaining('already has a VM named sql01-restored'),
    });
  });

  it('starts the new VM once its disks are verified when the restore asks, and answers its state', async () => {
    const { fixture, driver, repository, sql01 } = await backedUp();
    const result = await driver.restoreDisks(
      { restorePointId: 'rp-b', vmId: sql01, target: 'as-new', newVmName: 'sql01-started', powerOn: true },
      repository,
      call(),
    );
    expect(fixture.pool.get('VM', fixture.pool.findVm('sql01-started'))?.power_state).toBe('Running');
    expect(result.powerState).toBe('running');
  });

  it('a read-back the pool cuts short fails the restore retryably (not as corrupt), and the retry verifies', async () => {
    const { fixture, fake, driver, repository, sql01, disks, copy } = await backedUp();
    fixture.pool.mod('VM', fixture.sql01, { power_state: 'Halted', resident_on: 'OpaqueRef:NULL' });
    const size = copy.files[0].bytes;
    fake.cutNextExport(size - 512);
    const request = { restorePointId: 'rp-b', vmId: sql01, target: 'in-place' } as const;
    const error = await failureOf(driver.restoreDisks(request, repository, call()));
    expect(error).toMatchObject({ faultCode: 'host-unreachable', isRetryable: true });
    // The disk is named as the pool names it, not by its id.
    const diskName = fixture.pool.get('VDI', disks.cRef)?.name_label;
    expect(diskName).toEqual(expect.any(String));
    expect((error as Error).message).toContain(
      `the pool ended the read-back of disk '${diskName}' after ${size - 512} of its ${size} bytes`,
    );
    // The step's retry writes the disks again and reads them back whole.
    expect(await driver.restoreDisks(request, repository, call())).toMatchObject({ verified: true });
    expect(sha256(fixture.pool.vdiBytes.get(disks.cRef) as Buffer)).toBe(copy.files[0].sha256);
  });

  it('a disk the pool stored other than written fails the restore as corrupt, naming the disk', async () => {
    const { fixture, fake, driver, repository, sql01, disks } = await backedUp();
    fixture.pool.mod('VM', fixture.sql01, { power_state: 'Halted', resident_on: 'OpaqueRef:NULL' });
    fake.corruptNextImport();
    const request = { restorePointId: 'rp-b', vmId: sql01, target: 'in-place' } as const;
    const error = await failureOf(driver.restoreDisks(request, repository, call()));
    expect(error).toMatchObject({ faultCode: 'data-corrupt', isRetryable: false });
    expect((error as Error).message).toContain(
      `disk '${fixture.pool.get('VDI', disks.cRef)?.name_label}' read back from the pool does not match the point`,
    );
  });

  it('restores in place only when the VM is halted now, and writes the point’s bytes back', async () => {
    const { fixture, driver, repository, sql01, disks, copy } = await backedUp();
    fixture.pool.vdiBytes.get(disks.cRef)?.fill(9);
    const refused = await failureOf(
      driver.restoreDisks({ restorePointId: 'rp-b', vmId: sql01, target: 'in-place' }, repository, call()),
    );
    expect(refused).toMatchObject({
      faultCode: 'invalid-state',
      message: expect.stringContaining('sql01 is running'),
    });
    fixture.pool.mod('VM', fixture.sql01, { power_state: 'Halted', resident_on: 'OpaqueRef:NULL' });
    await driver.restoreDisks(
      { restorePointId: 'rp-b', vmId: sql01, target: 'in-place' },
      repository,
      call(),
    );
    expect(sha256(fixture.pool.vdiBytes.get(disks.cRef) as Buffer)).toBe(copy.files[0].sha256);
  });

  it('reverts to a snapshot and starts the VM again when it ran at snapshot time', async () => {
    const { fixture, driver, sql01, disks } = await setup();
    const original = sha256(fixture.pool.vdiBytes.get(disks.cRef) as Buffer);
    await driver.createSnapshot(
      { snapshotId: 'r', scope: { kind: 'vm', vmId: sql01 }, diskIds: [disks.c, disks.d], isQuiesced: false },
      call(),
    );
    fixture.pool.vdiBytes.get(disks.cRef)?.fill(3);
    await driver.revertToSnapshot('r', call());
    expect(sha256(fixture.pool.vdiBytes.get(disks.cRef) as Buffer)).toBe(original);
    expect(await driver.getPowerState(sql01, call())).toBe('running');
  });
});
