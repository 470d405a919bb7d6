/**
 * A worker that dies inside ONTAP's write fence (after the CG snapshot's start, before its commit)
 * and one that finds a fenced leftover by name: nothing stays fenced or half-made, the guests do
 * not stay frozen, and the operation ends once with a status that says what happened. The lab
 * hosts the VMs, the fake ONTAP cluster holds the fence (ontap-runner-support.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeCluster } from '../drivers/ontap/ontap-test-support';
import type { DriverRegistry } from '../drivers/registry';
import type { HypervisorDriver } from '../drivers/roles';
import type { SnapshotStepParams } from '../engine/step-params';
import {
  cgSnapshots,
  closeFencedLab,
  type FenceWatch,
  fencedBackupRequest,
  openFencedLab,
  SNAPSHOT_KEY,
} from './ontap-runner-support';
import { executeStep } from './step-executor';
import type { Harness } from './test-harness';

const LEASE_MS = 1000;
let h: Harness;
let cluster: FakeCluster;
let watch: FenceWatch;
let drivers: DriverRegistry;

beforeEach(async () => {
  ({ h, cluster, watch, drivers } = await openFencedLab());
});
afterEach(() => closeFencedLab({ h, cluster }));

/**
 * The dying worker's registry for the snapshot step: the thaw inside the fence never returns (the
 * process is gone before it thaws, so the commit is never sent).
 */
function dyingInsideTheFence(): { registry: DriverRegistry; fenceUp: Promise<void> } {
  let entered!: () => void;
  const fenceUp = new Promise<void>((resolve) => {
    entered = resolve;
  });
  const hang = (_vmId: string, options: { signal: AbortSignal }) =>
    new Promise<void>((_resolve, reject) => {
      entered();
      options.signal.addEventListener('abort', () => reject(options.signal.reason), { once: true });
    });
  const registry: DriverRegistry = {
    ...drivers,
    hypervisorForVm: async () => ({ thawGuest: hang }) as unknown as HypervisorDriver,
  };
  return { registry, fenceUp };
}

/** Runs the operation as worker "dead" until it is inside the fence; returns its abandoned step. */
async function runUntilInsideTheFence(operationId: string) {
  const now = h.clock.now();
  for (;;) {
    const claimed = await h.stores.operations.claimNext({ workerId: 'dead', now, leaseMs: LEASE_MS });
    if (!claimed) throw new Error('never reached the array snapshot');
    expect(claimed.operation.id).toBe(operationId);
    const dying = claimed.step.key === SNAPSHOT_KEY ? dyingInsideTheFence() : null;
    const controller = new AbortController();
    const run = executeStep({
      stores: h.stores,
      drivers: dying?.registry ?? drivers,
      operation: claimed.operation,
      step: claimed.step,
      planStep: claimed.planStep,
      signal: controller.signal,
      onProgress: () => {},
      log: () => {},
      now: () => now,
    });
    if (dying) {
      await dying.fenceUp;
      // The process is gone: its step is never completed. (Aborted at the end only to free the test.)
      return { abandoned: run.catch(() => undefined), free: () => controller.abort() };
    }
    await h.stores.operations.completeStep(claimed, await run, { workerId: 'dead', now, leaseMs: LEASE_MS });
  }
}

describe('a worker killed between the CG snapshot start and its commit', () => {
  it.each([
    ['while the fence still holds: the release cleanup drops the fenced leftover', 0],
    ['after ONTAP’s fence timer aborted it: the release finds nothing to drop', 8000],
  ])('%s', async (_case, clusterTimeMs) => {
    const op = await h.enqueueBackup(fencedBackupRequest('require'));
    const dead = await runUntilInsideTheFence(op.id);
    expect(cgSnapshots(cluster)).toMatchObject([{ state: 'fenced' }]);
    expect(h.driver.isWorkloadWriting('sql1')).toBe(false); // frozen, and nobody left to thaw it
    cluster.clock.advance(clusterTimeMs);

    const [report] = await h.stores.operations.recoverExpiredLeases(
      new Date(h.clock.now().getTime() + LEASE_MS + 1),
    );
    expect(report).toMatchObject({ operationId: op.id, decision: 'interrupt' });
    h.clock.advance(LEASE_MS + 1);
    const [done] = await h.tickUntilFinal(h.createWorker({ drivers, workerId: 'survivor' }), [op.id]);

    expect(done).toMatchObject({ status: 'interrupted', attempt: 1 });
    expect(done.finishedAt).not.toBeNull();
    const steps = new Map((await h.stores.operations.steps(op.id)).map((step) => [step.key, step]));
    // The survivor's thaw step thawed it, and says so (the dead attempt never thawed inside the fence).
    expect(steps.get('vm:sql1:guest-thaw')).toMatchObject({
      status: 'succeeded',
      resultJson: { thawedInFence: false },
    });
    expect(steps.get('vm:sql1:post-thaw-script')?.status).toBe('succeeded');
    expect(steps.get('array-volumes:lun1:release-snapshot')?.status).toBe('succeeded');
    expect(h.driver.isWorkloadWriting('sql1')).toBe(true);
    expect(cluster.model.fences.size).toBe(0);
    expect(cgSnapshots(cluster)).toEqual([]);
    expect(cluster.model.volumeByName('sql_data')?.snapshots).toEqual([]);
    expect(await h.stores.restorePoints.vmIdsCataloguedBy(op.id)).toEqual([]);
    expect(await h.stores.operations.findLeakedLocks()).toEqual([]);

    dead.free();
    await dead.abandoned;
    expect(cgSnapshots(cluster)).toEqual([]); // the dead attempt's late commit cannot bring it back
  });
});

describe('a fenced leftover of the same name (an attempt that died before its commit)', () => {
  it('is found by name and discarded; the retry freezes again and commits once, application-consistent', async () => {
    const op = await h.enqueueBackup(fencedBackupRequest('require'));
    const plan = (await h.stores.operations.get(op.id))?.planJson as unknown as {
      steps: { key: string; params: SnapshotStepParams }[];
    };
    const snapshotId = plan.steps.find((step) => step.key === SNAPSHOT_KEY)?.params.snapshotId as string;
    const group = [...cluster.model.groups.values()][0];
    cluster.model.startCgSnapshot(group, snapshotId, 60);

    const [done] = await h.tickUntilFinal(h.createWorker({ drivers }), [op.id]);
    expect(done.status).toBe('succeeded');
    const steps = new Map((await h.stores.operations.steps(op.id)).map((step) => [step.key, step]));
    expect(steps.get(SNAPSHOT_KEY)).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(watch.freezes).toBe(2); // the freeze the leftover was discarded under was not trusted
    expect(watch.atRelease).toEqual([{ name: snapshotId, state: 'committed' }]);
    expect(cluster.model.fences.size).toBe(0);
    const catalog = steps.get('vm:sql1:catalog')?.resultJson as { consistency?: string } | null;
    expect(catalog?.consistency).toBe('application');
    expect(h.driver.isWorkloadWriting('sql1')).toBe(true);
  });
});
