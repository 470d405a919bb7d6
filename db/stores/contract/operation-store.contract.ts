/**
 * The OperationStore contract: what every implementation (SQLite now, PostgreSQL next) must do.
 * Run it from an implementation's test file with a factory that returns fresh, empty stores.
 * Plans are written by hand here so the suite depends on no inventory or planner.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DriverError } from '../../../server/engine/driver';
import { emptyInventory } from '../../../server/engine/inventory';
import type { BackupPlan, PlanStep } from '../../../server/engine/plan-types';
import type { InventoryStore, OperationStore } from '../ports';
import type { ClaimedStep, OperationEvent } from '../ports/operation-store';

export interface OperationStoreFixture {
  operations: OperationStore;
  /** The same database's inventory: where a waiting reason finds the names of hosts and arrays. */
  inventory: InventoryStore;
  close(): Promise<void>;
}

const T0 = new Date('2026-03-01T10:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const LEASE = 1000;
const FAST_RETRY = { maxAttempts: 2, baseDelayMs: 100, maxDelayMs: 100 };

function step(
  key: string,
  kind: PlanStep['kind'],
  vmId: string | null,
  undoes: string | null = null,
): PlanStep {
  return {
    key,
    kind,
    title: `${kind} ${vmId ?? ''}`.trim(),
    vmId,
    hostVolumeId: null,
    arrayVolumeId: null,
    undoes,
    params: {},
  };
}

/** A backup of `vmIds` on host h1: per VM check → freeze → thaw (undoes freeze) → copy → catalog. */
export function backupPlanOf(
  vmIds: string[],
  options: { lockKeys?: string[]; hostIds?: string[] } = {},
): BackupPlan {
  return {
    kind: 'backup',
    vms: vmIds.map((vmId) => ({
      vmId,
      vmName: `${vmId}-name`,
      method: 'hyperv-vss',
      expectedConsistency: 'application',
      excludedDiskIds: [],
      captureState: 'online',
      isCoCaptured: false,
      restorePointId: `rp-${vmId}`,
    })),
    steps: vmIds.flatMap((vmId) => [
      step(`vm:${vmId}:check`, 'check', vmId),
      step(`vm:${vmId}:guest-freeze`, 'guest-freeze', vmId),
      step(`vm:${vmId}:guest-thaw`, 'guest-thaw', vmId, `vm:${vmId}:guest-freeze`),
      step(`vm:${vmId}:copy`, 'copy-to-repository', vmId),
      step(`vm:${vmId}:catalog`, 'catalog', vmId),
    ]),
    findings: [],
    isRunnable: true,
    blockedReasons: [],
    lockKeys: options.lockKeys ?? vmIds.map((vmId) => `vm:${vmId}`),
    hostIds: options.hostIds ?? ['h1'],
    arrayIds: [],
  };
}

export function runOperationStoreContract(name: string, create: () => Promise<OperationStoreFixture>): void {
  describe(`OperationStore contract: ${name}`, () => {
    let fixture: OperationStoreFixture;
    let store: OperationStore;
    let counter = 0;
    beforeEach(async () => {
      fixture = await create();
      store = fixture.operations;
    });
    afterEach(async () => {
      await fixture.close();
    });

    async function enqueue(vmIds: string[], now = T0, options: Parameters<typeof backupPlanOf>[1] = {}) {
      return store.enqueue(
        backupPlanOf(vmIds, options),
        { vmIds },
        { id: `op-${++counter}`, now, requestedBy: 'user:7' },
      );
    }

    async function statusOf(operationId: string) {
      return (await store.get(operationId))?.status;
    }

    async function stepStatuses(operationId: string) {
      return Object.fromEntries((await store.steps(operationId)).map((row) => [row.key, row.status]));
    }

    /** Claims and succeeds steps as `worker` until `stopKey` is claimed (returned, left running). */
    async function runUntil(worker: string, stopKey: string, now = T0): Promise<ClaimedStep> {
      for (;;) {
        const claimed = await store.claimNext({ workerId: worker, now, leaseMs: LEASE });
        if (!claimed) throw new Error(`never reached ${stopKey}`);
        if (claimed.step.key === stopKey) return claimed;
        await store.completeStep(claimed, { status: 'succeeded' }, { workerId: worker, now, leaseMs: LEASE });
      }
    }

    async function runToEnd(worker: string, now = T0): Promise<void> {
      for (;;) {
        const claimed = await store.claimNext({ workerId: worker, now, leaseMs: LEASE });
        if (!claimed) return;
        await store.completeStep(claimed, { status: 'succeeded' }, { workerId: worker, now, leaseMs: LEASE });
      }
    }

    describe('enqueue', () => {
      it('writes the operation, its steps in plan order, its requester and its queued event', async () => {
        const op = await enqueue(['a']);
        expect(op).toMatchObject({
          status: 'queued',
          kind: 'backup',
          requestedBy: 'user:7',
          title: 'Backup a-name (hyperv-vss)',
        });
        expect((await store.steps(op.id)).map((row) => [row.key, row.status, row.isCleanup])).toEqual([
          ['vm:a:check', 'pending', false],
          ['vm:a:guest-freeze', 'pending', false],
          ['vm:a:guest-thaw', 'pending', true],
          ['vm:a:copy', 'pending', false],
          ['vm:a:catalog', 'pending', false],
        ]);
        const events = await store.readEventsAfter({ operationId: op.id });
        expect(events.map((event) => event.type)).toEqual(['operation.queued']);
      });

      it('refuses a plan with two steps under one key, or a blocked plan, and writes nothing', async () => {
        const plan = backupPlanOf(['a']);
        plan.steps.push(plan.steps[0] as PlanStep);
        await expect(store.enqueue(plan, {}, { id: 'dup', now: T0, requestedBy: 'system' })).rejects.toThrow(
          /two steps/,
        );
        const blocked = { ...backupPlanOf(['a']), isRunnable: false, blockedReasons: ['no'] };
        await expect(
          store.enqueue(blocked, {}, { id: 'blk', now: T0, requestedBy: 'system' }),
        ).rejects.toThrow(/not runnable/);
        expect(await store.get('dup')).toBeNull();
        expect(await store.get('blk')).toBeNull();
        expect(await store.lastEventId()).toBe(0);
      });

      it('records a blocked run as a failed operation without steps', async () => {
        const plan = {
          ...backupPlanOf(['a']),
          isRunnable: false,
          blockedReasons: ['host h1 is unreachable'],
        };
        const op = await store.recordBlocked(
          plan,
          {},
          { id: 'blocked-1', now: T0, requestedBy: 'scheduler', title: 'Backup job nightly' },
        );
        expect(op).toMatchObject({
          status: 'failed',
          error: 'blocked: host h1 is unreachable',
          requestedBy: 'scheduler',
          title: 'Backup job nightly',
        });
        expect(await store.steps(op.id)).toEqual([]);
        expect((await store.readEventsAfter({ operationId: op.id })).map((event) => event.type)).toEqual([
          'operation.finished',
        ]);
      });
    });

    describe('claim and leases', () => {
      it('admits, leases the first step, and hides a leased operation from other workers', async () => {
        const op = await enqueue(['a']);
        const claimed = await store.claimNext({ workerId: 'w1', now: T0, leaseMs: LEASE });
        expect(claimed).toMatchObject({
          operation: { id: op.id, leaseOwner: 'w1' },
          step: { key: 'vm:a:check', status: 'running', attempts: 1 },
        });
        expect(claimed?.planStep.key).toBe('vm:a:check');
        expect(await statusOf(op.id)).toBe('running');
        expect(await store.claimNext({ workerId: 'w2', now: at(10), leaseMs: LEASE })).toBeNull();
        expect(await store.claimNext({ workerId: 'w1', now: at(10), leaseMs: LEASE })).toBeNull(); // its step runs
        const types = (await store.readEventsAfter({ operationId: op.id })).map((event) => event.type);
        expect(types).toEqual(['operation.queued', 'operation.started', 'step.started']);
      });

      it('frees the operation between steps, except inside a freeze window', async () => {
        const op = await enqueue(['a']);
        const check = (await store.claimNext({ workerId: 'w1', now: T0, leaseMs: LEASE })) as ClaimedStep;
        await store.completeStep(check, { status: 'succeeded' }, { workerId: 'w1', now: T0, leaseMs: LEASE });
        expect((await store.get(op.id))?.leaseOwner).toBeNull();
        const freeze = (await store.claimNext({ workerId: 'w2', now: T0, leaseMs: LEASE })) as ClaimedStep;
        expect(freeze.step.key).toBe('vm:a:guest-freeze');
        await store.completeStep(
          freeze,
          { status: 'succeeded' },
          { workerId: 'w2', now: T0, leaseMs: LEASE },
        );
        expect((await store.get(op.id))?.leaseOwner).toBe('w2'); // thaw owed: w2 keeps the lease
        expect(await store.claimNext({ workerId: 'w1', now: at(10), leaseMs: LEASE })).toBeNull();
        expect((await store.claimNext({ workerId: 'w2', now: at(10), leaseMs: LEASE }))?.step.key).toBe(
          'vm:a:guest-thaw',
        );
      });

      it('renews its own lease even late when nobody took over; refuses a stolen lease', async () => {
        const op = await enqueue(['a']);
        const claimed = (await store.claimNext({ workerId: 'w1', now: T0, leaseMs: LEASE })) as ClaimedStep;
        // A stalled event loop: the renewal comes 31 s late, nobody recovered the operation.
        expect(await store.renewLease('w1', op.id, at(31_000), LEASE)).toEqual({
          isOwner: true,
          isCancelling: false,
        });
        expect((await store.get(op.id))?.leaseExpiresAt?.getTime()).toBe(at(31_000 + LEASE).getTime());
        // Now another worker declares it dead and takes over.
        const [report] = await store.recoverExpiredLeases(at(40_000), { exceptOwner: 'w2' });
        expect(report).toMatchObject({ operationId: op.id, decision: 'resume' });
        const stolen = (await store.claimNext({
          workerId: 'w2',
          now: at(40_000),
          leaseMs: LEASE,
        })) as ClaimedStep;
        expect(stolen.step.key).toBe('vm:a:check');
        expect(await store.renewLease('w1', op.id, at(40_001), LEASE)).toEqual({
          isOwner: false,
          isCancelling: false,
        });
        expect(
          await store.completeStep(claimed, { status: 'succeeded' }, { workerId: 'w1', now: at(40_002) }),
        ).toBe(false);
        expect((await store.steps(op.id))[0]).toMatchObject({ status: 'running', attempts: 2 });
        expect(
          await store.completeStep(stolen, { status: 'succeeded' }, { workerId: 'w2', now: at(40_003) }),
        ).toBe(true);
      });

      it('a worker never recovers its own lease; any other worker does once it expired', async () => {
        const op = await enqueue(['a']);
        await store.claimNext({ workerId: 'w1', now: T0, leaseMs: LEASE });
        expect(await store.recoverExpiredLeases(at(LEASE - 1))).toEqual([]);
        expect(await store.recoverExpiredLeases(at(LEASE + 1), { exceptOwner: 'w1' })).toEqual([]);
        expect(await statusOf(op.id)).toBe('running');
        expect(await store.recoverExpiredLeases(at(LEASE + 1), { exceptOwner: 'w2' })).toHaveLength(1);
      });
    });

    describe('admission', () => {
      it('locks taken while running hold off a queued operation as plan locks do, and go with the operation', async () => {
        const holder = await enqueue(['a']);
        const other = await enqueue(['b']);
        const claimed = [await store.claimNext({ workerId: 'w1', now: T0, leaseMs: LEASE })];
        expect(await statusOf(holder.id)).toBe('running');
        expect(await statusOf(other.id)).toBe('running');
        // b's lock is another operation's: left out; the point's is taken.
        expect(await store.acquireLocks(holder.id, ['point:p1', 'vm:b', 'point:p1'], at(1))).toEqual([
          'point:p1',
        ]);
        // A finished or unknown operation takes none (they would never be released).
        expect(await store.acquireLocks('op-unknown', ['point:p9'], at(1))).toEqual([]);

        const reader = await enqueue(['c'], at(2), { lockKeys: ['vm:c', 'point:p1'] });
        claimed.push(await store.claimNext({ workerId: 'w1', now: at(3), leaseMs: LEASE }));
        expect(await statusOf(reader.id)).toBe('waiting');
        expect((await store.get(reader.id))?.waitingReason).toContain('point:p1');

        for (const step of claimed) {
          await store.completeStep(
            step as ClaimedStep,
            { status: 'succeeded' },
            { workerId: 'w1', now: at(4) },
          );
        }
        await runToEnd('w1', at(4));
        expect(await statusOf(holder.id)).toBe('succeeded');
        expect(await statusOf(reader.id)).toBe('succeeded');
        expect(await store.findLeakedLocks()).toEqual([]);
      });

      it('a conflicting operation waits with the lock holder named, and starts when the lock is free', async () => {
        const first = await enqueue(['a'], T0);
        const second = await enqueue(['a'], at(1));
        const check = (await store.claimNext({ workerId: 'w1', now: at(2), leaseMs: LEASE })) as ClaimedStep;
        expect(check.operation.id).toBe(first.id);
        const waiting = await store.get(second.id);
        expect(waiting).toMatchObject({
          status: 'waiting',
          waitingReason: `waits for lock vm:a held by operation ${first.id}`,
        });
        await store.completeStep(check, { status: 'succeeded' }, { workerId: 'w1', now: at(3) });
        await runToEnd('w1', at(3));
        expect(await statusOf(first.id)).toBe('succeeded');
        expect(await statusOf(second.id)).toBe('succeeded');
        expect(await store.findLeakedLocks()).toEqual([]);
      });

      it('respects the per-host limit', async () => {
        const ops = [await enqueue(['a'], T0), await enqueue(['b'], at(1)), await enqueue(['c'], at(2))];
        await store.claimNext({
          workerId: 'w1',
          now: at(3),
          leaseMs: LEASE,
          limits: { perHost: 2, perArray: 2 },
        });
        expect(await Promise.all(ops.map((op) => statusOf(op.id)))).toEqual([
          'running',
          'running',
          'waiting',
        ]);
        expect((await store.get(ops[2]?.id as string))?.waitingReason).toMatch(/host/);
      });
      it('names the host and the array a limit waits on, as the inventory names them', async () => {
        await fixture.inventory.importInventory({
          mode: 'replace',
          validate: () => ({
            ...emptyInventory(),
            hosts: [
              {
                id: 'h1',
                name: 'hv-prod-01',
                kind: 'hyperv',
                version: '2022',
                pool: null,
                hasVssAwareProduct: true,
                offersQuiescedSnapshots: false,
                connector: 'lab',
              },
            ],
            arrays: [
              {
                id: 'ontap:c1',
                name: 'cluster1',
                vendor: 'netapp',
                supportsSnapshots: true,
                connector: 'ontap',
              },
            ],
          }),
          assess: () => [],
          record: { id: 'import-1', createdAt: T0, requestedBy: 'user:7' },
        });
        const onArray = (vmIds: string[], hostIds: string[]) => ({
          ...backupPlanOf(vmIds, { hostIds }),
          arrayIds: ['ontap:c1'],
        });
        const ops = [];
        for (const [n, plan] of [
          onArray(['a'], ['h1']),
          onArray(['b'], ['h1']),
          onArray(['c'], ['h9']),
        ].entries()) {
          ops.push(
            await store.enqueue(
              plan,
              { vmIds: plan.vms.map((vm) => vm.vmId) },
              { id: `op-${++counter}`, now: at(n), requestedBy: 'user:7' },
            ),
          );
        }
        ops.push(await enqueue(['d'], at(5), { hostIds: ['h1'] }));
        await store.claimNext({
          workerId: 'w1',
          now: at(6),
          leaseMs: LEASE,
          limits: { perHost: 2, perArray: 2 },
        });
        const reasons = await Promise.all(
          ops.map(async (op) => (await store.get(op.id))?.waitingReason ?? null),
        );
        expect(reasons).toEqual([
          null,
          null,
          'array cluster1 has 2 running operations (limit 2)',
          'host hv-prod-01 has 2 running operations (limit 2)',
        ]);
      });

      it('lists the active operations whose plan touches an array, oldest first, and no others', async () => {
        const onArray = (vmId: string, arrayIds: string[]) => ({ ...backupPlanOf([vmId]), arrayIds });
        const older = await store.enqueue(
          onArray('a', ['ontap:c1']),
          { vmIds: ['a'] },
          {
            id: 'op-old',
            now: T0,
            requestedBy: 'user:7',
            title: 'Back up a',
          },
        );
        await store.enqueue(
          onArray('b', ['ontap:c2']),
          { vmIds: ['b'] },
          { id: 'op-other', now: at(1), requestedBy: 'user:7' },
        );
        const both = await store.enqueue(
          onArray('c', ['eql:g1', 'ontap:c1']),
          { vmIds: ['c'] },
          {
            id: 'op-both',
            now: at(2),
            requestedBy: 'user:7',
            title: 'Back up c',
          },
        );
        await enqueue(['d'], at(3));
        expect(await store.activeOnArray('ontap:c1')).toEqual([
          { id: older.id, title: 'Back up a' },
          { id: both.id, title: 'Back up c' },
        ]);
        await store.cancel(older.id, at(4), 'user:7');
        expect((await store.activeOnArray('ontap:c1')).map((op) => op.id)).toEqual([both.id]);
        expect(await store.activeOnArray('ontap:none')).toEqual([]);
      });

      it('concurrent workers never lease one operation twice nor run conflicting operations together', async () => {
        // Scopes overlap on purpose: each operation locks two of six VMs.
        const vms = ['a', 'b', 'c', 'd', 'e', 'f'];
        const ops = [];
        for (let n = 0; n < 12; n++) {
          const pair = [vms[n % 6] as string, vms[(n * 5 + 1) % 6] as string];
          ops.push(await enqueue(pair, at(n), { lockKeys: [...new Set(pair)].map((vm) => `vm:${vm}`) }));
        }
        const ids = ops.map((op) => op.id);
        const leased = new Map<string, string>(); // operation → worker holding its running step
        const work = async (worker: string) => {
          for (let round = 0; round < 2000; round++) {
            const claimed = await store.claimNext({ workerId: worker, now: at(100), leaseMs: 60_000 });
            if (!claimed) {
              const statuses = await store.statusesOf(ids);
              if ([...statuses.values()].every((status) => status === 'succeeded')) return;
              await new Promise((resolve) => setImmediate(resolve)); // let the other workers move
              continue;
            }
            const holder = leased.get(claimed.operation.id);
            expect(holder, `${claimed.operation.id} leased by ${holder} and ${worker}`).toBeUndefined();
            leased.set(claimed.operation.id, worker);
            await new Promise((resolve) => setImmediate(resolve));
            leased.delete(claimed.operation.id);
            await store.completeStep(
              claimed,
              { status: 'succeeded' },
              { workerId: worker, now: at(100), leaseMs: 60_000 },
            );
          }
          throw new Error(`${worker} never saw every operation end`);
        };
        await Promise.all(['w1', 'w2', 'w3', 'w4'].map(work));
        // Replay in event order (ids follow commit order): a lock is never granted while held.
        const held = new Map<string, string>();
        const finished = new Map<string, number>();
        for (const event of await store.readEventsAfter({ limit: 5000 })) {
          if (event.type === 'operation.started') {
            for (const key of (event as OperationEvent<'operation.started'>).payload.lockKeys) {
              expect(held.get(key), `${key} granted to ${event.operationId} while held`).toBeUndefined();
              held.set(key, event.operationId);
            }
          } else if (event.type === 'operation.finished') {
            finished.set(event.operationId, (finished.get(event.operationId) ?? 0) + 1);
            for (const [key, owner] of held) if (owner === event.operationId) held.delete(key);
          }
        }
        expect([...finished.values()]).toEqual(ids.map(() => 1));
        expect(await store.findLeakedLocks()).toEqual([]);
      });
    });

    describe('complete and fail', () => {
      it('retries a retryable driver failure with backoff, then gives up and fails the operation', async () => {
        const op = await enqueue(['a']);
        const first = (await store.claimNext({ workerId: 'w1', now: T0, leaseMs: LEASE })) as ClaimedStep;
        const fault = new DriverError('host-unreachable', 'host h1 unreachable', { isRetryable: true });
        await store.completeStep(
          first,
          { status: 'failed', error: fault },
          { workerId: 'w1', now: T0, retry: FAST_RETRY },
        );
        expect((await store.steps(op.id))[0]).toMatchObject({
          status: 'pending',
          error: 'host h1 unreachable',
          faultCode: 'host-unreachable',
        });
        expect(await store.claimNext({ workerId: 'w1', now: at(99), leaseMs: LEASE })).toBeNull();
        const second = (await store.claimNext({
          workerId: 'w1',
          now: at(100),
          leaseMs: LEASE,
        })) as ClaimedStep;
        expect(second.step.attempts).toBe(2);
        await store.completeStep(
          second,
          { status: 'failed', error: fault },
          { workerId: 'w1', now: at(100), retry: FAST_RETRY },
        );
        expect(await statusOf(op.id)).toBe('running'); // its cleanups are decided at the next claim
        // The thaw's freeze never started: it is skipped, and the operation ends.
        expect(await store.claimNext({ workerId: 'w1', now: at(101), leaseMs: LEASE })).toBeNull();
        expect((await stepStatuses(op.id))['vm:a:guest-thaw']).toBe('skipped');
        const operation = await store.get(op.id);
        expect(operation).toMatchObject({ status: 'failed' });
        expect(operation?.error).toMatch(/gave up after 2 attempts/);
        const types = (await store.readEventsAfter({ operationId: op.id })).map((event) => event.type);
        expect(types).toContain('step.retrying');
        expect(await store.findLeakedLocks()).toEqual([]);
      });

      it('a failure naming one VM fails that VM only; its owed thaw still runs', async () => {
        const op = await enqueue(['a', 'b']);
        const freezeA = await runUntil('w1', 'vm:a:guest-freeze');
        await store.completeStep(
          freezeA,
          { status: 'succeeded' },
          { workerId: 'w1', now: T0, leaseMs: LEASE },
        );
        const thaw = await runUntil('w1', 'vm:a:guest-thaw');
        await store.completeStep(thaw, { status: 'succeeded' }, { workerId: 'w1', now: T0 });
        const copyA = await runUntil('w1', 'vm:a:copy');
        await store.completeStep(
          copyA,
          { status: 'failed', error: new Error('disk gone') },
          { workerId: 'w1', now: T0 },
        );
        expect(await stepStatuses(op.id)).toMatchObject({
          'vm:a:copy': 'failed',
          'vm:a:catalog': 'skipped',
          'vm:b:check': 'pending',
        });
        expect(await statusOf(op.id)).toBe('running');
        await runToEnd('w1');
        const done = await store.get(op.id);
        expect(done?.status).toBe('failed');
        expect(done?.error).toBe('a: disk gone');
        expect(await stepStatuses(op.id)).toMatchObject({
          'vm:b:catalog': 'succeeded',
          'vm:a:guest-thaw': 'succeeded',
        });
      });

      it('a degraded step or a step warning ends the operation succeeded with warnings, in words', async () => {
        const op = await enqueue(['a', 'b']);
        for (;;) {
          const claimed = await store.claimNext({ workerId: 'w1', now: T0, leaseMs: LEASE });
          if (!claimed) break;
          const outcome =
            claimed.step.key === 'vm:a:guest-freeze'
              ? ({ status: 'degraded', reason: 'fallback: freeze of a timed out after 60 s' } as const)
              : claimed.step.key === 'vm:b:catalog'
                ? ({ status: 'succeeded', warning: 'the point of b leaves out disk b-pt' } as const)
                : ({ status: 'succeeded' } as const);
          await store.completeStep(claimed, outcome, { workerId: 'w1', now: T0, leaseMs: LEASE });
        }
        const done = await store.get(op.id);
        expect(done?.status).toBe('succeeded-with-warnings');
        expect(done?.warningsJson).toEqual([
          'guest-freeze a: fallback: freeze of a timed out after 60 s',
          'catalog b: the point of b leaves out disk b-pt',
        ]);
        const steps = await store.steps(op.id);
        expect(steps.find((row) => row.key === 'vm:b:catalog')).toMatchObject({
          status: 'succeeded',
          warning: 'the point of b leaves out disk b-pt',
        });
        const finished = (await store.readEventsAfter({ operationId: op.id })).at(-1);
        expect(finished).toMatchObject({
          type: 'operation.finished',
          payload: { status: 'succeeded-with-warnings', warnings: done?.warningsJson },
        });
        const [listed] = (await store.list({ limit: 10 })).items;
        expect(listed).toMatchObject({ status: 'succeeded-with-warnings', warnings: done?.warningsJson });
        // Without any warning the same run is plainly succeeded.
        const clean = await enqueue(['c']);
        await runToEnd('w1');
        expect(await store.get(clean.id)).toMatchObject({ status: 'succeeded', warningsJson: [] });
      });

      it('records progress and log lines with their events', async () => {
        const op = await enqueue(['a']);
        const claimed = (await store.claimNext({ workerId: 'w1', now: T0, leaseMs: LEASE })) as ClaimedStep;
        await store.recordProgress(claimed.step, 512, at(1), 1024);
        await store.appendLog(claimed.step, 'info', 'half way', at(2));
        expect((await store.steps(op.id))[0]).toMatchObject({ bytesDone: 512, bytesTotal: 1024 });
        expect((await store.logs(op.id, 10)).map((log) => [log.level, log.message])).toEqual([
          ['info', 'half way'],
        ]);
        const types = (await store.readEventsAfter({ operationId: op.id })).map((event) => event.type);
        expect(types.slice(-2)).toEqual(['step.progress', 'step.log']);
      });
    });

    describe('cancel', () => {
      it('ends a queued operation at once, recording who cancelled', async () => {
        const op = await enqueue(['a']);
        expect(await store.cancel(op.id, at(1), 'user:9')).toBe('cancelled');
        expect(await store.get(op.id)).toMatchObject({ status: 'cancelled', cancelledBy: 'user:9' });
        expect(Object.values(await stepStatuses(op.id)).every((status) => status === 'cancelled')).toBe(true);
        expect(await store.cancel(op.id, at(2), 'user:9')).toBe('already-final');
      });

      it('a running operation becomes cancelling: its worker sees it, its owed cleanup still runs', async () => {
        const op = await enqueue(['a']);
        const freeze = await runUntil('w1', 'vm:a:guest-freeze');
        await store.completeStep(
          freeze,
          { status: 'succeeded' },
          { workerId: 'w1', now: T0, leaseMs: LEASE },
        );
        const thaw = (await store.claimNext({ workerId: 'w1', now: T0, leaseMs: LEASE })) as ClaimedStep;
        expect(await store.cancel(op.id, at(1), 'user:9')).toBe('cancelling');
        expect(await store.renewLease('w1', op.id, at(2), LEASE)).toEqual({
          isOwner: true,
          isCancelling: true,
        });
        expect(await store.cancel(op.id, at(2), 'user:9')).toBe('cancelling');
        await store.completeStep(thaw, { status: 'succeeded' }, { workerId: 'w1', now: at(3) });
        await runToEnd('w1', at(4));
        expect(await store.get(op.id)).toMatchObject({ status: 'cancelled', cancelledBy: 'user:9' });
        expect(await stepStatuses(op.id)).toMatchObject({
          'vm:a:guest-thaw': 'succeeded',
          'vm:a:copy': 'cancelled',
        });
        expect(await store.findLeakedLocks()).toEqual([]);
        expect(await store.cancel('nope', at(5), 'user:9').catch((error: Error) => error.message)).toMatch(
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
        const [report] = await store.recoverExpiredLeases(at(LEASE + 1));
        expect(report).toMatchObject({ operationId: op.id, decision });
        expect(report?.reason).toMatch(/worker dead stopped/);
        const row = await store.get(op.id);
        expect(row).toMatchObject({ leaseOwner: null, attempt: 1 });
        await runToEnd('w2', at(LEASE + 2));
        expect(await statusOf(op.id)).toBe(statusAfterCleanup === 'running' ? 'succeeded' : 'interrupted');
        const recovered = (await store.readEventsAfter({ operationId: op.id })).find(
          (event) => event.type === 'operation.recovered',
        );
        expect(recovered?.payload).toMatchObject({ decision, previousOwner: 'dead' });
        expect(await store.findLeakedLocks()).toEqual([]);
      });
    });

    describe('events', () => {
      it('are ordered by id across operations, filterable, and published after commit', async () => {
        const seen: OperationEvent[] = [];
        const unsubscribe = store.subscribe((event) => seen.push(event));
        const a = await enqueue(['a']);
        const b = await enqueue(['b'], at(1));
        await store.appendEvent(a.id, 'step.log', { stepKey: 'x', level: 'info', message: 'note' }, at(2));
        unsubscribe();
        const all = await store.readEventsAfter();
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
          (await store.readEventsAfter({ afterId: first.id })).map((event) => event.operationId),
        ).toEqual([b.id, a.id]);
        expect((await store.readEventsAfter({ operationId: a.id })).map((event) => event.type)).toEqual([
          'operation.queued',
          'step.log',
        ]);
        expect(await store.readEventsAfter({ limit: 1 })).toHaveLength(1);
        expect(await store.lastEventId()).toBe(all.at(-1)?.id);
        expect(await store.lastEventId(b.id)).toBe(all[1]?.id);
      });
    });

    it('lists operations newest first with statuses', async () => {
      const a = await enqueue(['a'], T0);
      const b = await enqueue(['b'], at(1));
      const page = await store.list({ limit: 10 });
      expect(page.items.map((item) => [item.id, item.stepsTotal])).toEqual([
        [b.id, 5],
        [a.id, 5],
      ]);
      expect(await store.statusesOf([a.id, 'missing'])).toEqual(new Map([[a.id, 'queued']]));
    });
  });
}
