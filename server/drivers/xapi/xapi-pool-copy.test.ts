/**
 * A pool snapshot copied into a new VM through the registry's `xapi` connector, against the fake
 * pool over HTTPS: a step run again takes up the copy it made (one Async.VM.copy), another VM of that
 * name is refused, an SR without room fails SR_FULL with no half VM left, and a copy whose disk does
 * not match the hashes the point records is `data-corrupt`; the copy task's progress is the call's,
 * over the snapshot's disk bytes; a memory checkpoint's copy not powered on is shut down, its copied
 * memory image destroyed, never left suspended.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { poolSnapshotKeeper } from '../pool-snapshots';
import { ManualClock } from './fake/fake-clock';
import { fixturePool } from './fake/fake-fixtures';
import { METHODS } from './fake/fake-methods';
import { NULL } from './fake/fake-vm-ops';
import { startFakeXapi } from './fake/fake-xapi-server';
import { memoryTaskJournal, XapiClient } from './xapi-client';
import { XapiConnector } from './xapi-connector';
import { xenId } from './xapi-discovery';
import { memoryTrustStore } from './xapi-transport';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});
const call = () => ({ signal: new AbortController().signal, timeoutMs: 30_000, journalKey: 'copy-1' });

async function setup(timing: { clock?: ManualClock; taskDurationMs?: number } = {}) {
  const fixture = fixturePool();
  const fake = await startFakeXapi({ pool: fixture.pool, ...timing });
  cleanups.push(() => fake.stop());
  const client = new XapiClient({
    label: 'xapi pool lab',
    address: fake.address(),
    credentials: { credentials: async () => ({ username: 'root', password: 's3cret' }) },
    trust: memoryTrustStore(),
    journal: memoryTaskJournal(),
  });
  const master = xenId(fixture.pool.get('host', fixture.master)?.uuid as string);
  const connector = new XapiConnector(() => [{ name: 'pool-lab', client, hostIds: new Set([master]) }]);
  const keeper = poolSnapshotKeeper(connector.hypervisor({ id: master, name: 'xcp1', connector: 'xapi' }));
  const snapshotRef =
    [...fixture.pool.table('VM')].find(([, vm]) => vm.name_label === 'sql01 before patch')?.[0] ?? '';
  const snapshotId = xenId(fixture.pool.get('VM', snapshotRef)?.uuid as string);
  const request = { newVmName: 'sql01-copy', srId: null, powerOn: false, expectedSha256: null };
  return { fixture, fake, keeper, snapshotRef, snapshotId, request };
}

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (error: unknown) => error as Error & { faultCode?: string },
  );

describe('copyPoolSnapshotAsNewVm', () => {
  it('a step run again takes up the copy it made instead of copying twice', async () => {
    const { fake, keeper, snapshotId, request, fixture } = await setup();
    const first = await keeper.copyPoolSnapshotAsNewVm(snapshotId, request, call());
    const again = await keeper.copyPoolSnapshotAsNewVm(snapshotId, request, call());
    expect(again.vmId).toBe(first.vmId);
    expect(fake.calls.filter((method) => method === 'Async.VM.copy')).toHaveLength(1);
    expect(
      [...fixture.pool.table('VM').values()].filter((vm) => vm.name_label === 'sql01-copy'),
    ).toHaveLength(1);
  });

  it('another VM of that name is refused before anything is copied', async () => {
    const { fake, keeper, snapshotId, request } = await setup();
    const error = await rejection(
      keeper.copyPoolSnapshotAsNewVm(snapshotId, { ...request, newVmName: 'web01' }, call()),
    );
    expect(error).toMatchObject({ faultCode: 'invalid-state' });
    expect(error?.message).toMatch(/already has a VM named web01/);
    expect(fake.calls).not.toContain('Async.VM.copy');
  });

  it('an SR without room: SR_FULL, and no half VM stays', async () => {
    const { keeper, snapshotId, request, fixture } = await setup();
    const local = fixture.pool.get('SR', fixture.local);
    fixture.pool.mod('SR', fixture.local, { physical_utilisation: local?.physical_size });
    const srId = xenId(local?.uuid as string);
    const error = await rejection(keeper.copyPoolSnapshotAsNewVm(snapshotId, { ...request, srId }, call()));
    expect(error?.message).toMatch(/SR_FULL/);
    expect(() => fixture.pool.findVm('sql01-copy')).toThrow();
  });

  it('a copy that does not match what the point records is data-corrupt', async () => {
    const { keeper, snapshotId, request, fixture } = await setup();
    const [sqlC] = fixture.pool.disksOf(fixture.sql01);
    const diskId = xenId(fixture.pool.get('VDI', sqlC)?.uuid as string);
    const error = await rejection(
      keeper.copyPoolSnapshotAsNewVm(
        snapshotId,
        { ...request, expectedSha256: { [diskId]: '0'.repeat(64) } },
        call(),
      ),
    );
    expect(error).toMatchObject({ faultCode: 'data-corrupt' });
    expect(error?.message).toMatch(/read back from the pool does not match/);
  });

  it('a read-back the pool cuts short is an interrupted read to retry, not a corrupt copy', async () => {
    const { fake, keeper, snapshotId, request, fixture } = await setup();
    const [sqlC] = fixture.pool.disksOf(fixture.sql01);
    const size = (fixture.pool.vdiBytes.get(sqlC) as Buffer).length;
    fake.cutNextExport(size - 512);
    const error = await rejection(keeper.copyPoolSnapshotAsNewVm(snapshotId, request, call()));
    expect(error).toMatchObject({ faultCode: 'host-unreachable', isRetryable: true });
    expect(error?.message).toContain(
      `the pool ended the read-back of disk 0 of ${request.newVmName} after ${size - 512} of its ${size} bytes`,
    );

    const copied = await keeper.copyPoolSnapshotAsNewVm(snapshotId, request, call());
    expect(copied.bytes).toBeGreaterThan(0);
  });

  it("reports the copy task's progress over the snapshot's disk bytes, as the pool moves it", async () => {
    const clock = new ManualClock();
    const { fake, keeper, snapshotId, request, fixture, snapshotRef } = await setup({
      clock,
      taskDurationMs: 4000,
    });
    const total = fixture.pool
      .disksOf(snapshotRef)
      .reduce((sum, vdi) => sum + Number(fixture.pool.get('VDI', vdi)?.virtual_size), 0);
    const progress: [number, number | undefined][] = [];
    const copied = keeper.copyPoolSnapshotAsNewVm(snapshotId, request, {
      ...call(),
      onProgress: (done, of) => progress.push([done, of]),
    });
    // The connector follows the task over event.from: from then on it sees every step of it.
    await fake.whenCalled('event.from');
    for (let quarter = 0; quarter < 4; quarter += 1) {
      await clock.sleeping();
      clock.advance(1000);
    }
    expect(await copied).toMatchObject({ power: 'left-off' });
    expect(total).toBeGreaterThan(0);
    expect(progress).toEqual([
      [0, total],
      [Math.round(total / 4), total],
      [Math.round(total / 2), total],
      [Math.round((3 * total) / 4), total],
      [total, total],
    ]);
  });

  it('a memory checkpoint copied without powering on is shut down: its copied memory image is dropped', async () => {
    const { keeper, fixture } = await setup();
    const checkpointRef = METHODS['VM.checkpoint'](fixture.pool, [
      fixture.sql01,
      'sql01 before upgrade',
    ]) as string;
    const checkpointImage = fixture.pool.get('VM', checkpointRef)?.suspend_VDI as string;
    const vdisBefore = fixture.pool.table('VDI').size;
    const copied = await keeper.copyPoolSnapshotAsNewVm(
      xenId(fixture.pool.get('VM', checkpointRef)?.uuid as string),
      { newVmName: 'sql01-copy', srId: null, powerOn: false, expectedSha256: null },
      call(),
    );
    expect(copied.power).toBe('memory-dropped');
    const copy = fixture.pool.get('VM', fixture.pool.findVm('sql01-copy'));
    expect(copy).toMatchObject({ power_state: 'Halted', suspend_VDI: NULL });
    // Only the copy's disks were added: its memory image is gone, the checkpoint keeps its own.
    expect(fixture.pool.table('VDI').size - vdisBefore).toBe(fixture.pool.disksOf(checkpointRef).length);
    expect(fixture.pool.get('VM', checkpointRef)?.suspend_VDI).toBe(checkpointImage);
    expect(fixture.pool.get('VDI', checkpointImage)).toBeDefined();
  });

  it('a memory checkpoint copied and powered on is resumed from its copied memory', async () => {
    const { keeper, fixture } = await setup();
    const checkpointRef = METHODS['VM.checkpoint'](fixture.pool, [
      fixture.sql01,
      'sql01 before upgrade',
    ]) as string;
    const copied = await keeper.copyPoolSnapshotAsNewVm(
      xenId(fixture.pool.get('VM', checkpointRef)?.uuid as string),
      { newVmName: 'sql01-copy', srId: null, powerOn: true, expectedSha256: null },
      call(),
    );
    expect(copied.power).toBe('resumed');
    expect(fixture.pool.get('VM', fixture.pool.findVm('sql01-copy'))).toMatchObject({
      power_state: 'Running',
      suspend_VDI: NULL,
    });
  });
});
