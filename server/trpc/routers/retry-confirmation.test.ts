/**
 * "Retry" of a failed operation that destroys data again — a restore over what exists (in place,
 * volume revert, a staged copy back in place) or a point's deletion — is confirmed afresh, on both
 * stores, with four-eyes on (a right name gets a request for a second admin) and off (the retry
 * itself): without `confirmation`, or with another name, it is refused on that field naming what
 * to type, and nothing is queued or requested. The first attempt's confirmation is never reused:
 * a VM renamed since is confirmed by its name now. `operations.retryPreview` shows the impact as it
 * is now and the name to type; a backup's retry needs nothing. Real failures on the lab:
 * server/services/destructive-retry.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_LAB_NAMES } from '../../../db/seed/demo-lab';
import { storeDialects } from '../../../db/stores/contract/dialects';
import type { ApprovalKind } from '../../engine/approvals';
import { rejectionOf } from '../../test-support';
import { fieldErrorsOf, type Principal } from '../init';
import {
  ADA,
  callerFor,
  insertPoint,
  lab,
  OTTO,
  openApprovalsLab,
  operationCount,
  RITA,
  requestOf,
  SCENARIOS,
  setPowerState,
  turnFourEyesOff,
} from './approvals-test-support';

const dialects = await storeDialects('retry_confirmation');

interface DestructiveRun {
  name: string;
  kind: ApprovalKind;
  requester: Principal;
  /** Asks for the action as the console does (four-eyes off for its kind): the operation it queued. */
  start: () => Promise<string>;
  typed: string;
  other: string;
  /** The refusals under `confirmation`: nothing typed, `other` typed. */
  missing: string;
  mismatch: string;
}

async function startedBy(kind: ApprovalKind, requester: Principal): Promise<string> {
  const scenario = await SCENARIOS[kind]();
  return ((await scenario.ask(callerFor(requester))) as { operationId: string }).operationId;
}

/** branch-app-01, switched off, restored staged from its volume point and copied back over itself. */
async function startStagedCopyBack(): Promise<string> {
  await setPowerState('vm-branch-app-01', 'off');
  const pointId = await insertPoint({
    vmId: 'vm-branch-app-01',
    hostId: 'host-hv-branch-01',
    method: 'wsb-volume',
    hostVolumeId: DEMO_LAB_NAMES.wsbVolumeId,
    snapshotId: 'snap-branch',
  });
  const request = { restorePointId: pointId, mode: 'staged' as const, confirmation: 'branch-app-01' };
  const preview = await callerFor(OTTO).restores.preview(request);
  expect(preview.isRunnable, preview.blockedReasons.join('; ')).toBe(true);
  const started = await callerFor(OTTO).restores.start({ request, fingerprint: preview.fingerprint });
  return (started as { operationId: string }).operationId;
}

const RUNS: DestructiveRun[] = [
  {
    name: 'an in-place restore',
    kind: 'restore-in-place',
    requester: OTTO,
    start: () => startedBy('restore-in-place', OTTO),
    typed: 'test-01',
    other: 'test-0',
    missing: 'Type the VM name "test-01" to confirm this in-place restore',
    mismatch: 'The confirmation "test-0" does not match the VM name "test-01"',
  },
  {
    name: 'a volume revert',
    kind: 'restore-volume-revert',
    requester: OTTO,
    start: () => startedBy('restore-volume-revert', OTTO),
    typed: 'hv-branch-01 D:',
    other: 'D:',
    missing: 'Type the volume name "hv-branch-01 D:" to confirm this revert of the whole volume',
    mismatch: 'The confirmation "D:" does not match the volume name "hv-branch-01 D:"',
  },
  {
    name: 'a staged copy back in place',
    kind: 'restore-in-place',
    requester: OTTO,
    start: startStagedCopyBack,
    typed: 'branch-app-01',
    other: 'branch-app',
    missing: 'Type the VM name "branch-app-01" to confirm this staged restore',
    mismatch: 'The confirmation "branch-app" does not match the VM name "branch-app-01"',
  },
  {
    name: "a point's deletion",
    kind: 'delete-restore-point',
    requester: RITA,
    start: () => startedBy('delete-restore-point', RITA),
    typed: 'web-01 2026-03-02 07:00:00 UTC',
    other: 'web-01',
    missing: `Type the point's VM and time, "web-01 2026-03-02 07:00:00 UTC", to confirm the delete`,
    mismatch: `The confirmation "web-01" is not the point's VM and time, "web-01 2026-03-02 07:00:00 UTC"`,
  },
];

/** The run started with four-eyes off for its kind, then failed; four-eyes as the test wants it. */
async function failedRun(run: DestructiveRun, fourEyes: boolean): Promise<string> {
  await turnFourEyesOff(run.kind, 'seed a run to retry');
  const operationId = await run.start();
  await lab.rows.update('operations', operationId, { status: 'failed' });
  if (fourEyes) await callerFor(ADA).approvals.setPolicy({ kind: run.kind, required: true });
  return operationId;
}

