/**
 * A pool snapshot copied into a new VM through the registry's `xapi` connector, against the fake
 * pool over HTTPS: a step run again takes up the copy it made (one Async.VM.copy), another VM of that
 * name is refused, an SR without room fails SR_FULL with no half VM left, and a copy whose disk does
 * not match the hashes the point records is `data-corrupt`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { poolSnapshotKeeper } from '../pool-snapshots';
import { fixturePool } from './fake/fake-fixtures';
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

async function setup() {
  const fixture = fixturePool();
  const fake = await startFakeXapi({ pool: fixture.pool });
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
});
