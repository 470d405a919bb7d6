/**
 * The OperationStore contract, an operation's later life: cancel (queued, running, owed cleanups
 * skipped or still run), recovery of a dead worker's steps, the event log in commit order, and the
 * list with its date range in SQL. The claim/complete half is operation-store.contract.ts.
 */
import { describe, expect, it } from 'vitest';
import type { BackupPlan } from '../../../server/engine/plan-types';
import type { ClaimedStep, OperationEvent } from '../ports/operation-store';
import {
  at,
  backupPlanOf,
  LEASE,
  type OperationStoreFixture,
  operationStoreHarness,
  step,
  T0,
} from './operation-store.contract';

export function runOperationStoreLifecycleContract(
  name: string,
  create: () => Promise<OperationStoreFixture>,
): void {
  describe(`OperationStore contract: ${name}`, () => {
    const h = operationStoreHarness(create);
    const { enqueue, statusOf, stepStatuses, runUntil, runToEnd } = h;

    describe('cancel', () => {
      it('ends a queued operation at once, recording who cancelled', async () => {
        const op = await enqueue(['a']);
        expect(await h.store.cancel(op.id, at(1), 'user:9')).toBe('cancelled');
        expect(await h.store.get(op.id)).toMatchObject({ status: 'cancelled', cancelledBy: 'user:9' });
        expect(Object.values(await stepStatuses(op.id)).every((status) => status === 'cancelled')).toBe(true);
        expect(await h.store.cancel(op.id, at(2), 'user:9')).toBe('already-final');
      });

      it('skips owed cleanups of steps that never started, however many come before the next step', async () => {
        // More cleanups to skip before the next step than a claim reads at a time.
        const copies = Array.from({ length: 11 }, (_, i) =>
          step(`vm:a:copy-${i}`, 'copy-to-repository', 'a'),
        );
        const undos = copies.map((copy, i) => step(`vm:a:undo-${i}`, 'delete-point', 'a', copy.key));
        const plan: BackupPlan = {
          ...backupPlanOf(['a']),
          steps: [
            step('vm:a:check', 'check', 'a'),
            ...undos,
            ...copies,
            step('vm:a:catalog', 'catalog', 'a'),
          ],
        };
        const op = await h.store.enqueue(
          plan,
          {},
          { id: h.nextOperationId(), now: T0, requestedBy: 'user:7' },
        );
        const check = (await h.store.claimNext({ workerId: 'w1', now: T0, leaseMs: LEASE })) as ClaimedStep;
        expect(check.step.key).toBe('vm:a:check');
        expect(check.operation.planJson).toEqual(plan);
        await h.store.completeStep(
          check,
          { status: 'succeeded' },
          { workerId: 'w1', now: T0, leaseMs: LEASE },
        );
        const copy = (await h.store.claimNext({ workerId: 'w1', now: at(1), leaseMs: LEASE })) as ClaimedStep;
        expect(copy.step.key).toBe('vm:a:copy-0');
        const rows = await h.store.steps(op.id);
        const undone = rows.filter((row) => row.key.startsWith('vm:a:undo-'));
        expect(undone.map((row) => [row.status, row.error])).toEqual(
          undos.map(() => ['skipped', 'nothing to undo: "copy-to-repository a" never started']),
        );
        await h.store.cancel(op.id, at(2), 'user:9');
        await h.store.completeStep(copy, { status: 'succeeded' }, { workerId: 'w1', now: at(3) });
        expect(await h.store.claimNext({ workerId: 'w1', now: at(4), leaseMs: LEASE })).toBeNull();
        expect(await h.store.get(op.id)).toMatchObject({ status: 'cancelled', cancelledBy: 'user:9' });
        expect(await stepStatuses(op.id)).toMatchObject({
          'vm:a:copy-0': 'succeeded',
          'vm:a:copy-1': 'cancelled',
        });
      });

      it('a running operation becomes cancelling: its worker sees it, its owed cleanup still runs', async () => {
        const op = await enqueue(['a']);
        const freeze = await runUntil('w1', 'vm:a:guest-freeze');
        await h.store.completeStep(
          freeze,
          { status: 'succeeded' },
          { workerId: 'w1', now: T0, leaseMs: LEASE },
        );
        const thaw = (await h.store.claimNext({ workerId: 'w1', now: T0, leaseMs: LEASE })) as ClaimedStep;
        expect(await h.store.cancel(op.id, at(1), 'user:9')).toBe('cancelling');
        expect(await h.store.renewLease('w1', op.id, at(2), LEASE)).toEqual({
          isOwner: true,
          isCancelling: true,
        });
        expect(await h.store.cancel(op.id, at(2), 'user:9')).toBe('cancelling');
        await h.store.completeStep(thaw, { status: 'succeeded' }, { workerId: 'w1', now: at(3) });
        await runToEnd('w1', at(4));
        expect(await h.store.get(op.id)).toMatchObject({ status: 'cancelled', cancelledBy: 'user:9' });
        expect(await stepStatuses(op.id)).toMatchObject({
          'vm:a:guest-thaw': 'succeeded',
          'vm:a:copy': 'cancelled',
        });
        expect(await h.store.findLeakedLocks()).toEqual([]);
        expect(await h.store.cancel('nope', at(5), 'user:9').catch((error: Error) => error.message)).toMatch(
          /does not exist/,
        );
      });
    });

    describe('recovery', () => {
      it.each([
        ['vm:a:check', 'resume', 'running'],
        ['vm:a:guest-freeze', 'interrupt', 'interrupted'],
      ] as const)('worker lost during %s: %s', async (key, decision, statusAfterCleanup) => {
        const op = await enqueue(['a']);
        await runUntil('dead', key);
        const [report] = await h.store.recoverExpiredLeases(at(LEASE + 1));
        expect(report).toMatchObject({ operationId: op.id, decision });
        expect(report?.reason).toMatch(/worker dead stopped/);
        const row = await h.store.get(op.id);
        expect(row).toMatchObject({ leaseOwner: null, attempt: 1 });
        await runToEnd('w2', at(LEASE + 2));
        expect(await statusOf(op.id)).toBe(statusAfterCleanup === 'running' ? 'succeeded' : 'interrupted');
        const recovered = (await h.store.readEventsAfter({ operationId: op.id })).find(
          (event) => event.type === 'operation.recovered',
        );
        expect(recovered?.payload).toMatchObject({ decision, previousOwner: 'dead' });
        expect(await h.store.findLeakedLocks()).toEqual([]);
      });
    });

    describe('events', () => {
      it('are ordered by id across operations, filterable, and published after commit', async () => {
        const seen: OperationEvent[] = [];
        const unsubscribe = h.store.subscribe((event) => seen.push(event));
        const a = await enqueue(['a']);
        const b = await enqueue(['b'], at(1));
        await h.store.appendEvent(a.id, 'step.log', { stepKey: 'x', level: 'info', message: 'note' }, at(2));
        unsubscribe();
        const all = await h.store.readEventsAfter();
        expect(all.map((event) => event.id)).toEqual([...all.map((event) => event.id)].sort((x, y) => x - y));
        expect(new Set(all.map((event) => event.id)).size).toBe(all.length);
        expect(all.map((event) => [event.operationId, event.type])).toEqual([
          [a.id, 'operation.queued'],
          [b.id, 'operation.queued'],
          [a.id, 'step.log'],
        ]);
        expect(seen.map((event) => event.id)).toEqual(all.map((event) => event.id));
        const first = all[0] as OperationEvent;
        expect(
          (await h.store.readEventsAfter({ afterId: first.id })).map((event) => event.operationId),
        ).toEqual([b.id, a.id]);
        expect((await h.store.readEventsAfter({ operationId: a.id })).map((event) => event.type)).toEqual([
          'operation.queued',
          'step.log',
        ]);
        expect(await h.store.readEventsAfter({ limit: 1 })).toHaveLength(1);
        expect(await h.store.lastEventId()).toBe(all.at(-1)?.id);
        expect(await h.store.lastEventId(b.id)).toBe(all[1]?.id);
      });
    });

    it('lists operations newest first with statuses', async () => {
      const a = await enqueue(['a'], T0);
      const b = await enqueue(['b'], at(1));
      const page = await h.store.list({ limit: 10 });
      expect(page.items.map((item) => [item.id, item.stepsTotal])).toEqual([
        [b.id, 5],
        [a.id, 5],
      ]);
      expect(await h.store.statusesOf([a.id, 'missing'])).toEqual(new Map([[a.id, 'queued']]));
      expect([...(await h.store.statusesOf([b.id, 'missing', a.id])).keys()]).toEqual([b.id, a.id]);
    });

    // Each filter set is one kept statement on SQLite (operation-queries.ts): the same shape asked
    // again with other values must answer for those values.
    it('filters the list by status, kind, VM and job, each shape asked with other values', async () => {
      const a = await enqueue(['a'], T0);
      const b = await enqueue(['b'], at(1));
      const ids = async (query: Omit<Parameters<typeof h.store.list>[0], 'limit'>) =>
        (await h.store.list({ ...query, limit: 10 })).items.map((item) => item.id);
      const cases: [Omit<Parameters<typeof h.store.list>[0], 'limit'>, string[]][] = [
        [{ vmId: 'a' }, [a.id]],
        [{ vmId: 'b' }, [b.id]],
        [{ vmId: 'c' }, []],
        [{ status: ['queued'] }, [b.id, a.id]],
        [{ status: ['running'] }, []],
        [{ status: ['running', 'queued'] }, [b.id, a.id]],
        [{ status: [] }, [b.id, a.id]],
        [{ kind: 'backup' }, [b.id, a.id]],
        [{ kind: 'restore' }, []],
        [{ jobId: 'no-job' }, []],
        [{ vmId: 'b', status: ['queued'] }, [b.id]],
        [{ vmId: 'a', status: ['queued'] }, [a.id]],
      ];
      for (const [query, expected] of cases)
        expect(await ids(query), JSON.stringify(query)).toEqual(expected);
    });

    it('filters the list by a date range in SQL (from inclusive, before exclusive), paging within it', async () => {
      const ops = [];
      for (let minute = 0; minute < 5; minute += 1)
        ops.push(await enqueue([`vm${minute}`], at(minute * 60_000)));
      const ids = (page: { items: { id: string }[] }) => page.items.map((item) => item.id);
      const [op0, op1, op2, op3] = ops.map((op) => op.id);
      const range = { createdFrom: at(60_000), createdBefore: at(4 * 60_000) };
      expect(ids(await h.store.list({ ...range, limit: 10 }))).toEqual([op3, op2, op1]);
      const first = await h.store.list({ ...range, limit: 2 });
      expect(ids(first)).toEqual([op3, op2]);
      const second = await h.store.list({ ...range, limit: 2, cursor: first.nextCursor ?? undefined });
      expect(ids(second)).toEqual([op1]);
      expect(second.nextCursor).toBeNull();
      expect(ids(await h.store.list({ createdBefore: at(60_000), limit: 10 }))).toEqual([op0]);
      expect(ids(await h.store.list({ createdFrom: at(5 * 60_000), limit: 10 }))).toEqual([]);
    });
  });
}
