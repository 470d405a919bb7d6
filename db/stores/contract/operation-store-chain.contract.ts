/**
 * completeStepAndClaimNext, where a store has it (PostgreSQL): a step's end and the lease of the
 * same operation's next step in one transaction, with the same decisions as completeStep followed
 * by claimNext. Skipped on a store without it (the worker then completes and claims apart).
 * And on every store: a completion carrying the step's held log lines and progress
 * (CompleteOptions.notes) writes them in the same transaction, once.
 */
import { describe, expect, it } from 'vitest';
import { DriverError } from '../../../server/engine/driver';
import type { ClaimedStep, OperationStore } from '../ports/operation-store';
import {
  at,
  FAST_RETRY,
  LEASE,
  type OperationStoreFixture,
  operationStoreHarness,
  T0,
} from './operation-store.contract';

type Chaining = Required<Pick<OperationStore, 'completeStepAndClaimNext'>>['completeStepAndClaimNext'];

export function runCompleteAndClaimContract(
  name: string,
  create: () => Promise<OperationStoreFixture>,
): void {
  describe(`OperationStore contract, completeStepAndClaimNext: ${name}`, () => {
    const h = operationStoreHarness(create);
    const { enqueue, statusOf, stepStatuses } = h;
    /** The store's verb, or the test skipped: this store completes and claims apart. */
    const chainingOf = (skip: () => void): Chaining => {
      const verb = h.store.completeStepAndClaimNext?.bind(h.store);
      if (!verb) skip();
      return verb as Chaining;
    };

    it('leases the next step to the same worker with the completion, to the end of the operation', async (context) => {
      const complete = chainingOf(() => context.skip());
      const op = await enqueue(['a']);
      let claimed = (await h.store.claimNext({ workerId: 'w1', now: T0, leaseMs: LEASE })) as ClaimedStep;
      const keys = [claimed.step.key];
      for (let n = 1; ; n++) {
        const { isRecorded, next } = await complete(
          claimed,
          { status: 'succeeded' },
          { workerId: 'w1', now: at(n), leaseMs: LEASE },
        );
        expect(isRecorded).toBe(true);
        if (!next) break;
        expect(next).toMatchObject({
          operation: { id: op.id, leaseOwner: 'w1' },
          step: { status: 'running' },
        });
        expect((await h.store.get(op.id))?.leaseExpiresAt?.getTime()).toBe(at(n + LEASE).getTime());
        // Held: no other worker finds anything between the two steps.
        expect(await h.store.claimNext({ workerId: 'w2', now: at(n), leaseMs: LEASE })).toBeNull();
        keys.push(next.step.key);
        claimed = next;
      }
      expect(keys).toEqual([
        'vm:a:check',
        'vm:a:guest-freeze',
        'vm:a:guest-thaw',
        'vm:a:copy',
        'vm:a:catalog',
      ]);
      expect(await h.store.get(op.id)).toMatchObject({ status: 'succeeded', leaseOwner: null });
      const types = (await h.store.readEventsAfter({ operationId: op.id })).map((event) => event.type);
      // Each step's end, then the next step's start, in one commit: the log reads as apart.
      expect(types.filter((type) => type.startsWith('step.'))).toEqual(
        keys.flatMap(() => ['step.started', 'step.finished']),
      );
      expect(types.at(-1)).toBe('operation.finished');
      expect(await h.store.findLeakedLocks()).toEqual([]);
    });

    it('records nothing and leases nothing for a worker that lost its lease', async (context) => {
      const complete = chainingOf(() => context.skip());
      const op = await enqueue(['a']);
      const lost = (await h.store.claimNext({ workerId: 'w1', now: T0, leaseMs: LEASE })) as ClaimedStep;
      await h.store.recoverExpiredLeases(at(LEASE + 1), { exceptOwner: 'w2' });
      const taken = (await h.store.claimNext({
        workerId: 'w2',
        now: at(LEASE + 2),
        leaseMs: LEASE,
      })) as ClaimedStep;
      expect(
        await complete(lost, { status: 'succeeded' }, { workerId: 'w1', now: at(LEASE + 3), leaseMs: LEASE }),
      ).toEqual({
        isRecorded: false,
        next: null,
      });
      expect(await h.store.get(op.id)).toMatchObject({ leaseOwner: 'w2' });
      expect((await h.store.steps(op.id))[0]).toMatchObject({ status: 'running', attempts: 2 });
      expect(taken.step.key).toBe('vm:a:check');
    });

    it('leases nothing while a retry waits out its backoff: claimNext takes it when due', async (context) => {
      const complete = chainingOf(() => context.skip());
      const op = await enqueue(['a']);
      const first = (await h.store.claimNext({ workerId: 'w1', now: T0, leaseMs: LEASE })) as ClaimedStep;
      const fault = new DriverError('host-unreachable', 'host h1 unreachable', { isRetryable: true });
      expect(
        await complete(
          first,
          { status: 'failed', error: fault },
          { workerId: 'w1', now: T0, retry: FAST_RETRY, leaseMs: LEASE },
        ),
      ).toEqual({ isRecorded: true, next: null });
      expect(await h.store.get(op.id)).toMatchObject({ status: 'running', leaseOwner: null });
      const second = (await h.store.claimNext({
        workerId: 'w2',
        now: at(100),
        leaseMs: LEASE,
      })) as ClaimedStep;
      expect(second.step).toMatchObject({ key: 'vm:a:check', attempts: 2 });
      // Given up: the next claim decides the cleanups (the thaw of a freeze that never ran is
      // skipped) and ends the operation, in the completion's transaction here.
      expect(
        await complete(
          second,
          { status: 'failed', error: fault },
          { workerId: 'w2', now: at(100), retry: FAST_RETRY, leaseMs: LEASE },
        ),
      ).toEqual({ isRecorded: true, next: null });
      expect((await stepStatuses(op.id))['vm:a:guest-thaw']).toBe('skipped');
      expect(await statusOf(op.id)).toBe('failed');
      expect(await h.store.findLeakedLocks()).toEqual([]);
    });
  });

  describe(`OperationStore contract, a completion with held notes: ${name}`, () => {
    const h = operationStoreHarness(create);
    it('writes the held log lines and progress in their order before the step ends, and never twice', async () => {
      const op = await h.enqueue(['a']);
      const claimed = (await h.store.claimNext({ workerId: 'w1', now: T0, leaseMs: LEASE })) as ClaimedStep;
      const notes = {
        logs: [
          { level: 'info' as const, message: 'copying', at: at(1) },
          { level: 'warn' as const, message: 'slow disk', at: at(3) },
        ],
        progress: { bytesDone: 1024, bytesTotal: 2048, at: at(2) },
      };
      const options = { workerId: 'w1', now: at(4), leaseMs: LEASE, notes };
      expect(await h.store.completeStep(claimed, { status: 'succeeded', bytes: 2048 }, options)).toBe(true);
      // A completion tried again after its first try landed (a lost answer) writes nothing more.
      expect(await h.store.completeStep(claimed, { status: 'succeeded', bytes: 2048 }, options)).toBe(false);
      const events = await h.store.readEventsAfter({ operationId: op.id });
      expect(
        events.filter((event) => event.type.startsWith('step.')).map((event) => [event.type, event.at]),
      ).toEqual([
        ['step.started', T0],
        ['step.log', at(1)],
        ['step.progress', at(2)],
        ['step.log', at(3)],
        ['step.finished', at(4)],
      ]);
      expect((await h.store.logs(op.id, 10)).map((log) => log.message).sort()).toEqual([
        'copying',
        'slow disk',
      ]);
      expect((await h.store.steps(op.id))[0]).toMatchObject({ bytesTotal: 2048, status: 'succeeded' });
    });
  });
}
