/**
 * Memory checkpoints kept on the pool, against the fake pool over HTTPS through the registry's `xapi`
 * connector: VM.checkpoint with a real memory image in a suspend VDI, a revert that leaves the VM
 * suspended and a resume that runs it on that memory, a destroy that takes the memory image too, a
 * halted VM refused, and a worker that crashed mid-checkpoint found again by its journalled task.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { DriverError } from '../../engine/driver';
import { poolSnapshotKeeper } from '../pool-snapshots';
import { FAKE_MEMORY_BYTES, memoryOf } from './fake/fake-checkpoint';
import { ManualClock } from './fake/fake-clock';
import { DISK_SIZE, fixturePool } from './fake/fake-fixtures';
import { type FakeXapiOptions, startFakeXapi } from './fake/fake-xapi-server';
import { memoryTaskJournal, XapiClient } from './xapi-client';
import { XapiConnector } from './xapi-connector';
import { xenId } from './xapi-discovery';
import { memoryTrustStore } from './xapi-transport';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const call = () => ({ signal: new AbortController().signal, timeoutMs: 30_000 });
const NAME = 'sql01 memory checkpoint 2026-11-24 02:00 UTC (Migawka)';

async function setup(options: Partial<FakeXapiOptions> = {}) {
  const fixture = fixturePool();
  const fake = await startFakeXapi({ pool: fixture.pool, ...options });
  cleanups.push(() => fake.stop());
  const journal = memoryTaskJournal();
  const keeperOf = () => {
    const client = new XapiClient({
      label: 'xapi pool lab',
      address: fake.address(),
      credentials: { credentials: async () => ({ username: 'root', password: 's3cret' }) },
      trust: memoryTrustStore(),
      journal,
    });
    const master = xenId(fixture.pool.get('host', fixture.master)?.uuid as string);
    const connector = new XapiConnector(() => [{ name: 'pool-lab', client, hostIds: new Set([master]) }]);
    return poolSnapshotKeeper(connector.hypervisor({ id: master, name: 'xcp1', connector: 'xapi' }));
  };
  const id = (ref: string) => xenId(fixture.pool.get('VM', ref)?.uuid as string);
  return { fixture, fake, journal, keeper: keeperOf(), keeperOf, id };
}

function checkpointRefs(fixture: ReturnType<typeof fixturePool>) {
  return [...fixture.pool.table('VM')].filter(([, vm]) => vm.name_label === NAME).map(([ref]) => ref);
}

describe('XapiPoolSnapshots memory checkpoints', () => {
  it('keeps a checkpoint with the RAM in a suspend VDI; revert leaves sql01 suspended, resume runs it on that memory; destroy takes the image too', async () => {
    const { fixture, keeper, id } = await setup();
    const ramAtCheckpoint = sha256(memoryOf(fixture.pool, fixture.sql01));
    const taken = await keeper.takeCheckpoint(id(fixture.sql01), NAME, { ...call(), journalKey: 'cp-1' });
    const [ref] = checkpointRefs(fixture);
    const record = fixture.pool.get('VM', ref);
    expect(record?.power_state).toBe('Suspended');
    const image = record?.suspend_VDI as string;
    expect(fixture.pool.get('VDI', image)?.type).toBe('suspend');
    expect(sha256(fixture.pool.vdiBytes.get(image) as Buffer)).toBe(ramAtCheckpoint);
    expect(taken).toMatchObject({ snapshotId: id(ref), name: NAME, memoryBytes: FAKE_MEMORY_BYTES });
    expect(taken.sourceDiskIds).toHaveLength(2);
    // The memory image counts in its size.
    expect(taken.sizeBytes).toBe(2 * DISK_SIZE + FAKE_MEMORY_BYTES);
    expect(await keeper.readPoolSnapshot(taken.snapshotId, call())).toMatchObject({
      includesMemory: true,
      diskCount: 2,
      powerStateAtSnapshot: 'Running',
    });

    // sql01 runs on: its disk and its memory change after the checkpoint, then it is shut down.
    const [cRef] = fixture.pool.disksOf(fixture.sql01);
    const diskAtCheckpoint = sha256(fixture.pool.vdiBytes.get(cRef) as Buffer);
    fixture.pool.vdiBytes.get(cRef)?.fill(7);
    fixture.pool.vmMemory.get(fixture.sql01)?.fill(9);
    fixture.pool.mod('VM', fixture.sql01, { power_state: 'Halted' });

    await keeper.revertToPoolSnapshot(taken.snapshotId, call());
    expect(fixture.pool.get('VM', fixture.sql01)?.power_state).toBe('Suspended');
    expect(sha256(fixture.pool.vdiBytes.get(cRef) as Buffer)).toBe(diskAtCheckpoint);
    expect(await keeper.restorePowerStateAfterRevert(taken.snapshotId, call())).toBe('resumed');
    expect(fixture.pool.get('VM', fixture.sql01)?.power_state).toBe('Running');
    expect(sha256(memoryOf(fixture.pool, fixture.sql01))).toBe(ramAtCheckpoint);
    expect(await keeper.restorePowerStateAfterRevert(taken.snapshotId, call())).toBe('left-as-is');

    const disks = fixture.pool.disksOf(ref);
    await keeper.destroyPoolSnapshot(taken.snapshotId, call());
    expect(fixture.pool.get('VM', ref)).toBeUndefined();
    for (const vdi of [...disks, image]) expect(fixture.pool.get('VDI', vdi)).toBeUndefined();
  });

  it('a halted VM has nothing to checkpoint: invalid-state (VM_BAD_POWER_STATE), nothing left on the pool', async () => {
    const { fixture, keeper, id } = await setup();
    const before = fixture.pool.table('VM').size;
    const failure = await keeper
      .takeCheckpoint(id(fixture.app01), 'app01 memory checkpoint', { ...call(), journalKey: 'cp-2' })
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(failure).toBeInstanceOf(DriverError);
    expect(failure).toMatchObject({ faultCode: 'invalid-state' });
    expect((failure as Error).message).toMatch(/VM_BAD_POWER_STATE/);
    expect(fixture.pool.table('VM').size).toBe(before);
  });

  it.each([
    {
      name: "the VM's own suspend_SR first",
      vmSr: 'local' as const,
      poolSr: 'iscsi' as const,
      lands: 'local',
    },
    { name: "else the pool's suspend_image_SR", vmSr: null, poolSr: 'iscsi' as const, lands: 'iscsi' },
    { name: "else the host's suspend_image_sr", vmSr: null, poolSr: null, lands: 'local' },
  ])('the memory image goes where xapi puts it: $name', async ({ vmSr, poolSr, lands }) => {
    const { fixture, keeper, id } = await setup();
    const sr = (which: 'local' | 'iscsi' | null) => (which ? fixture[which] : 'OpaqueRef:NULL');
    fixture.pool.mod('VM', fixture.sql01, { suspend_SR: sr(vmSr) });
    fixture.pool.mod('pool', fixture.pool.poolRef, { suspend_image_SR: sr(poolSr) });
    await keeper.takeCheckpoint(id(fixture.sql01), NAME, { ...call(), journalKey: 'cp-sr' });
    const image = fixture.pool.get('VM', checkpointRefs(fixture)[0])?.suspend_VDI as string;
    expect(fixture.pool.get('VDI', image)?.SR).toBe(fixture[lands as 'local' | 'iscsi']);
  });

  it('a suspend SR without room for the memory: SR_FULL, and no half checkpoint stays', async () => {
    const { fixture, keeper, id } = await setup();
    const local = fixture.pool.get('SR', fixture.local);
    fixture.pool.mod('SR', fixture.local, {
      physical_utilisation: (local?.physical_size as number) - FAKE_MEMORY_BYTES + 1,
    });
    fixture.pool.mod('VM', fixture.sql01, { suspend_SR: fixture.local });
    const vdis = fixture.pool.table('VDI').size;
    const failure = await keeper
      .takeCheckpoint(id(fixture.sql01), NAME, { ...call(), journalKey: 'cp-full' })
      .then(
        () => null,
        (error: unknown) => error as Error,
      );
    expect(failure?.message).toMatch(/SR_FULL/);
    expect(checkpointRefs(fixture)).toEqual([]);
    expect(fixture.pool.table('VDI').size).toBe(vdis);
  });

  it('a worker that crashed mid-checkpoint: the next one waits on the journalled task, and one after it finds the checkpoint by name', async () => {
    const clock = new ManualClock();
    const { fixture, fake, journal, keeperOf, id } = await setup({ clock, taskDurationMs: 4000 });
    // The first worker started the checkpoint and died while waiting: its task id was journalled first.
    const crashed = keeperOf()
      .takeCheckpoint(id(fixture.sql01), NAME, { ...call(), journalKey: 'cp-3' })
      .catch(() => null);
    await fake.whenCalled('event.from');
    expect(journal.tasks.get('cp-3')).toMatch(/^OpaqueRef:task-/);

    const resumed = keeperOf().takeCheckpoint(id(fixture.sql01), NAME, { ...call(), journalKey: 'cp-3' });
    for (let quarter = 0; quarter < 4; quarter += 1) {
      await clock.sleeping();
      clock.advance(1000);
    }
    const taken = await resumed;
    await crashed;
    expect(fake.calls.filter((method) => method === 'Async.VM.checkpoint')).toHaveLength(1);
    expect(checkpointRefs(fixture)).toHaveLength(1);

    // A third attempt (a crash after the task ended and was forgotten) finds it by its name.
    const again = await keeperOf().takeCheckpoint(id(fixture.sql01), NAME, { ...call(), journalKey: 'cp-3' });
    expect(again.snapshotId).toBe(taken.snapshotId);
    expect(fake.calls.filter((method) => method === 'Async.VM.checkpoint')).toHaveLength(1);
  });
});
