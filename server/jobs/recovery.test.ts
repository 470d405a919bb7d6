/**
 * Lease recovery decisions, in-process and table-driven: a step that was running when its worker
 * vanished is re-run when safe, otherwise the operation ends interrupted after its cleanups. The
 * surviving worker is driven by explicit `tick()` passes under the harness clock.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeDialects } from '../../db/stores/contract/dialects';
import type { BackupPlanRequest } from '../engine/backup-plan';
import { rowsOf } from '../test-rows';
import { executeStep } from './step-executor';
import { createHarness, type Harness } from './test-harness';

let h: Harness;
afterEach(async () => {
  await h.close();
});
const dialects = await storeDialects('recovery');

const LEASE_MS = 1000;
const arrayRequest: BackupPlanRequest = {
  scope: { kind: 'array-volume', arrayVolumeId: 'lun1' },
  methodByVm: { app1: 'array-snapshot', sql1: 'array-snapshot' },
  consistencyPolicy: 'require',
  passthroughPolicy: 'skip',
  scripts: {
    sql1: {
      preFreeze: { command: 'exit 0', timeoutSeconds: 5 },
      postThaw: { command: 'exit 0', timeoutSeconds: 5 },
    },
  },
};

/** Runs steps with a fake worker until `stopAtKey` is claimed (left running, as if the worker died). */
async function runUntilClaimed(operationId: string, stopAtKey: string, now: Date) {
  for (;;) {
    const claimed = await h.stores.operations.claimNext({ workerId: 'dead', now, leaseMs: LEASE_MS });
    if (!claimed) throw new Error(`never reached ${stopAtKey}`);
    expect(claimed.operation.id).toBe(operationId);
    if (claimed.step.key === stopAtKey) return claimed;
    const outcome = await executeStep({
      stores: h.stores,
      drivers: h.drivers,
      operation: claimed.operation,
      step: claimed.step,
      planStep: claimed.planStep,
      signal: new AbortController().signal,
      onProgress: () => {},
      log: () => {},
      now: () => now,
    });
    await h.stores.operations.completeStep(claimed, outcome, { workerId: 'dead', now, leaseMs: LEASE_MS });
  }
}

/** The rows of one operation in a table, on either database. */
const rowsOfOperation = {
  operationSteps: async (operationId: string) =>
    (await rowsOf(h.database).all('operationSteps')).filter((row) => row.operationId === operationId),
  restorePoints: async (operationId: string) =>
    (await rowsOf(h.database).all('restorePoints')).filter((row) => row.operationId === operationId),
  operations: async (operationId: string) =>
    (await rowsOf(h.database).all('operations')).filter((row) => row.id === operationId),
};

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('recoverExpiredLeases', () => {
    beforeEach(async () => {
      h = await createHarness({ dialect });
    });
    it.each([
      ['vm:app1:copy-to-repository', 'resume', 'succeeded'],
      ['vm:sql1:catalog', 'resume', 'succeeded'],
      ['array-volumes:lun1:array-snapshot', 'interrupt', 'interrupted'], // inside sql1's freeze window
      ['vm:sql1:guest-freeze', 'interrupt', 'interrupted'],
      ['vm:sql1:pre-freeze-script', 'interrupt', 'interrupted'],
      ['vm:sql1:post-thaw-script', 'interrupt', 'interrupted'],
      ['vm:app1:check', 'resume', 'succeeded'],
    ] as const)('a worker lost during %s: %s, ends %s', async (key, decision, finalStatus) => {
      await h.driver.ensureVm('sql1'); // sql1 is busy writing from the start
      const op = await h.enqueueBackup(arrayRequest);
      const start = h.clock.now();
      await runUntilClaimed(op.id, key, start);
      expect(
        await h.stores.operations.recoverExpiredLeases(new Date(start.getTime() + LEASE_MS - 1)),
      ).toEqual([]); // lease still live
      const [report] = await h.stores.operations.recoverExpiredLeases(
        new Date(start.getTime() + LEASE_MS + 1),
      );
      expect(report).toMatchObject({ operationId: op.id, decision });

      h.clock.advance(LEASE_MS + 1);
      const [done] = await h.tickUntilFinal(h.createWorker(), [op.id]);
      expect(done.status).toBe(finalStatus);
      expect(done.attempt).toBe(1);
      const thaw = (await rowsOfOperation.operationSteps(op.id)).find(
        (step) => step.key === 'vm:sql1:guest-thaw',
      );
      // Thaw ran whenever a freeze had started.
      if (key !== 'vm:sql1:pre-freeze-script' && key !== 'vm:app1:check')
        expect(thaw?.status).toBe('succeeded');
      const points = await rowsOfOperation.restorePoints(op.id);
      expect(points.length).toBe(finalStatus === 'succeeded' ? 2 : 0);
      expect(await rowsOf(h.database).all('locks')).toEqual([]);
      expect(await h.stores.operations.findLeakedLocks()).toEqual([]);
      expect(h.driver.isWorkloadWriting('sql1')).toBe(true);
    });

    it('a catalog step run twice never duplicates the restore point', async () => {
      const op = await h.enqueueBackup(arrayRequest);
      const [done] = await h.tickUntilFinal(h.createWorker(), [op.id]);
      expect(done.status).toBe('succeeded');
      const catalog = (await rowsOfOperation.operationSteps(op.id)).find(
        (step) => step.key === 'vm:sql1:catalog',
      );
      if (!catalog) throw new Error('no catalog step');
      await rowsOf(h.database).update('operations', op.id, { status: 'running' });
      const again = await executeStep({
        stores: h.stores,
        drivers: h.drivers,
        operation: (await h.stores.operations.get(op.id)) as never,
        step: catalog,
        planStep: { ...catalog, params: catalog.paramsJson },
        signal: new AbortController().signal,
        onProgress: () => {},
        log: () => {},
        now: h.clock.now,
      });
      expect(again.status).toBe('succeeded');
      const points = await rowsOfOperation.restorePoints(op.id);
      expect(points.filter((point) => point.vmId === 'sql1')).toHaveLength(1);
    });
  });
});

