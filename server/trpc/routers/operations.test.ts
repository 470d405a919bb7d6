import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeDialects } from '../../../db/stores/contract/dialects';
import { createHarness, type Harness } from '../../jobs/test-harness';
import type { Worker } from '../../jobs/worker';
import type { OperationEvent } from '../../services/operations-service';
import { rejectionOf, signedIn } from '../../test-support';
import { fieldErrorsOf } from '../init';
import { createCaller } from '../root';

let h: Harness;
let caller: ReturnType<typeof createCaller>;
/** Runs the operations with explicit passes under the harness clock (no timer, no polling). */
let worker: Worker;

/** A request context on the harness clock, as the server's would be on the wall clock. */
const requestContext = () => signedIn(h.database, 'admin', { now: h.clock.now });

/** Reads events from a subscription until `isLast` says stop, then aborts the stream. */
async function collect(
  iterable: AsyncIterable<unknown>,
  controller: AbortController,
  isLast: (event: OperationEvent) => boolean,
): Promise<{ id: string; event: OperationEvent }[]> {
  const seen: { id: string; event: OperationEvent }[] = [];
  for await (const item of iterable) {
    // tracked(id, data) arrives on the server side as the tuple [id, data, symbol].
    const [id, event] = item as [string, OperationEvent];
    seen.push({ id, event });
    if (isLast(event)) {
      controller.abort();
      break;
    }
  }
  return seen;
}

