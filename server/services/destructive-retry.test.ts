/**
 * Retrying what failed when the retry destroys data again: a restore in place, a volume revert and
 * a point's deletion that really failed on the lab (a host that stopped answering) are retried only
 * with the name typed afresh, checked as their first start checked it. Without it, or with another
 * name, the retry is refused on `confirmation` naming what to type, and nothing is queued; with it,
 * the retry runs to its end once the host answers again. A failed backup still retries at one click.
 * Four-eyes on these retries is the router's (server/trpc/routers/retry-confirmation.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { storeDialects } from '../../db/stores/contract/dialects';
import type { FaultRule } from '../drivers/lab/faults';
import type { Harness } from '../jobs/test-harness';
import type { Worker } from '../jobs/worker';
import { DomainError } from './errors';
import { listOperations, previewRestore, startBackup, startRestore } from './operations-service';
import { startPointDelete } from './restore-point-service';
import { previewRetry, retryFailed } from './retry-service';
import { harnessPerTest, serviceRunHelpers } from './service-test-support';

let h: Harness;
let worker: Worker;

const { ctx, run, pointOf, volumeBackup, backedUpPoint } = serviceRunHelpers(() => ({ h, worker }));

/** Starts a destructive restore of app1 (from its own backup, or hv1-d's for a revert), confirmed as the wizard does. */
async function startConfirmedRestore(mode: 'in-place' | 'volume-revert') {
  const point =
    mode === 'in-place' ? await backedUpPoint('app1') : await pointOf(await volumeBackup(), 'app1');
  const request = { restorePointId: point.id, mode };
  const plan = await previewRestore(h.stores, ctx(), request);
  return startRestore(h.stores, ctx(), {
    ...request,
    confirmation: plan.confirmationText ?? '',
    acknowledgedStoppedVmIds: plan.stoppedVms.map((vm) => vm.vmId),
  });
}

interface DestructiveRun {
  name: string;
  /** The host stops answering for this call: the operation fails there. */
  fault: FaultRule;
  start: () => Promise<{ operationId: string }>;
  /** What the retry asks to be typed, something else, and the refusals under `confirmation`. */
  typed: string;
  other: string;
  missing: string;
  mismatch: string;
}

const RUNS: DestructiveRun[] = [
  {
    name: 'an in-place restore',
    fault: { fault: 'host-unreachable', vmId: 'app1', action: 'restoreDisks' },
    start: () => startConfirmedRestore('in-place'),
    typed: 'app1',
    other: 'app',
    missing: 'Type the VM name "app1" to confirm this in-place restore',
    mismatch: 'The confirmation "app" does not match the VM name "app1"',
  },
  {
    name: 'a volume revert',
    fault: { fault: 'host-unreachable', hostVolumeId: 'hv1-d', action: 'revertVolume' },
    start: () => startConfirmedRestore('volume-revert'),
    typed: 'hv1 D:',
    other: 'D:',
    missing: 'Type the volume name "hv1 D:" to confirm this revert of the whole volume',
    mismatch: 'The confirmation "D:" does not match the volume name "hv1 D:"',
  },
  {
    name: "a point's deletion",
    fault: { fault: 'host-unreachable', action: 'deleteRestorePointData' },
    start: async () => startPointDelete(h.stores, ctx(), (await backedUpPoint('app1')).id),
    // The backup under the harness clock catalogued app1's point at 10:00:01.
    typed: 'app1 2026-03-01 10:00:01 UTC',
    other: 'app1',
    missing: `Type the point's VM and time, "app1 2026-03-01 10:00:01 UTC", to confirm the delete`,
    mismatch: `The confirmation "app1" is not the point's VM and time, "app1 2026-03-01 10:00:01 UTC"`,
  },
];

async function refusalOf(call: () => Promise<unknown>): Promise<DomainError> {
  const error = await call().then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

const operationCount = async () => (await listOperations(h.stores, { limit: 200 })).items.length;

describe.each(await storeDialects('destructiveretry'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('retrying what failed', () => {
    harnessPerTest(dialect, (harness, harnessWorker) => {
      h = harness;
      worker = harnessWorker;
    });

    it.each(RUNS)(
      '$name that failed: refused without the name typed afresh or with another, run with it',
      async (destructive) => {
        h.driver.faults.inject(destructive.fault);
        const failed = await run(await destructive.start());
        expect(failed.status).toBe('failed');
        h.driver.faults.clear(); // the host answers again: only the confirmation stands in the way

        const before = await operationCount();
        const retry = (confirmation?: string) => retryFailed(h.stores, ctx(), failed.id, confirmation);
        for (const [confirmation, message] of [
          [undefined, destructive.missing],
          ['  ', destructive.missing],
          [destructive.other, destructive.mismatch],
        ] as const) {
          const refusal = await refusalOf(() => retry(confirmation));
          expect(refusal.code).toBe('INVALID_INPUT');
          expect(refusal.fieldErrors).toEqual([{ path: 'confirmation', message }]);
          expect(await operationCount()).toBe(before);
        }

        // The dialog names the same thing to type, as the estate gives it now.
        const preview = await previewRetry(h.stores, ctx(), failed.id);
        expect(preview.kind === 'one-click' ? null : preview.typedName?.name).toBe(destructive.typed);

        const again = await run(await retry(` ${destructive.typed} `));
        expect(again.status, again.error ?? '').toBe('succeeded');
        expect(again.retryOfId).toBe(failed.id);
        expect(again.kind).toBe(failed.kind);
      },
    );

    it('a backup that failed is retried at one click, with nothing to type', async () => {
      h.driver.faults.inject({ fault: 'snapshot-failed', vmId: 'app1' });
      const failed = await run(
        await startBackup(h.stores, ctx(), {
          scope: { kind: 'vms', vmIds: ['app1'] },
          consistencyPolicy: 'fallback',
          passthroughPolicy: 'skip',
        }),
      );
      expect(failed.status).toBe('failed');
      h.driver.faults.clear();
      expect(await previewRetry(h.stores, ctx(), failed.id)).toEqual({ kind: 'one-click' });
      const again = await run(await retryFailed(h.stores, ctx(), failed.id));
      expect(again.status).toBe('succeeded');
      expect(again.retryOfId).toBe(failed.id);
    });
  });
});
