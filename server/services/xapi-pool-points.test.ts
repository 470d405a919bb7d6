/**
 * A snapshot kept on the pool, end to end on both databases: the watcher catalogues it as a point of
 * its VM, a snapshot revert (VM.revert, then the VM powered as at the snapshot) runs through the
 * worker and the registry's xapi connector against the fake pool over HTTPS, a verify reads it
 * live, and a delete destroys it with its disks on the pool.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { storeDialects } from '../../db/stores/contract/dialects';
import { FAKE_MEMORY_BYTES } from '../drivers/xapi/fake/fake-checkpoint';
import { DISK_SIZE } from '../drivers/xapi/fake/fake-fixtures';
import { METHODS } from '../drivers/xapi/fake/fake-methods';
import { xenId } from '../drivers/xapi/xapi-discovery';
import { isFinalOperationStatus } from '../engine/statuses';
import { getDriverRegistry, stopRuntime } from '../jobs/runtime';
import { createWorker } from '../jobs/worker';
import { processDatabaseOf } from '../test-rows';
import { previewRestore, startRestore } from './operations-service';
import { startPointDelete, startPointVerify } from './restore-point-service';
import { connectXapiPools } from './xapi-connection-service';
import { poolPointId } from './xapi-pool-points';
import { addXapiPool } from './xapi-pool-service';
import { closeXapiLabs, openXapiLab } from './xapi-test-support';

afterEach(async () => {
  await stopRuntime();
  await closeXapiLabs();
});
const dialects = await storeDialects('xapipoints');
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The lab's fake pool added by an admin and connected with its watcher, after its first sync. */
async function connectLabPool(lab: Awaited<ReturnType<typeof openXapiLab>>) {
  const { stores, ctx, keys } = lab;
  const pool = await addXapiPool(stores, ctx, keys, {
    name: 'pool-lab',
    address: lab.fake.address(),
    secretId: lab.secret.id,
  });
  const set = await connectXapiPools(stores, keys, { watch: true, ctx });
  await set.synced(pool.id);
  return { pool, set };
}

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    it('a pool snapshot is reverted to, verified live and deleted on the pool through the worker', async () => {
      let now = new Date('2026-11-30T01:00:00Z');
      const lab = await openXapiLab(dialect, { now: () => now });
      const { fixture, stores, ctx, handle } = lab;
      const { pool, set } = await connectLabPool(lab);
      const snapshotRef =
        [...fixture.pool.table('VM')].find(([, vm]) => vm.name_label === 'sql01 before patch')?.[0] ?? '';
      const pointId = poolPointId(xenId(fixture.pool.get('VM', snapshotRef)?.uuid as string));
      const worker = createWorker({
        stores,
        drivers: getDriverRegistry(processDatabaseOf(handle)),
        clock: () => now,
      });
      async function run(operationId: string) {
        for (let pass = 0; pass < 50; pass++) {
          await worker.tick();
          const operation = await stores.operations.get(operationId);
          if (operation && isFinalOperationStatus(operation.status)) return operation;
          now = new Date(now.getTime() + 1000);
        }
        throw new Error(`operation ${operationId} never ended`);
      }

      // Running now: the revert is refused before anything runs, as an in-place restore is.
      const request = { restorePointId: pointId, mode: 'snapshot-revert' as const, confirmation: 'sql01' };
      const refused = await previewRestore(stores, ctx, request);
      expect(refused.findings.map((finding) => `${finding.ruleId}:${finding.severity}`)).toContain(
        'RESTORE-VM-RUNNING:blocker',
      );

      // Shut down outside Migawka, then its disk changed since the snapshot.
      const [cRef] = fixture.pool.disksOf(fixture.sql01);
      const atSnapshot = sha256(fixture.pool.vdiBytes.get(cRef) as Buffer);
      const halted = set.synced(pool.id);
      fixture.pool.mod('VM', fixture.sql01, { power_state: 'Halted', resident_on: 'OpaqueRef:NULL' });
      await halted;
      fixture.pool.vdiBytes.get(cRef)?.fill(9);

      const preview = await previewRestore(stores, ctx, request);
      expect(preview.isRunnable, preview.blockedReasons.join('; ')).toBe(true);
      expect(preview.steps.map((step) => step.title)).toEqual([
        'Verify the stored data of the restore point',
        'Check that sql01 is powered off',
        'Revert sql01 to its snapshot "sql01 before patch" on the pool',
        'Power sql01 as it was at the snapshot',
      ]);
      const revert = await startRestore(stores, ctx, request);
      expect((await run(revert.operationId)).status).toBe('succeeded');
      expect(sha256(fixture.pool.vdiBytes.get(cRef) as Buffer)).toBe(atSnapshot);
      // It ran when the snapshot was taken: started again.
      expect(fixture.pool.get('VM', fixture.sql01)?.power_state).toBe('Running');
      expect(await stores.restorePoints.get(pointId)).toMatchObject({
        lastVerdict: 'intact',
        goneSince: null,
      });

      const verify = await startPointVerify(stores, ctx, pointId);
      expect(verify.plan.hostIds).toEqual([xenId(fixture.pool.get('host', fixture.master)?.uuid as string)]);
      expect((await run(verify.operationId)).status).toBe('succeeded');
      expect((await stores.restorePoints.verifications(pointId))[0]).toMatchObject({
        verdict: 'intact',
        // Found on the pool with every disk: its contents are not hashed there, and it says so.
        detailsJson: { snapshot: 'sql01 before patch', disks: 2, readLive: true, contentsHashed: false },
      });
      const logged = (await stores.operations.logs(verify.operationId, 50)).map((line) => line.message);
      expect(logged).toContain(
        '1 point(s) kept on the pool found there with every disk (their contents are not hashed there)',
      );
      expect(logged.some((line) => line.includes('re-hashed'))).toBe(false);

      const disks = fixture.pool.disksOf(snapshotRef);
      const deletion = await startPointDelete(stores, ctx, pointId);
      expect(deletion.title).toMatch(/^Delete the 2026-.* UTC point of sql01$/);
      expect((await run(deletion.operationId)).status).toBe('succeeded');
      expect(fixture.pool.get('VM', snapshotRef)).toBeUndefined();
      for (const vdi of disks) expect(fixture.pool.get('VDI', vdi)).toBeUndefined();
      expect(await stores.restorePoints.get(pointId)).toBeNull();
    });

    it('a snapshot deleted on the pool: the next batch marks its point gone; no revert is offered, a verify records it missing', async () => {
      let now = new Date('2026-11-30T01:00:00Z');
      const lab = await openXapiLab(dialect, { now: () => now });
      const { fixture, stores, ctx, handle } = lab;
      const { pool, set } = await connectLabPool(lab);
      const snapshotRef =
        [...fixture.pool.table('VM')].find(([, vm]) => vm.name_label === 'sql01 before patch')?.[0] ?? '';
      const pointId = poolPointId(xenId(fixture.pool.get('VM', snapshotRef)?.uuid as string));
      const deleted = set.synced(pool.id);
      for (const vdi of fixture.pool.disksOf(snapshotRef)) fixture.pool.del('VDI', vdi);
      fixture.pool.del('VM', snapshotRef);
      await deleted;
      const point = await stores.restorePoints.get(pointId);
      expect(point?.goneReason).toMatch(/^pool pool-lab no longer lists this snapshot/);

      const preview = await previewRestore(stores, ctx, {
        restorePointId: pointId,
        mode: 'snapshot-revert',
        confirmation: 'sql01',
      });
      expect(preview.isRunnable).toBe(false);
      expect(preview.blockedReasons[0]).toMatch(
        /is not available for this point: The point's data is gone: pool pool-lab/,
      );

      const worker = createWorker({
        stores,
        drivers: getDriverRegistry(processDatabaseOf(handle)),
        clock: () => now,
      });
      const verify = await startPointVerify(stores, ctx, pointId);
      let status = '';
      for (let pass = 0; pass < 50 && !isFinalOperationStatus(status as never); pass++) {
        await worker.tick();
        status = (await stores.operations.get(verify.operationId))?.status ?? '';
        now = new Date(now.getTime() + 1000);
      }
      expect(status).toBe('failed');
      expect((await stores.restorePoints.verifications(pointId))[0]).toMatchObject({
        verdict: 'missing',
        detailsJson: { snapshot: 'sql01 before patch', reason: point?.goneReason },
      });
    });

    it('a memory checkpoint is catalogued as including memory; once its VM is deleted on the pool it stays (with why) and its delete destroys disks and memory image', async () => {
      let now = new Date('2026-11-30T01:00:00Z');
      const lab = await openXapiLab(dialect, { now: () => now });
      const { fixture, stores, ctx, handle } = lab;
      const { pool, set } = await connectLabPool(lab);
      const taken = set.synced(pool.id);
      const checkpointRef = METHODS['VM.checkpoint'](fixture.pool, [
        fixture.sql01,
        'sql01 before upgrade',
      ]) as string;
      await taken;
      const pointId = poolPointId(xenId(fixture.pool.get('VM', checkpointRef)?.uuid as string));
      const point = await stores.restorePoints.get(pointId);
      expect(point).toMatchObject({
        includesMemory: true,
        consistency: 'crash',
        sizeBytes: 2 * DISK_SIZE + FAKE_MEMORY_BYTES,
        goneSince: null,
      });
      expect(point?.consistencyReason).toMatch(/crash-consistent with memory/);

      // sql01 is deleted on the pool (its snapshots stay, naming a VM that no longer exists).
      const vmDeleted = set.synced(pool.id);
      fixture.pool.mod('VM', fixture.sql01, { power_state: 'Halted' });
      METHODS['VM.destroy'](fixture.pool, [fixture.sql01]);
      await vmDeleted;
      const kept = await stores.restorePoints.get(pointId);
      expect(kept?.goneSince).toBeNull();
      expect(kept?.locationNote).toMatch(/^its VM was deleted on pool pool-lab/);

      const image = fixture.pool.get('VM', checkpointRef)?.suspend_VDI as string;
      const disks = fixture.pool.disksOf(checkpointRef);
      const worker = createWorker({
        stores,
        drivers: getDriverRegistry(processDatabaseOf(handle)),
        clock: () => now,
      });
      async function run(operationId: string) {
        let status = '';
        for (let pass = 0; pass < 50 && !isFinalOperationStatus(status as never); pass++) {
          await worker.tick();
          status = (await stores.operations.get(operationId))?.status ?? '';
          now = new Date(now.getTime() + 1000);
        }
        return status;
      }
      // Still on the pool, so still verifiable: intact, read live.
      expect(await run((await startPointVerify(stores, ctx, pointId)).operationId)).toBe('succeeded');
      expect((await stores.restorePoints.verifications(pointId))[0]).toMatchObject({ verdict: 'intact' });

      const started = await startPointDelete(stores, ctx, pointId);
      expect(started.plan.steps[0]?.title).toMatch(
        /destroys memory checkpoint "sql01 before upgrade" on the pool with its 2 disks and its memory image$/,
      );
      expect(await run(started.operationId)).toBe('succeeded');
      expect(fixture.pool.get('VM', checkpointRef)).toBeUndefined();
      for (const vdi of [...disks, image]) expect(fixture.pool.get('VDI', vdi)).toBeUndefined();
      expect(await stores.restorePoints.get(pointId)).toBeNull();
    });
  });
});