const dialects = await storeDialects('routerops');

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    beforeEach(async () => {
      h = await createHarness({ dialect });
      caller = createCaller(requestContext());
      worker = h.createWorker();
    });
    afterEach(async () => {
      await h.close();
    });

    describe('operations procedures', () => {
      it('backs up a VM with the recommended method and lets fallback/skip policies apply', async () => {
        const started = await caller.operations.backupVm({ vmId: 'fs1' });
        expect(started.plan.kind).toBe('backup');
        const request = (await caller.operations.get({ id: started.operationId })).operation.request;
        expect(request).toMatchObject({ consistencyPolicy: 'fallback', passthroughPolicy: 'skip' });

        await h.tickUntilFinal(worker, [started.operationId]);
        const detail = await caller.operations.get({ id: started.operationId });
        // fs1's pass-through disk is left out under the skip policy: a success, but not a clean one.
        expect(detail.operation.status).toBe('succeeded-with-warnings');
        expect(detail.operation.warnings.join('\n')).toContain("leaves out pass-through disk 'fs1-pt'");
        const skipped = detail.steps.filter((step) => step.status === 'skipped').length;
        expect(detail.operation).toMatchObject({
          stepsDone: detail.steps.length - skipped,
          stepsNotRun: skipped,
        });
        expect(detail.steps.every((step) => step.status === 'succeeded' || step.status === 'skipped')).toBe(
          true,
        );
        expect(detail.steps.some((step) => step.kind === 'copy-to-repository' && step.bytesDone > 0)).toBe(
          true,
        );
        expect(detail.lastEventId).toBeGreaterThan(0);
      });

      it('refuses a backup of an unknown VM as a precondition, naming the VM', async () => {
        const error = await rejectionOf(() => caller.operations.backupVm({ vmId: 'no-such-vm' }));
        expect(error.code).toBe('PRECONDITION_FAILED');
        expect(error.message).toContain('no-such-vm');
      });

      it('lists with status, kind and VM filters and pages with its cursor', async () => {
        const first = await caller.operations.backupVm({ vmId: 'sql1' });
        const second = await caller.operations.backupVm({ vmId: 'web1' });
        await h.tickUntilFinal(worker, [first.operationId, second.operationId]);

        const bySql = await caller.operations.list({ vmId: 'sql1' });
        expect(bySql.items.map((item) => item.id)).toEqual([first.operationId]);
        expect((await caller.operations.list({ kind: 'restore' })).items).toEqual([]);
        expect((await caller.operations.list({ status: ['running', 'queued'] })).items).toEqual([]);

        const page1 = await caller.operations.list({ status: ['succeeded'], limit: 1 });
        expect(page1.items).toHaveLength(1);
        const page2 = await caller.operations.list({
          status: ['succeeded'],
          limit: 1,
          cursor: page1.nextCursor ?? undefined,
        });
        expect(page2.items).toHaveLength(1);
        expect(page2.items[0]?.id).not.toBe(page1.items[0]?.id);
        expect(page2.nextCursor).toBeNull();
      });

      it('rejects an unknown status filter with the field named', async () => {
        const error = await rejectionOf(() => caller.operations.list({ status: ['sleeping' as never] }));
        expect(error.code).toBe('BAD_REQUEST');
        expect(fieldErrorsOf(error).map((field) => field.path)).toEqual(['status[0]']);
      });

      it('answers NOT_FOUND for an unknown operation and CONFLICT for cancelling or retrying the wrong one', async () => {
        expect((await rejectionOf(() => caller.operations.get({ id: 'op-missing' }))).code).toBe('NOT_FOUND');
        const started = await caller.operations.backupVm({ vmId: 'web1' });
        await h.tickUntilFinal(worker, [started.operationId]);
        const cancel = await rejectionOf(() => caller.operations.cancel({ id: started.operationId }));
        expect(cancel.code).toBe('CONFLICT');
        // Named by its title and its status in words, not by its id.
        expect(cancel.message).toBe(
          '"Backup web1 (XenServer snapshot)" already ended (succeeded); nothing to cancel',
        );
        const retry = await rejectionOf(() => caller.operations.retryFailed({ id: started.operationId }));
        expect(retry.code).toBe('CONFLICT');
        expect(retry.message).toBe(
          '"Backup web1 (XenServer snapshot)" cannot be retried: it succeeded; only failed, interrupted or cancelled operations can be',
        );
      });

      it('cancels a queued operation: it ends cancelled and retry-failed starts it again', async () => {
        const started = await caller.operations.backupVm({ vmId: 'web1' });
        const cancelling = await caller.operations.cancel({ id: started.operationId });
        expect(['cancelling', 'cancelled']).toContain(cancelling.status);
        const [ended] = await h.tickUntilFinal(worker, [started.operationId]);
        expect(ended?.status).toBe('cancelled');
        // Its steps never ran: none of them is "done", in the list and on its page alike.
        const cancelled = await caller.operations.get({ id: started.operationId });
        const listed = (await caller.operations.list({ status: ['cancelled'] })).items.find(
          (item) => item.id === started.operationId,
        );
        for (const progress of [cancelled.operation, listed]) {
          expect(progress).toMatchObject({
            stepsDone: 0,
            stepsFailed: 0,
            stepsNotRun: cancelled.steps.length,
          });
        }

        const retried = await caller.operations.retryFailed({ id: started.operationId });
        // A backup destroys nothing: retried at once, no four-eyes request.
        if ('approvalRequest' in retried) throw new Error('a backup retry needs no approval');
        await h.tickUntilFinal(worker, [retried.operationId]);
        const detail = await caller.operations.get({ id: retried.operationId });
        expect(detail.operation.status).toBe('succeeded');
        expect(detail.operation.retryOfId).toBe(started.operationId);
        // The page links to the earlier run by its title and time, not by its id.
        const earlier = await caller.operations.get({ id: started.operationId });
        expect(detail.operation.retryOf).toEqual({
          id: started.operationId,
          title: earlier.operation.title,
          createdAt: earlier.operation.createdAt,
        });
        expect(earlier.operation.retryOf).toBeNull();
      });
    });

    describe('operations.events subscription', () => {
      it('streams an operation live from start to finish, with tracked ids in order', async () => {
        const started = await caller.operations.backupVm({ vmId: 'web1' });
        const controller = new AbortController();
        const stream = await createCaller(requestContext(), { signal: controller.signal }).operations.events({
          operationId: started.operationId,
        });
        const collecting = collect(stream, controller, (event) => event.type === 'operation.finished');
        await h.tickUntilFinal(worker, [started.operationId]);
        const seen = await collecting;

        const ids = seen.map((item) => Number(item.id));
        expect(ids).toEqual([...ids].sort((a, b) => a - b));
        expect(new Set(ids).size).toBe(ids.length);
        expect(seen.every((item) => item.event.operationId === started.operationId)).toBe(true);
        expect(seen[0]?.event.type).toBe('operation.queued');
        expect(seen.some((item) => item.event.type === 'step.finished')).toBe(true);
        expect(seen.at(-1)?.event.payload).toMatchObject({ status: 'succeeded' });
      });

      it('resumes after lastEventId: replays only what came after it, then ends on abort', async () => {
        const started = await caller.operations.backupVm({ vmId: 'web1' });
        await h.tickUntilFinal(worker, [started.operationId]);
        const all = await collect(
          await createCaller(requestContext()).operations.events({ operationId: started.operationId }),
          new AbortController(),
          (event) => event.type === 'operation.finished',
        );
        const resumeFrom = all[2]?.id as string;

        const controller = new AbortController();
        const stream = await createCaller(requestContext(), { signal: controller.signal }).operations.events({
          operationId: started.operationId,
          lastEventId: resumeFrom,
        });
        const resumed = await collect(stream, controller, (event) => event.type === 'operation.finished');
        expect(resumed.map((item) => item.id)).toEqual(all.slice(3).map((item) => item.id));

        // Nothing more will come for a finished operation: the stream stays open on the bus, lets
        // another operation's events go by, and ends when the client goes away.
        const idle = new AbortController();
        const waiting = collect(
          await createCaller(requestContext(), { signal: idle.signal }).operations.events({
            operationId: started.operationId,
            lastEventId: all.at(-1)?.id,
          }),
          idle,
          () => true,
        );
        const other = await caller.operations.backupVm({ vmId: 'sql1' });
        await h.tickUntilFinal(worker, [other.operationId]);
        idle.abort();
        expect(await waiting).toEqual([]);
      });

      it('without a position, the all-operations stream starts now and carries every operation', async () => {
        const earlier = await caller.operations.backupVm({ vmId: 'web1' });
        await h.tickUntilFinal(worker, [earlier.operationId]);

        const controller = new AbortController();
        const stream = await createCaller(requestContext(), { signal: controller.signal }).operations.events(
          {},
        );
        const collecting = collect(stream, controller, (event) => event.type === 'operation.finished');
        const later = await caller.operations.backupVm({ vmId: 'sql1' });
        await h.tickUntilFinal(worker, [later.operationId]);
        const seen = await collecting;
        expect(seen.length).toBeGreaterThan(1);
        expect(seen.every((item) => item.event.operationId === later.operationId)).toBe(true);
      });

      it('rejects a lastEventId that is not an event id', async () => {
        const error = await rejectionOf(async () => {
          const stream = await caller.operations.events({ lastEventId: 'yesterday' });
          for await (const _ of stream) break;
        });
        expect(error.code).toBe('BAD_REQUEST');
      });
    });
  });
});