describe('event relay (SQLite: another process writes the file; PostgreSQL notifies, event-notifications.test.ts)', () => {
  beforeEach(async () => {
    h = await createHarness();
  });
  it('publishes events written by another process once, in id order', async () => {
    const { createEventRelay, subscribeToOperationEvents } = await import('./events');
    const { EventBatch } = await import('../../db/stores/sqlite/transaction');
    const seen: number[] = [];
    const unsubscribe = subscribeToOperationEvents((event) => seen.push(event.id));
    const relay = createEventRelay(h.stores.operations);
    await relay.pass(); // starts from the newest event: nothing older is replayed
    expect(seen).toEqual([]);
    const op = await h.enqueueBackup(arrayRequest); // committed here: delivered by the relay
    await relay.pass();
    expect(seen).toHaveLength(1);
    // Another process's write: rows appear in the table without a local publish.
    const foreign = new EventBatch();
    h.sqlite().transaction((tx) => {
      foreign.append(
        tx,
        op.id,
        'step.log',
        { stepKey: 'x', level: 'info', message: 'from elsewhere' },
        new Date(),
      );
    });
    expect(seen).toHaveLength(1);
    await relay.pass(); // relays the foreign event, not the local one again
    await relay.pass(); // and nothing twice
    relay.stop();
    unsubscribe();
    expect(seen).toEqual([...new Set(seen)].sort((a, b) => a - b));
    expect(seen).toHaveLength(2);
    expect(seen[1]).toBe(await h.stores.operations.lastEventId());
  });

  it('never lets an event committed here overtake an older one another process committed', async () => {
    const { createEventRelay, subscribeToOperationEvents } = await import('./events');
    const { EventBatch } = await import('../../db/stores/sqlite/transaction');
    const seen: number[] = [];
    const unsubscribe = subscribeToOperationEvents((event) => seen.push(event.id));
    const relay = createEventRelay(h.stores.operations);
    await relay.pass();
    const first = await h.enqueueBackup(arrayRequest);
    await relay.pass();
    // Another process commits an event the relay has not read yet…
    const foreign = new EventBatch();
    h.sqlite().transaction((tx) => {
      foreign.append(
        tx,
        first.id,
        'step.log',
        { stepKey: 'x', level: 'info', message: 'elsewhere' },
        new Date(),
      );
    });
    // …then this process commits a newer one: it waits for the relay instead of going out first.
    await h.enqueueBackup(arrayRequest);
    await relay.pass();
    relay.stop();
    unsubscribe();
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen).toContain(foreign.events[0]?.id);
    expect(seen.at(-1)).toBe(await h.stores.operations.lastEventId());
  });

  it('reads again when asked for a pass while one runs: an event committed meanwhile is not left for the next poll', async () => {
    const { createEventRelay, subscribeToOperationEvents } = await import('./events');
    const { EventBatch } = await import('../../db/stores/sqlite/transaction');
    const op = await h.enqueueBackup(arrayRequest);
    const seen: string[] = [];
    const unsubscribe = subscribeToOperationEvents((event) => {
      if (event.type === 'step.log') seen.push((event as { payload: { message: string } }).payload.message);
    });
    const writeForeign = (message: string) => {
      const foreign = new EventBatch();
      h.sqlite().transaction((tx) => {
        foreign.append(tx, op.id, 'step.log', { stepKey: 'x', level: 'info', message }, new Date());
      });
    };
    // The store as the relay sees it: the first read of the second pass lets another process
    // commit, and the relay is woken (a notification) while that read is still running.
    const operations = h.stores.operations;
    let reads = 0;
    const relay = createEventRelay({
      ...operations,
      lastEventId: (id?: string) => operations.lastEventId(id),
      readEventsAfter: async (query) => {
        const page = await operations.readEventsAfter(query);
        if (++reads === 2) {
          writeForeign('committed during the read');
          void relay.pass();
        }
        return page;
      },
    });
    await relay.pass();
    writeForeign('before the pass');
    await relay.pass();
    relay.stop();
    unsubscribe();
    expect(seen).toEqual(['before the pass', 'committed during the read']);
  });
});
