/**
 * Points kept on the pool, against the fake pool over HTTPS, through the registry's `xapi` connector
 * (the proxy that finds the host's pool at each call): read live, revert then power, destroy with
 * the disks, and what each says when the snapshot is gone.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { DriverError } from '../../engine/driver';
import { poolSnapshotKeeper } from '../pool-snapshots';
import type { HypervisorDriver } from '../roles';
import { fixturePool } from './fake/fake-fixtures';
import { METHODS } from './fake/fake-methods';
import { startFakeXapi } from './fake/fake-xapi-server';
import { XapiClient } from './xapi-client';
import { XapiConnector } from './xapi-connector';
import { xenId } from './xapi-discovery';
import { memoryTrustStore } from './xapi-transport';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const call = () => ({ signal: new AbortController().signal, timeoutMs: 30_000 });

async function setup() {
  const fixture = fixturePool();
  const fake = await startFakeXapi({ pool: fixture.pool });
  cleanups.push(() => fake.stop());
  const client = new XapiClient({
    label: 'xapi pool lab',
    address: fake.address(),
    credentials: { credentials: async () => ({ username: 'root', password: 's3cret' }) },
    trust: memoryTrustStore(),
  });
  const id = (className: 'VM' | 'VDI' | 'host', ref: string) =>
    xenId(fixture.pool.get(className, ref)?.uuid as string);
  const master = id('host', fixture.master);
  const connector = new XapiConnector(() => [{ name: 'pool-lab', client, hostIds: new Set([master]) }]);
  const keeper = poolSnapshotKeeper(connector.hypervisor({ id: master, name: 'xcp1', connector: 'xapi' }));
  const snapshotRef =
    [...fixture.pool.table('VM')].find(([, vm]) => vm.name_label === 'sql01 before patch')?.[0] ?? '';
  return {
    fixture,
    keeper,
    id,
    snapshotRef,
    snapshotId: id('VM', snapshotRef),
    sql01: id('VM', fixture.sql01),
  };
}

async function failureOf(promise: Promise<unknown>): Promise<DriverError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DriverError) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('XapiPoolSnapshots', () => {
  it('reads a snapshot kept on the pool live; an unknown uuid or a VM that is no snapshot reads as none', async () => {
    const { keeper, snapshotId, sql01 } = await setup();
    expect(await keeper.readPoolSnapshot(snapshotId, call())).toEqual({
      name: 'sql01 before patch',
      vmId: sql01,
      diskCount: 2,
      powerStateAtSnapshot: 'Running',
      includesMemory: false,
    });
    expect(await keeper.readPoolSnapshot('xen:00000000-0000-4000-8000-000000000000', call())).toBeNull();
    expect(await keeper.readPoolSnapshot(sql01, call())).toBeNull();
  });

  it('reverts sql01 to the snapshot (its disks take the snapshot bytes), then starts it: it ran at the snapshot', async () => {
    const { fixture, keeper, snapshotId } = await setup();
    const [cRef] = fixture.pool.disksOf(fixture.sql01);
    const atSnapshot = sha256(fixture.pool.vdiBytes.get(cRef) as Buffer);
    fixture.pool.vdiBytes.get(cRef)?.fill(7); // a change made after the snapshot
    expect(sha256(fixture.pool.vdiBytes.get(cRef) as Buffer)).not.toBe(atSnapshot);

    await keeper.revertToPoolSnapshot(snapshotId, call());
    expect(sha256(fixture.pool.vdiBytes.get(cRef) as Buffer)).toBe(atSnapshot);
    expect(fixture.pool.get('VM', fixture.sql01)?.power_state).toBe('Halted');

    expect(await keeper.restorePowerStateAfterRevert(snapshotId, call())).toBe('started');
    expect(fixture.pool.get('VM', fixture.sql01)?.power_state).toBe('Running');
    // A resumed step does nothing twice.
    expect(await keeper.restorePowerStateAfterRevert(snapshotId, call())).toBe('left-as-is');
    // The snapshot stays on the pool: a revert does not consume it.
    expect(await keeper.readPoolSnapshot(snapshotId, call())).not.toBeNull();
  });

  it('a snapshot of a halted VM leaves the VM off after the revert', async () => {
    const { fixture, keeper, id } = await setup();
    // Its USB dongle (udev SR) cannot be snapshotted: left out, as ignore_vdis does.
    const [, dongle] = fixture.pool.disksOf(fixture.app01);
    const snapshotRef = METHODS['VM.snapshot'](fixture.pool, [
      fixture.app01,
      'app01 quiet',
      [dongle],
    ]) as string;
    const snapshotId = id('VM', snapshotRef);
    await keeper.revertToPoolSnapshot(snapshotId, call());
    expect(await keeper.restorePowerStateAfterRevert(snapshotId, call())).toBe('left-as-is');
    expect(fixture.pool.get('VM', fixture.app01)?.power_state).toBe('Halted');
  });

  it('destroys the snapshot VM and its disks, and destroying it again is fine', async () => {
    const { fixture, keeper, snapshotRef, snapshotId } = await setup();
    const disks = fixture.pool.disksOf(snapshotRef);
    expect(disks).toHaveLength(2);
    await keeper.destroyPoolSnapshot(snapshotId, call());
    expect(fixture.pool.get('VM', snapshotRef)).toBeUndefined();
    for (const vdi of disks) expect(fixture.pool.get('VDI', vdi)).toBeUndefined();
    // sql01's own disks are untouched.
    for (const vdi of fixture.pool.disksOf(fixture.sql01)) expect(fixture.pool.get('VDI', vdi)).toBeDefined();
    await keeper.destroyPoolSnapshot(snapshotId, call());
    expect(await keeper.readPoolSnapshot(snapshotId, call())).toBeNull();
  });

  it('a revert to a snapshot deleted on the pool fails not-found, not retried, touching nothing', async () => {
    const { fixture, keeper, snapshotRef, snapshotId } = await setup();
    for (const vdi of fixture.pool.disksOf(snapshotRef)) fixture.pool.del('VDI', vdi);
    METHODS['VM.destroy'](fixture.pool, [snapshotRef]);
    const failure = await failureOf(keeper.revertToPoolSnapshot(snapshotId, call()));
    expect(failure).toMatchObject({ faultCode: 'not-found', isRetryable: false });
    expect(failure.message).toMatch(/no longer on the pool/);
    expect(fixture.pool.get('VM', fixture.sql01)?.power_state).toBe('Running');
  });

  it('a driver of another connector has no pool snapshots: connector-missing', () => {
    expect(() => poolSnapshotKeeper({ connector: 'hyperv' } as HypervisorDriver)).toThrow(
      /the hyperv connector keeps no snapshots on a pool/,
    );
  });
});
