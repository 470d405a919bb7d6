/**
 * Four-eyes for what an edit or a request asks for, through the router: a job edit's retention
 * loss counts the point its next run adds; an edit is checked (name, scope) before it is sent for
 * approval, and the approver reads everything else it saves; a staged restore copied back over
 * the VM asks as an in-place one; turning four-eyes off is asked for, and cannot be turned off.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_LAB_NAMES } from '../../../db/seed/demo-lab';
import { storeDialects } from '../../../db/stores/contract/dialects';
import { nightlyJobInput, rejectionOf } from '../../test-support';
import {
  ADA,
  callerFor,
  deleteJobRequired,
  HOUR,
  insertJobPoints,
  insertPoint,
  lab,
  OTTO,
  openApprovalsLab,
  operationCount,
  RITA,
  requestOf,
  setPowerState,
  T0,
  turnFourEyesOff,
} from './approvals-test-support';

const dialects = await storeDialects('approvaledits');

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    let close: () => Promise<void>;
    beforeEach(async () => {
      close = await openApprovalsLab(dialect);
    });
    afterEach(() => close());

    it('four-eyes for turning four-eyes off cannot be turned off; turning one on again takes effect at once', async () => {
      const refusal = await rejectionOf(() =>
        callerFor(RITA).approvals.setPolicy({
          kind: 'turn-off-four-eyes',
          required: false,
          reason: 'faster',
        }),
      );
      expect([refusal.code, refusal.message]).toEqual([
        'BAD_REQUEST',
        'Four-eyes approval of turning four-eyes off cannot be turned off: one admin alone could then turn it off for every other action',
      ]);
      expect(await lab.rows.all('approvalRequests')).toHaveLength(0);
      await turnFourEyesOff('delete-job', 'lab rebuild this week');
      expect(await deleteJobRequired()).toBe(false);
      const on = await callerFor(RITA).approvals.setPolicy({ kind: 'delete-job', required: true });
      expect(on).toMatchObject({ kind: 'delete-job', required: true });
      expect(await deleteJobRequired()).toBe(true);
    });

    it('a retention change that deletes none of the job’s points is saved at once, without a request', async () => {
      const input = nightlyJobInput('fs nightly', 'vm-fs-01', {
        retention: { keepLast: 3, daily: 0, weekly: 0, monthly: 0 },
      });
      const job = await callerFor(RITA).jobs.create(input);
      await insertPoint({ vmId: 'vm-fs-01', jobId: job.id, createdAt: new Date(T0.getTime() - HOUR) });
      // One point, and the next run's: keeping 2 instead of 3 deletes neither, and more is more.
      const fewer = await callerFor(RITA).jobs.update({
        id: job.id,
        job: { ...input, retention: { keepLast: 2, daily: 0, weekly: 0, monthly: 0 } },
        loadedUpdatedAt: job.updatedAt,
      });
      expect(fewer).not.toHaveProperty('approvalRequest');
      expect(fewer).toMatchObject({ retention: { keepLast: 2 } });
      expect(await lab.rows.all('approvalRequests')).toHaveLength(0);
    });

    it('keeping 2 of a VM’s 2 points is a request: the next run adds its own and deletes the oldest', async () => {
      const input = nightlyJobInput('fs nightly', 'vm-fs-01', {
        retention: { keepLast: 3, daily: 0, weekly: 0, monthly: 0 },
      });
      const job = await callerFor(RITA).jobs.create(input);
      const [oldest] = await insertJobPoints(job.id, 'vm-fs-01', [2, 1]);
      const edit = {
        id: job.id,
        job: { ...input, retention: { keepLast: 2, daily: 0, weekly: 0, monthly: 0 } },
        loadedUpdatedAt: job.updatedAt,
      };
      const loss = await callerFor(RITA).jobs.retentionLoss(edit);
      expect(loss).toMatchObject({ count: 1, isAtLeast: false, points: [{ id: oldest }] });
      const request = requestOf(await callerFor(RITA).jobs.update(edit));
      expect(request.title).toBe(
        'Change the retention of fs nightly: 1 restore point deleted at its next run',
      );
    });

    it('a retention edit whose name another job has is refused at once, not sent for approval', async () => {
      await callerFor(RITA).jobs.create(nightlyJobInput('Nightly SQL', 'vm-sql-prod-01'));
      const input = nightlyJobInput('files', 'vm-fs-01', {
        retention: { keepLast: 3, daily: 0, weekly: 0, monthly: 0 },
      });
      const job = await callerFor(RITA).jobs.create(input);
      await insertJobPoints(job.id, 'vm-fs-01', [2, 1]);
      const refusal = await rejectionOf(() =>
        callerFor(RITA).jobs.update({
          id: job.id,
          job: { ...input, name: 'nightly sql', retention: { keepLast: 1, daily: 0, weekly: 0, monthly: 0 } },
          loadedUpdatedAt: job.updatedAt,
        }),
      );
      expect([refusal.code, refusal.message]).toEqual(['CONFLICT', expect.stringContaining('"Nightly SQL"')]);
      expect(await lab.rows.all('approvalRequests')).toHaveLength(0);
    });

    it('the approver reads what else the edit saves: its name, schedule, enabled state and VMs', async () => {
      const base = nightlyJobInput('fs nightly', 'vm-fs-01');
      const input = {
        ...base,
        request: { ...base.request, scope: { kind: 'vms' as const, vmIds: ['vm-fs-01', 'vm-web-01'] } },
        retention: { keepLast: 3, daily: 0, weekly: 0, monthly: 0 },
      };
      const job = await callerFor(RITA).jobs.create(input);
      await insertJobPoints(job.id, 'vm-fs-01', [2, 1]);
      const request = requestOf(
        await callerFor(RITA).jobs.update({
          id: job.id,
          job: {
            ...input,
            name: 'fs weekly',
            isEnabled: false,
            schedule: null,
            missedRunPolicy: input.missedRunPolicy === 'skip' ? 'run-once' : 'skip',
            request: { ...input.request, scope: { kind: 'vms', vmIds: ['vm-fs-01'] } },
            retention: { keepLast: 1, daily: 0, weekly: 0, monthly: 0 },
          },
          loadedUpdatedAt: job.updatedAt,
        }),
      );
      const { preview } = await callerFor(ADA).approvals.get({ id: request.id });
      expect(preview).toMatchObject({
        kind: 'tighten-retention',
        otherChanges: [
          'Name: "fs nightly" → "fs weekly"',
          'Disabled: its schedule stops running',
          'Schedule: At 02:00 (Europe/Warsaw) → none (runs only when started by hand)',
          // In words, as the job page says them: not the stored codes.
          input.missedRunPolicy === 'skip'
            ? 'Missed runs: skipped → run once'
            : 'Missed runs: run once → skipped',
          'VMs: 2 → 1; drops web-01',
        ],
      });
    });

    it('a staged restore copied back over the VM asks as an in-place restore; one to a new VM runs at once', async () => {
      await setPowerState('vm-branch-app-01', 'off');
      const restorePointId = await insertPoint({
        vmId: 'vm-branch-app-01',
        hostId: 'host-hv-branch-01',
        method: 'wsb-volume',
        hostVolumeId: DEMO_LAB_NAMES.wsbVolumeId,
        snapshotId: 'snap-branch-staged',
      });
      const inPlace = { restorePointId, mode: 'staged' as const, confirmation: 'branch-app-01' };
      const preview = await callerFor(OTTO).restores.preview(inPlace);
      expect(preview.isRunnable, preview.blockedReasons.join('; ')).toBe(true);
      const asked = requestOf(
        await callerFor(OTTO).restores.start({ request: inPlace, fingerprint: preview.fingerprint }),
      );
      expect(asked).toMatchObject({
        kind: 'restore-in-place',
        status: 'pending',
        title: expect.stringMatching(/^Staged restore copied back in place of branch-app-01 from /),
      });
      expect(await operationCount()).toBe(0);
      // To a new VM it overwrites nothing: an operator's request runs at once.
      const asNew = { restorePointId, mode: 'staged' as const, newVmName: 'branch-app-01-copy' };
      const plan = await callerFor(OTTO).restores.preview(asNew);
      expect(plan.isRunnable, plan.blockedReasons.join('; ')).toBe(true);
      expect(
        await callerFor(OTTO).restores.start({ request: asNew, fingerprint: plan.fingerprint }),
      ).toHaveProperty('operationId');
    });
  });
});
