/**
 * The worker driven by explicit `tick()` calls and an injected clock: no sleeps, no polling.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeDialects } from '../../db/stores/contract/dialects';
import type { BackupPlanRequest } from '../engine/backup-plan';
import { createHarness, FAST_RETRY, type Harness } from './test-harness';
import { createWorker } from './worker';
import { tickUntilSnapshotWaits } from './worker-test-support';

let h: Harness;

const LEASE_MS = 15_000;
const arrayBackup: BackupPlanRequest = {
  scope: { kind: 'array-volume', arrayVolumeId: 'lun1' },
  methodByVm: { app1: 'array-snapshot', sql1: 'array-snapshot' },
  consistencyPolicy: 'require',
  passthroughPolicy: 'skip',
};

const dialects = await storeDialects('worker');

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    beforeEach(async () => {
      h = await createHarness({ dialect });
    });
    afterEach(async () => {
      await h.close();
    });

    describe('worker: a busy event loop never costs the worker its own live step (issue 7 §6)', () => {
      it('the clock jumps 31 s past the lease while a snapshot runs inside a freeze window: the backup still succeeds', async () => {
        let now = new Date('2026-03-01T10:00:00Z');
        const worker = createWorker({
          stores: h.stores,
          drivers: h.drivers,
          workerId: 'me',
          clock: () => now,
          leaseMs: LEASE_MS,
          retry: FAST_RETRY,
        });
        const op = await h.enqueueBackup(arrayBackup, { now });
        const { inFlight, snapshot } = await tickUntilSnapshotWaits(h, worker);

        // The event loop stalls for 31 s: the lease looks expired when the worker's next pass runs.
        now = new Date(now.getTime() + 31_000);
        const row = await h.stores.operations.get(op.id);
        expect(row?.leaseOwner).toBe('me');
        expect(row?.leaseExpiresAt?.getTime()).toBeLessThan(now.getTime());
        await worker.tick(); // recovery runs (the clock moved past leaseMs / 2) and must leave it alone
        expect(await h.stores.operations.get(op.id)).toMatchObject({
          status: 'running',
          leaseOwner: 'me',
          endingAs: null,
        });
        // The late renewal succeeds: nobody else took the operation.
        expect(await h.stores.operations.renewLease('me', op.id, now, LEASE_MS)).toEqual({
          isOwner: true,
          isCancelling: false,
        });

        snapshot.release();
        await inFlight;
        for (
          let pass = 0;
          pass < 40 && (await h.stores.operations.get(op.id))?.status === 'running';
          pass++
        ) {
          await worker.tick();
        }
        const done = await h.stores.operations.get(op.id);
        expect(done).toMatchObject({ status: 'succeeded', attempt: 0 });
        const events = await h.stores.operations.readEventsAfter({ operationId: op.id, limit: 5000 });
        expect(events.some((event) => event.type === 'operation.recovered')).toBe(false);
      });

      it('another worker does take over an operation whose lease expired (the lease still means something)', async () => {
        let now = new Date('2026-03-01T10:00:00Z');
        const op = await h.enqueueBackup(arrayBackup, { now });
        // A worker that died inside the freeze window: claimed the snapshot, never came back.
        for (;;) {
          const claimed = await h.stores.operations.claimNext({ workerId: 'dead', now, leaseMs: LEASE_MS });
          if (!claimed || claimed.step.kind === 'array-snapshot') break;
          await h.stores.operations.completeStep(
            claimed,
            { status: 'succeeded' },
            { workerId: 'dead', now, leaseMs: LEASE_MS },
          );
        }
        now = new Date(now.getTime() + 31_000);
        const other = createWorker({
          stores: h.stores,
          drivers: h.drivers,
          workerId: 'other',
          clock: () => now,
          leaseMs: LEASE_MS,
        });
        await other.tick();
        const events = await h.stores.operations.readEventsAfter({ operationId: op.id, limit: 5000 });
        expect(events.find((event) => event.type === 'operation.recovered')?.payload).toMatchObject({
          decision: 'interrupt',
          previousOwner: 'dead',
        });
      });
    });
  });
});
