/**
 * The OperationStore contract: what every implementation (SQLite now, PostgreSQL next) must do.
 * Run it from an implementation's test file with a factory that returns fresh, empty stores.
 * Plans are written by hand here so the suite depends on no inventory or planner.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DriverError } from '../../../server/engine/driver';
import type { BackupPlan, PlanStep } from '../../../server/engine/plan-types';
import type { InventoryStore, OperationStore, RestorePointStore } from '../ports';
import type { ClaimedStep } from '../ports/operation-store';

export interface OperationStoreFixture {
  operations: OperationStore;
  /** The same database's inventory: where a waiting reason finds the names of hosts and arrays. */
  inventory: InventoryStore;
  /** The same database's catalogue: where a waiting reason finds the points kept on an array snapshot. */
  restorePoints: RestorePointStore;
  close(): Promise<void>;
}

export const T0 = new Date('2026-03-01T10:00:00Z');
export const at = (ms: number) => new Date(T0.getTime() + ms);
export const LEASE = 1000;
export const FAST_RETRY = { maxAttempts: 2, baseDelayMs: 100, maxDelayMs: 100 };

export function step(
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

/**
 * The fixture and the helpers every part of the contract uses: a fresh store per test (opened in
 * beforeEach, closed in afterEach), enqueueing backups and driving their steps as a worker would.
 */
export function operationStoreHarness(create: () => Promise<OperationStoreFixture>) {
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

  return {
    get store() {
      return store;
    },
    get fixture() {
      return fixture;
    },
    enqueue,
    statusOf,
    stepStatuses,
    runUntil,
    runToEnd,
    /** A fresh operation id, for a test that enqueues its own plan. */
    nextOperationId: () => `op-${++counter}`,
  };
}

export function runOperationStoreContract(name: string, create: () => Promise<OperationStoreFixture>): void {
  describe(`OperationStore contract: ${name}`, () => {
    const h = operationStoreHarness(create);
    const { enqueue, statusOf, stepStatuses, runUntil, runToEnd } = h;
    describe('enqueue', () => {
      it('writes the operation, its steps in plan order, its requester and its queued event', async () => {
        const op = await enqueue(['a']);
        expect(op).toMatchObject({
          status: 'queued',
          kind: 'backup',
          requestedBy: 'user:7',
          title: 'Backup a-name (Hyper-V VSS)',
        });
        expect((await h.store.steps(op.id)).map((row) => [row.key, row.status, row.isCleanup])).toEqual([
          ['vm:a:check', 'pending', false],
          ['vm:a:guest-freeze', 'pending', false],
          ['vm:a:guest-thaw', 'pending', true],
          ['vm:a:copy', 'pending', false],
          ['vm:a:catalog', 'pending', false],
        ]);
        const events = await h.store.readEventsAfter({ operationId: op.id });
        expect(events.map((event) => event.type)).toEqual(['operation.queued']);
      });

      it('refuses a plan with two steps under one key, or a blocked plan, and writes nothing', async () => {
        const plan = backupPlanOf(['a']);
        plan.steps.push(plan.steps[0] as PlanStep);
        await expect(
          h.store.enqueue(plan, {}, { id: 'dup', now: T0, requestedBy: 'system' }),
        ).rejects.toThrow(/two steps/);
        const blocked = { ...backupPlanOf(['a']), isRunnable: false, blockedReasons: ['no'] };
        await expect(
          h.store.enqueue(blocked, {}, { id: 'blk', now: T0, requestedBy: 'system' }),
        ).rejects.toThrow(/not runnable/);
        expect(await h.store.get('dup')).toBeNull();
        expect(await h.store.get('blk')).toBeNull();
        expect(await h.store.lastEventId()).toBe(0);
      });

      it('records a blocked run as a failed operation without steps', async () => {
        const plan = {
          ...backupPlanOf(['a']),
          isRunnable: false,
          blockedReasons: ['host h1 is unreachable'],
        };
        const op = await h.store.recordBlocked(
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
        expect(await h.store.steps(op.id)).toEqual([]);
        expect((await h.store.readEventsAfter({ operationId: op.id })).map((event) => event.type)).toEqual([
          'operation.finished',
        ]);
      });
      it('lists a run the scheduler queued as scheduled, and one a person or the command line started as not', async () => {
        const plan = backupPlanOf(['a']);
        const runs = [
          { id: 'by-scheduler', requestedBy: 'scheduler', isScheduledRun: true },
          { id: 'by-hand', requestedBy: 'user:42', isScheduledRun: false },
          { id: 'from-cli', requestedBy: 'system', isScheduledRun: false },
        ];
        for (const [i, run] of runs.entries()) {
          await h.store.enqueue(plan, {}, { id: run.id, now: at(i), requestedBy: run.requestedBy });
        }
        const listed = (await h.store.list({ limit: 10 })).items;
        expect(listed.map(({ id, isScheduledRun }) => ({ id, isScheduledRun }))).toEqual(
          runs.map(({ id, isScheduledRun }) => ({ id, isScheduledRun })).reverse(),
        );
      });
    });

    describe('claim and leases', () => {
      it('admits, leases the first step, and hides a leased operation from other workers', async () => {
        const op = await enqueue(['a']);
        const claimed = await h.store.claimNext({ workerId: 'w1', now: T0, leaseMs: LEASE });
        expect(claimed).toMatchObject({
          operation: { id: op.id, leaseOwner: 'w1' },
          step: { key: 'vm:a:check', status: 'running', attempts: 1 },
        });
        expect(claimed?.planStep.key).toBe('vm:a:check');
        expect(await statusOf(op.id)).toBe('running');
        expect(await h.store.claimNext({ workerId: 'w2', now: at(10), leaseMs: LEASE })).toBeNull();
        expect(await h.store.claimNext({ workerId: 'w1', now: at(10), leaseMs: LEASE })).toBeNull(); // its step runs
        const types = (await h.store.readEventsAfter({ operationId: op.id })).map((event) => event.type);
        expect(types).toEqual(['operation.queued', 'operation.started', 'step.started']);
      });

      it('frees the operation between steps, except inside a freeze window', async () => {
        const op = await enqueue(['a']);
        const check = (await h.store.claimNext({ workerId: 'w1', now: T0, leaseMs: LEASE })) as ClaimedStep;
        await h.store.completeStep(
          check,
          { status: 'succeeded' },
          { workerId: 'w1', now: T0, leaseMs: LEASE },
        );
        expect((await h.store.get(op.id))?.leaseOwner).toBeNull();
        const freeze = (await h.store.claimNext({ workerId: 'w2', now: T0, leaseMs: LEASE })) as ClaimedStep;
        expect(freeze.step.key).toBe('vm:a:guest-freeze');
        await h.store.completeStep(
          freeze,
          { status: 'succeeded' },
          { workerId: 'w2', now: T0, leaseMs: LEASE },
        );
        expect((await h.store.get(op.id))?.leaseOwner).toBe('w2'); // thaw owed: w2 keeps the lease
        expect(await h.store.claimNext({ workerId: 'w1', now: at(10), leaseMs: LEASE })).toBeNull();
        expect((await h.store.claimNext({ workerId: 'w2', now: at(10), leaseMs: LEASE }))?.step.key).toBe(
          'vm:a:guest-thaw',
        );
      });

      it('renews its own lease even late when nobody took over; refuses a stolen lease', async () => {
        const op = await enqueue(['a']);
        const claimed = (await h.store.claimNext({ workerId: 'w1', now: T0, leaseMs: LEASE })) as ClaimedStep;
        // A stalled event loop: the renewal comes 31 s late, nobody recovered the operation.
        expect(await h.store.renewLease('w1', op.id, at(31_000), LEASE)).toEqual({
          isOwner: true,
          isCancelling: false,
        });
        expect((await h.store.get(op.id))?.leaseExpiresAt?.getTime()).toBe(at(31_000 + LEASE).getTime());
        // Now another worker declares it dead and takes over.
        const [report] = await h.store.recoverExpiredLeases(at(40_000), { exceptOwner: 'w2' });
        expect(report).toMatchObject({ operationId: op.id, decision: 'resume' });
        const stolen = (await h.store.claimNext({
          workerId: 'w2',
          now: at(40_000),
          leaseMs: LEASE,
        })) as ClaimedStep;
        expect(stolen.step.key).toBe('vm:a:check');
        expect(await h.store.renewLease('w1', op.id, at(40_001), LEASE)).toEqual({
          isOwner: false,
          isCancelling: false,
        });
        expect(
          await h.store.completeStep(claimed, { status: 'succeeded' }, { workerId: 'w1', now: at(40_002) }),
        ).toBe(false);
        expect((await h.store.steps(op.id))[0]).toMatchObject({ status: 'running', attempts: 2 });
        expect(
          await h.store.completeStep(stolen, { status: 'succeeded' }, { workerId: 'w2', now: at(40_003) }),
        ).toBe(true);
      });

      it('an earlier attempt cannot record its outcome over the step it lost, even when its own worker claimed it again', async () => {
        const op = await enqueue(['a']);
        const first = (await h.store.claimNext({ workerId: 'w1', now: T0, leaseMs: LEASE })) as ClaimedStep;
        // w1 stalled past its lease; w2 recovered the operation; w1, awake again, claimed the step anew
        // while its first attempt was still running (its abort arrives later, as 'cancelled').
        await h.store.recoverExpiredLeases(at(40_000), { exceptOwner: 'w2' });
        const second = (await h.store.claimNext({
          workerId: 'w1',
          now: at(40_001),
          leaseMs: LEASE,
        })) as ClaimedStep;
        expect(second.step).toMatchObject({ key: 'vm:a:check', attempts: 2 });
        expect(
          await h.store.completeStep(first, { status: 'cancelled' }, { workerId: 'w1', now: at(40_002) }),
        ).toBe(false);
        expect((await h.store.steps(op.id))[0]).toMatchObject({ status: 'running', attempts: 2 });
        expect(
          await h.store.completeStep(second, { status: 'succeeded' }, { workerId: 'w1', now: at(40_003) }),
        ).toBe(true);
        expect((await h.store.steps(op.id))[0]).toMatchObject({ status: 'succeeded', attempts: 2 });
      });

      it('a worker never recovers its own lease; any other worker does once it expired', async () => {
        const op = await enqueue(['a']);
        await h.store.claimNext({ workerId: 'w1', now: T0, leaseMs: LEASE });
        expect(await h.store.recoverExpiredLeases(at(LEASE - 1))).toEqual([]);
        expect(await h.store.recoverExpiredLeases(at(LEASE + 1), { exceptOwner: 'w1' })).toEqual([]);
        expect(await statusOf(op.id)).toBe('running');
        expect(await h.store.recoverExpiredLeases(at(LEASE + 1), { exceptOwner: 'w2' })).toHaveLength(1);
      });

      it('a worker recovers its own expired lease on a step it does not run (a claim whose answer it lost)', async () => {
        const op = await enqueue(['a']);
        await h.store.claimNext({ workerId: 'w1', now: T0, leaseMs: LEASE });
        const own = (runningHere: string[]) => ({ exceptOwner: 'w1', runningHere });
        // A step it runs is only late; a lease not yet expired is left alone either way.
        expect(await h.store.recoverExpiredLeases(at(LEASE + 1), own([op.id]))).toEqual([]);
        expect(await h.store.recoverExpiredLeases(at(LEASE - 1), own([]))).toEqual([]);
        expect(await statusOf(op.id)).toBe('running');
        const [report] = await h.store.recoverExpiredLeases(at(LEASE + 1), own([]));
        expect(report).toMatchObject({ operationId: op.id, decision: 'resume' });
        // It did not stop: it lost track of the step, and says so.
        expect(report?.reason).toBe('worker w1 lost track of "check a"; it is safe to run again');
        const again = await h.store.claimNext({ workerId: 'w1', now: at(LEASE + 2), leaseMs: LEASE });
        expect(again?.step).toMatchObject({ key: 'vm:a:check', attempts: 2 });
      });

      it('a worker goes on with its own operation between steps in a freeze window: not recovered', async () => {
        const op = await enqueue(['a']);
        for (const key of ['vm:a:check', 'vm:a:guest-freeze']) {
          const claimed = (await h.store.claimNext({
            workerId: 'w1',
            now: T0,
            leaseMs: LEASE,
          })) as ClaimedStep;
          expect(claimed.step.key).toBe(key);
          await h.store.completeStep(
            claimed,
            { status: 'succeeded' },
            { workerId: 'w1', now: T0, leaseMs: LEASE },
          );
        }
        expect((await h.store.get(op.id))?.leaseOwner).toBe('w1');
        expect(
          await h.store.recoverExpiredLeases(at(LEASE + 1), { exceptOwner: 'w1', runningHere: [] }),
        ).toEqual([]);
        expect(
          (await h.store.claimNext({ workerId: 'w1', now: at(LEASE + 2), leaseMs: LEASE }))?.step.key,
        ).toBe('vm:a:guest-thaw');
      });
    });

    describe('complete and fail', () => {
      it('retries a retryable driver failure with backoff, then gives up and fails the operation', async () => {
        const op = await enqueue(['a']);
        const first = (await h.store.claimNext({ workerId: 'w1', now: T0, leaseMs: LEASE })) as ClaimedStep;
        const fault = new DriverError('host-unreachable', 'host h1 unreachable', { isRetryable: true });
        await h.store.completeStep(
          first,
          { status: 'failed', error: fault },
          { workerId: 'w1', now: T0, retry: FAST_RETRY },
        );
        expect((await h.store.steps(op.id))[0]).toMatchObject({
          status: 'pending',
          error: 'host h1 unreachable',
          faultCode: 'host-unreachable',
        });
        expect(await h.store.claimNext({ workerId: 'w1', now: at(99), leaseMs: LEASE })).toBeNull();
        const second = (await h.store.claimNext({
          workerId: 'w1',
          now: at(100),
          leaseMs: LEASE,
        })) as ClaimedStep;
        expect(second.step.attempts).toBe(2);
        await h.store.completeStep(
          second,
          { status: 'failed', error: fault },
          { workerId: 'w1', now: at(100), retry: FAST_RETRY },
        );
        expect(await statusOf(op.id)).toBe('running'); // its cleanups are decided at the next claim
        // The thaw's freeze never started: it is skipped, and the operation ends.
        expect(await h.store.claimNext({ workerId: 'w1', now: at(101), leaseMs: LEASE })).toBeNull();
        expect((await stepStatuses(op.id))['vm:a:guest-thaw']).toBe('skipped');
        const operation = await h.store.get(op.id);
        expect(operation).toMatchObject({ status: 'failed' });
        expect(operation?.error).toMatch(/gave up after 2 attempts/);
        const types = (await h.store.readEventsAfter({ operationId: op.id })).map((event) => event.type);
        expect(types).toContain('step.retrying');
        expect(await h.store.findLeakedLocks()).toEqual([]);
      });

      it('a failure naming one VM fails that VM only; its owed thaw still runs', async () => {
        const op = await enqueue(['a', 'b']);
        const freezeA = await runUntil('w1', 'vm:a:guest-freeze');
        await h.store.completeStep(
          freezeA,
          { status: 'succeeded' },
          { workerId: 'w1', now: T0, leaseMs: LEASE },
        );
        const thaw = await runUntil('w1', 'vm:a:guest-thaw');
        await h.store.completeStep(thaw, { status: 'succeeded' }, { workerId: 'w1', now: T0 });
        const copyA = await runUntil('w1', 'vm:a:copy');
        await h.store.completeStep(
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
        const done = await h.store.get(op.id);
        expect(done?.status).toBe('failed');
        // By the VM's name, never its inventory id (hv:<guid> means nothing to an operator).
        expect(done?.error).toBe('a-name: disk gone');
        expect(await stepStatuses(op.id)).toMatchObject({
          'vm:b:catalog': 'succeeded',
          'vm:a:guest-thaw': 'succeeded',
        });
      });

      it('a degraded step or a step warning ends the operation succeeded with warnings, in words', async () => {
        const op = await enqueue(['a', 'b']);
        for (;;) {
          const claimed = await h.store.claimNext({ workerId: 'w1', now: T0, leaseMs: LEASE });
          if (!claimed) break;
          const outcome =
            claimed.step.key === 'vm:a:guest-freeze'
              ? ({ status: 'degraded', reason: 'fallback: freeze of a timed out after 60 s' } as const)
              : claimed.step.key === 'vm:b:catalog'
                ? ({ status: 'succeeded', warning: 'the point of b leaves out disk b-pt' } as const)
                : ({ status: 'succeeded' } as const);
          await h.store.completeStep(claimed, outcome, { workerId: 'w1', now: T0, leaseMs: LEASE });
        }
        const done = await h.store.get(op.id);
        expect(done?.status).toBe('succeeded-with-warnings');
        expect(done?.warningsJson).toEqual([
          'guest-freeze a: fallback: freeze of a timed out after 60 s',
          'catalog b: the point of b leaves out disk b-pt',
        ]);
        const steps = await h.store.steps(op.id);
        expect(steps.find((row) => row.key === 'vm:b:catalog')).toMatchObject({
          status: 'succeeded',
          warning: 'the point of b leaves out disk b-pt',
        });
        const finished = (await h.store.readEventsAfter({ operationId: op.id })).at(-1);
        expect(finished).toMatchObject({
          type: 'operation.finished',
          payload: { status: 'succeeded-with-warnings', warnings: done?.warningsJson },
        });
        const [listed] = (await h.store.list({ limit: 10 })).items;
        expect(listed).toMatchObject({ status: 'succeeded-with-warnings', warnings: done?.warningsJson });
        // Without any warning the same run is plainly succeeded.
        const clean = await enqueue(['c']);
        await runToEnd('w1');
        expect(await h.store.get(clean.id)).toMatchObject({ status: 'succeeded', warningsJson: [] });
      });

      it('a VM of the scope gone from its host, which the plan leaves out, ends the run succeeded with warnings naming it', async () => {
        const gone =
          "VM 'b-name' is gone from h1 since 2026-03-27 10:00 UTC: it is not backed up; the other VMs are.";
        const plan = backupPlanOf(['a']);
        plan.findings = [
          {
            ruleId: 'BACKUP-VM-GONE',
            severity: 'warning',
            vmId: 'b',
            methods: [],
            message: gone,
            remedy: 'Drop it from the job.',
            objects: [],
          },
          // A warning the operator was shown and acknowledged leaves nothing undone.
          {
            ruleId: 'HV-OFFLINE-BACKUP',
            severity: 'warning',
            vmId: 'a',
            methods: [],
            message: 'a-name is put into saved state while it is captured',
            remedy: '',
            objects: [],
          },
        ];
        const op = await h.store.enqueue(
          plan,
          { vmIds: ['a', 'b'] },
          { id: 'op-gone', now: T0, requestedBy: 'user:7' },
        );
        await runToEnd('w1');
        const done = await h.store.get(op.id);
        expect(done).toMatchObject({ status: 'succeeded-with-warnings', warningsJson: [gone] });
        const finished = (await h.store.readEventsAfter({ operationId: op.id })).at(-1);
        expect(finished?.payload).toMatchObject({ status: 'succeeded-with-warnings', warnings: [gone] });
      });

      it('counts as copied the bytes of steps done or running, not of a copy that failed or waits to retry', async () => {
        const op = await enqueue(['a', 'b']);
        const copyA = await runUntil('w1', 'vm:a:copy');
        await h.store.completeStep(copyA, { status: 'succeeded', bytes: 1000 }, { workerId: 'w1', now: T0 });
        const copyB = await runUntil('w1', 'vm:b:copy');
        await h.store.recordProgress(copyB.step, 300, at(1), 800);
        const copied = async () =>
          (await h.store.list({ limit: 10 })).items.find((item) => item.id === op.id)?.bytesDone;
        expect(await copied()).toBe(1300); // the running copy's progress counts while it runs
        const fault = new DriverError('host-unreachable', 'host h1 unreachable', { isRetryable: true });
        await h.store.completeStep(
          copyB,
          { status: 'failed', error: fault },
          { workerId: 'w1', now: at(2), retry: FAST_RETRY },
        );
        expect((await h.store.steps(op.id)).find((row) => row.key === 'vm:b:copy')).toMatchObject({
          status: 'pending',
          bytesDone: 300,
        });
        expect(await copied()).toBe(1000);
        const again = (await h.store.claimNext({
          workerId: 'w1',
          now: at(200),
          leaseMs: LEASE,
        })) as ClaimedStep;
        expect(again.step.key).toBe('vm:b:copy');
        await h.store.completeStep(
          again,
          { status: 'failed', error: new Error('disk gone') },
          { workerId: 'w1', now: at(200) },
        );
        expect(await copied()).toBe(1000);
      });

      it('records progress and log lines with their events', async () => {
        const op = await enqueue(['a']);
        const claimed = (await h.store.claimNext({ workerId: 'w1', now: T0, leaseMs: LEASE })) as ClaimedStep;
        await h.store.recordProgress(claimed.step, 512, at(1), 1024);
        await h.store.appendLog(claimed.step, 'info', 'half way', at(2));
        expect((await h.store.steps(op.id))[0]).toMatchObject({ bytesDone: 512, bytesTotal: 1024 });
        expect((await h.store.logs(op.id, 10)).map((log) => [log.level, log.message])).toEqual([
          ['info', 'half way'],
        ]);
        const types = (await h.store.readEventsAfter({ operationId: op.id })).map((event) => event.type);
        expect(types.slice(-2)).toEqual(['step.progress', 'step.log']);
      });
    });
  });
}
