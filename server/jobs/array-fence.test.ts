/**
 * The runner's array snapshot with the thaw inside ONTAP's write fence, through the worker
 * (ontap-runner-support.ts: the lab's VMs, the fake ONTAP cluster's fence timer). A thaw that
 * takes longer than the fence makes the commit miss it (ONTAP aborts); the policy decides then.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeCluster } from '../drivers/ontap/ontap-test-support';
import type { DriverRegistry } from '../drivers/registry';
import {
  cgSnapshots,
  closeFencedLab,
  type FenceWatch,
  fencedBackupRequest,
  openFencedLab,
  SNAPSHOT_KEY,
} from './ontap-runner-support';
import type { Harness } from './test-harness';

let h: Harness;
let cluster: FakeCluster;
let watch: FenceWatch;
let drivers: DriverRegistry;

beforeEach(async () => {
  ({ h, cluster, watch, drivers } = await openFencedLab());
});
afterEach(() => closeFencedLab({ h, cluster }));

const dataSnapshots = () => cluster.model.volumeByName('sql_data')?.snapshots.map((s) => s.name) ?? [];
const stepsOf = async (operationId: string) =>
  new Map((await h.stores.operations.steps(operationId)).map((step) => [step.key, step]));
/** The restore point the operation catalogued for the VM (undefined when it catalogued none). */
async function pointOf(operationId: string, vmId: string) {
  const catalog = (await stepsOf(operationId)).get(`vm:${vmId}:catalog`);
  const pointId = (catalog?.resultJson as { restorePointId?: string } | null)?.restorePointId;
  return pointId ? ((await h.stores.restorePoints.get(pointId)) ?? undefined) : undefined;
}

describe('the array snapshot step thaws inside the write fence', () => {
  it('freeze → flush → CG start → thaw (fenced) → commit; the thaw step sees it done and the point is application-consistent', async () => {
    const op = await h.enqueueBackup(fencedBackupRequest('require'));
    const [done] = await h.tickUntilFinal(h.createWorker({ drivers }), [op.id]);
    expect(done.status).toBe('succeeded');
    expect(watch.fencesAtThaw).toEqual([2]); // once, while both member volumes were fenced
    const steps = await stepsOf(op.id);
    expect(steps.get(SNAPSHOT_KEY)?.resultJson).toMatchObject({ thawedInFence: ['sql1'], crashVmIds: {} });
    expect(steps.get('vm:sql1:guest-thaw')).toMatchObject({
      status: 'succeeded',
      resultJson: { thawedInFence: true },
    });
    expect(cluster.model.fences.size).toBe(0);
    expect(watch.atRelease).toEqual([{ name: expect.any(String), state: 'committed' }]);
    expect(cgSnapshots(cluster)).toEqual([]); // released after the copy
    expect((await pointOf(op.id, 'sql1'))?.consistency).toBe('application');
    expect(h.driver.isWorkloadWriting('sql1')).toBe(true);
  });

  it('a commit that misses the fence under `require`: ONTAP aborts, the retry freezes again and commits', async () => {
    watch.slowThaws = 1;
    const op = await h.enqueueBackup(fencedBackupRequest('require'));
    const [done] = await h.tickUntilFinal(h.createWorker({ drivers }), [op.id]);
    expect(done.status).toBe('succeeded');
    const steps = await stepsOf(op.id);
    expect(steps.get(SNAPSHOT_KEY)?.attempts).toBe(2);
    expect(watch.freezes).toBe(2); // the guest-freeze step, then again for the retried snapshot
    expect(watch.fencesAtThaw).toEqual([2, 2]);
    expect(watch.atRelease).toEqual([{ name: expect.any(String), state: 'committed' }]);
    expect(cgSnapshots(cluster)).toEqual([]); // released after the copy
    expect(dataSnapshots()).toEqual([]);
    expect((await pointOf(op.id, 'sql1'))?.consistency).toBe('application');
    expect(h.driver.isWorkloadWriting('sql1')).toBe(true);
  });

  it('every commit misses under `require`: the operation fails clean, nothing fenced or half-made, the guest thawed', async () => {
    watch.slowThaws = 10;
    const op = await h.enqueueBackup(fencedBackupRequest('require'));
    const [done] = await h.tickUntilFinal(h.createWorker({ drivers }), [op.id]);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/write fence|aborted/);
    const steps = await stepsOf(op.id);
    expect(steps.get(SNAPSHOT_KEY)).toMatchObject({ status: 'failed', attempts: 3 });
    expect(steps.get('vm:sql1:guest-thaw')?.status).toBe('succeeded');
    expect(cluster.model.fences.size).toBe(0);
    expect(cgSnapshots(cluster)).toEqual([]);
    expect(dataSnapshots()).toEqual([]);
    expect(await pointOf(op.id, 'sql1')).toBeUndefined();
    expect(h.driver.isWorkloadWriting('sql1')).toBe(true);
  });

  it('a commit that misses the fence under `fallback`: taken again at once, the point crash-consistent with the reason', async () => {
    watch.slowThaws = 1;
    const op = await h.enqueueBackup(fencedBackupRequest('fallback'));
    const [done] = await h.tickUntilFinal(h.createWorker({ drivers }), [op.id]);
    expect(done.status).toBe('succeeded-with-warnings');
    const steps = await stepsOf(op.id);
    expect(steps.get(SNAPSHOT_KEY)).toMatchObject({ status: 'degraded', attempts: 1 });
    expect(watch.freezes).toBe(1);
    expect(watch.atRelease).toEqual([{ name: expect.any(String), state: 'committed' }]);
    expect(cgSnapshots(cluster)).toEqual([]); // released after the copy
    expect(cluster.model.fences.size).toBe(0);
    const point = await pointOf(op.id, 'sql1');
    expect(point?.consistency).toBe('crash');
    expect(point?.consistencyReason).toMatch(/fallback: .*snapshot taken after the thaw/);
    const lines = (await h.stores.operations.logs(op.id, 200)).map((line) => line.message);
    expect(lines).toContainEqual(expect.stringMatching(/; taking the snapshot again without the freeze/));
    expect(h.driver.isWorkloadWriting('sql1')).toBe(true);
  });
});