const requestCount = async () => (await lab.rows.all('approvalRequests')).length;

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    let close: () => Promise<void>;
    beforeEach(async () => {
      close = await openApprovalsLab(dialect);
    });
    afterEach(() => close());

    describe.each([true, false])('four-eyes on: %s', (fourEyes) => {
      it.each(RUNS)('retrying $name that failed needs the name typed afresh', async (destructive) => {
        const operationId = await failedRun(destructive, fourEyes);
        const operations = await operationCount();
        const requests = await requestCount();
        const retry = (confirmation?: string) =>
          callerFor(destructive.requester).operations.retryFailed({ id: operationId, confirmation });

        for (const [confirmation, message] of [
          [undefined, destructive.missing],
          ['', destructive.missing],
          [destructive.other, destructive.mismatch],
        ] as const) {
          const refusal = await rejectionOf(() => retry(confirmation));
          expect(refusal.code).toBe('BAD_REQUEST');
          expect(fieldErrorsOf(refusal)).toEqual([{ path: 'confirmation', message }]);
          expect(await operationCount()).toBe(operations);
          expect(await requestCount()).toBe(requests);
        }

        const retried = await retry(destructive.typed);
        if (fourEyes) {
          expect(requestOf(retried)).toMatchObject({ kind: destructive.kind, status: 'pending' });
          expect(await operationCount()).toBe(operations);
          return;
        }
        const { operationId: retryId } = retried as { operationId: string };
        const row = (await lab.rows.all('operations')).find((operation) => operation.id === retryId);
        expect(row?.retryOfId).toBe(operationId);
        expect(await requestCount()).toBe(requests);
      });
    });

    it('the preview shows the impact as it is now and the name to type', async () => {
      const restore = await failedRun(RUNS[1] as DestructiveRun, true);
      const revert = await callerFor(OTTO).operations.retryPreview({ id: restore });
      if (revert.kind !== 'restore') throw new Error(`expected a restore preview, got ${revert.kind}`);
      expect(revert).toMatchObject({
        approvalKind: 'restore-volume-revert',
        mode: 'volume-revert',
        vmName: 'branch-app-01',
        typedName: { what: 'the host and volume name', name: 'hv-branch-01 D:' },
        blockers: [],
      });
      // The VMs it rolls back too, with what they lose: the blast radius the dialog shows.
      expect(revert.plan.collateral.map((vm) => vm.vmName).sort()).toEqual([
        'branch-dc-01',
        'branch-fs-01',
        'branch-print-01',
      ]);

      const deletion = await failedRun(RUNS[3] as DestructiveRun, true);
      const deletes = await callerFor(RITA).operations.retryPreview({ id: deletion });
      if (deletes.kind !== 'delete-point')
        throw new Error(`expected a deletion preview, got ${deletes.kind}`);
      expect(deletes).toMatchObject({
        approvalKind: 'delete-restore-point',
        point: { vmName: 'web-01' },
        deletion: { isOnlyPointOfVm: true, brokenVolumeReverts: [] },
        typedName: { what: "the point's VM and time", name: 'web-01 2026-03-02 07:00:00 UTC' },
      });
    });

    it("a VM renamed since is confirmed by its name now, never by the first attempt's", async () => {
      const operationId = await failedRun(RUNS[0] as DestructiveRun, true);
      await lab.rows.update('vms', 'vm-test-01', { name: 'test-01-rebuilt' });
      const preview = await callerFor(OTTO).operations.retryPreview({ id: operationId });
      expect(preview.kind === 'restore' && preview.typedName).toEqual({
        what: 'the VM name',
        name: 'test-01-rebuilt',
      });
      const retry = (confirmation: string) =>
        callerFor(OTTO).operations.retryFailed({ id: operationId, confirmation });
      const refusal = await rejectionOf(() => retry('test-01'));
      expect(fieldErrorsOf(refusal)).toEqual([
        {
          path: 'confirmation',
          message: 'The confirmation "test-01" does not match the VM name "test-01-rebuilt"',
        },
      ]);
      const request = requestOf(await retry('test-01-rebuilt'));
      // The approver's request carries the name typed now, and runs with it.
      const stored = (await lab.rows.all('approvalRequests')).find((row) => row.id === request.id);
      expect(stored?.payloadJson).toMatchObject({ request: { confirmation: 'test-01-rebuilt' } });
      const approved = await callerFor(ADA).approvals.approve({ id: request.id });
      expect(approved.result).toHaveProperty('operationId');
    });

    it('a failed backup is retried at one click: nothing to preview, nothing to type', async () => {
      const started = await callerFor(RITA).operations.backupVm({ vmId: 'vm-web-01' });
      await lab.rows.update('operations', started.operationId, { status: 'failed' });
      expect(await callerFor(RITA).operations.retryPreview({ id: started.operationId })).toEqual({
        kind: 'one-click',
      });
      const retried = await callerFor(RITA).operations.retryFailed({ id: started.operationId });
      expect(retried).toHaveProperty('operationId');
    });
  });
});
