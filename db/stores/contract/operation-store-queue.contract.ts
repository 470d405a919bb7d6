/**
 * The OperationStore contract, the long queue (issue 13): one claim examines a bounded batch of the
 * queue, oldest first, yet every operation is examined, an admissible one deep in the queue starts,
 * and an operation waiting behind a blocked one starts as soon as what it waits for is released —
 * by a finish, a cancel or a worker's arrival — in queue order (FIFO per lock key and per host).
 */
import { describe, expect, it } from 'vitest';
import { ADMISSION_BATCH } from '../admission-rows';
import type { ClaimedStep } from '../ports/operation-store';
import { at, LEASE, type OperationStoreFixture, operationStoreHarness, T0 } from './operation-store.contract';

export function runOperationStoreQueueContract(
  name: string,
  create: () => Promise<OperationStoreFixture>,
): void {
  describe(`OperationStore contract: ${name}`, () => {
    const h = operationStoreHarness(create);
    /** One claim (admission runs in it) and, when it leased a step, that step's success. */
    async function claim(now: Date, workerId = 'w1'): Promise<ClaimedStep | null> {
      const limits = { perHost: 1, perArray: 1 };
      const claimed = await h.store.claimNext({ workerId, now, leaseMs: LEASE, limits });
      if (claimed) await h.store.completeStep(claimed, { status: 'succeeded' }, { workerId, now });
      return claimed;
    }
    /** Runs the one running operation's steps to its end (nothing else may be running). */
    async function finish(operationId: string, now: Date): Promise<void> {
      while ((await h.statusOf(operationId)) === 'running') {
        expect((await claim(now))?.operation.id).toBe(operationId);
      }
    }

    describe('a long queue', () => {
      it('examines a bounded batch per claim, oldest first, until an admissible operation deep in the queue starts', async () => {
        // Every operation but the last wants VM a, each on its own host: only the first may run.
        const count = ADMISSION_BATCH * 2 + 3;
        const ops = [];
        for (let n = 0; n < count; n++) {
          ops.push(await h.enqueue(['a'], at(n), { hostIds: [`h${n}`], lockKeys: ['vm:a'] }));
        }
        const last = await h.enqueue(['z'], at(count), { hostIds: ['h-z'] });
        const first = ops[0] as (typeof ops)[number];
        await claim(at(1000));
        expect(await h.statusOf(first.id)).toBe('running');
        // Beyond the first batch nobody was looked at yet: still queued, without a reason.
        expect(await h.store.get(last.id)).toMatchObject({ status: 'queued', waitingReason: null });
        await claim(at(1001));
        await claim(at(1002));
        expect(await h.statusOf(last.id)).toBe('running');
        for (const op of ops.slice(1)) {
          expect(await h.store.get(op.id)).toMatchObject({
            status: 'waiting',
            waitingReason: `waits for lock vm:a held by operation "${first.title}"`,
          });
        }
      });

      it('an operation behind a blocked one waits its turn (FIFO) and starts when the lock is released', async () => {
        const holder = await h.enqueue(['a'], T0, { hostIds: ['h1'] });
        const both = await h.enqueue(['a', 'b'], at(1), { hostIds: ['h2'] });
        const behind = await h.enqueue(['b'], at(2), { hostIds: ['h3'] });
        await claim(at(3));
        expect(await h.store.get(both.id)).toMatchObject({
          status: 'waiting',
          waitingReason: `waits for lock vm:a held by operation "${holder.title}"`,
        });
        // VM b is free, but the older operation wants it: the younger one is not let past.
        expect(await h.store.get(behind.id)).toMatchObject({
          status: 'waiting',
          waitingReason: `waits for lock vm:b behind older queued operation "${both.title}"`,
        });
        await finish(holder.id, at(4));
        await claim(at(5));
        expect(await h.statusOf(both.id)).toBe('running');
        expect(await h.store.get(behind.id)).toMatchObject({
          status: 'waiting',
          waitingReason: `waits for lock vm:b held by operation "${both.title}"`,
        });
        await finish(both.id, at(6));
        await claim(at(7));
        expect(await h.statusOf(behind.id)).toBe('running');
      });

      it('cancelling a waiting operation lets the one behind it start at once', async () => {
        const holder = await h.enqueue(['a'], T0, { hostIds: ['h1'] });
        const both = await h.enqueue(['a', 'b'], at(1), { hostIds: ['h2'] });
        const behind = await h.enqueue(['b'], at(2), { hostIds: ['h3'] });
        await claim(at(3));
        expect(await h.statusOf(behind.id)).toBe('waiting');
        await h.store.cancel(both.id, at(4), 'user:7');
        await claim(at(5));
        expect(await h.statusOf(holder.id)).toBe('running');
        expect(await h.statusOf(behind.id)).toBe('running');
      });

      it('a freed host slot goes to the oldest operation waiting for that host', async () => {
        const ops = [];
        for (let n = 0; n < 3; n++) ops.push(await h.enqueue([`v${n}`], at(n), { hostIds: ['h1'] }));
        const [running, older, younger] = ops as [(typeof ops)[0], (typeof ops)[0], (typeof ops)[0]];
        await claim(at(10));
        expect(await h.store.get(younger.id)).toMatchObject({
          status: 'waiting',
          waitingReason: 'host h1 has 1 running operation (limit 1)',
        });
        await finish(running.id, at(11));
        await claim(at(12));
        expect(await h.statusOf(older.id)).toBe('running');
        expect(await h.statusOf(younger.id)).toBe('waiting');
      });

      it('an operation no worker serves starts when a worker serving its host arrives', async () => {
        const expires = at(60_000);
        await h.store.announceWorker({ workerId: 'w-h2', hostIds: ['h2'], arrayIds: null }, T0, expires);
        const op = await h.enqueue(['a'], at(1), { hostIds: ['h1'] });
        await claim(at(2), 'w-h2');
        expect(await h.store.get(op.id)).toMatchObject({
          status: 'waiting',
          waitingReason: 'no worker serves host h1',
        });
        // Refreshing a known worker wakes nobody; a new one does.
        await h.store.announceWorker({ workerId: 'w-h2', hostIds: ['h2'], arrayIds: null }, at(3), expires);
        await h.store.announceWorker({ workerId: 'w-h1', hostIds: ['h1'], arrayIds: null }, at(3), expires);
        await claim(at(4), 'w-h1');
        expect(await h.statusOf(op.id)).toBe('running');
      });
    });
  });
}
