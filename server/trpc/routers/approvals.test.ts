/**
 * Four-eyes approval through the router, one row per destructive action kind: the action asked for
 * becomes a pending request and nothing runs; the requester cannot approve it; a second admin's
 * approval runs exactly the reviewed action; a rejection (with its comment) runs nothing; a request
 * nobody decided before its expiry (the injected clock moves past it) is rejected automatically; an
 * approval after the estate changed, or after the requester was disabled or lost the role the
 * action needs, is refused and runs nothing; and with four-eyes turned off for the kind (asked, then
 * approved), the action runs at once. What a job edit or a restore request asks for: approval-edits.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storesOf } from '../../../db/process-database';
import { storeDialects } from '../../../db/stores/contract/dialects';
import type { ApprovalKind } from '../../engine/approvals';
import type { Role } from '../../engine/roles';
import { person, rejectionOf } from '../../test-support';
import type { Principal } from '../init';
import {
  ADA,
  auditOf,
  callerFor,
  HOUR,
  lab,
  OTTO,
  openApprovalsLab,
  operationCount,
  RITA,
  requestOf,
  SCENARIOS,
  T0,
  turnFourEyesOff,
} from './approvals-test-support';

const dialects = await storeDialects('approvals');

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    let close: () => Promise<void>;
    beforeEach(async () => {
      close = await openApprovalsLab(dialect);
    });
    afterEach(() => close());
    describeScenarios();
    describeRequesterChanges();
    describeTrail();
  });
});

function describeScenarios() {
  describe.each(Object.keys(SCENARIOS) as ApprovalKind[])('four-eyes: %s', (kind) => {
    it('becomes a pending request; the requester cannot approve it; a second admin approves and it runs', async () => {
      const scenario = await SCENARIOS[kind]();
      const requestsBefore = (await lab.rows.all('approvalRequests')).length;
      const request = requestOf(await scenario.ask(callerFor(scenario.requester)));
      expect(request).toMatchObject({
        kind,
        status: 'pending',
        requestedByName: scenario.requester.user.name,
        expiresAt: new Date(T0.getTime() + 4 * HOUR),
      });
      expect(await scenario.ran()).toBe(false);
      expect(await lab.rows.all('approvalRequests')).toHaveLength(requestsBefore + 1); // the request row was written…
      expect(await operationCount()).toBe(0); // …nothing was queued

      // The approver sees what is lost and who asked.
      const seen = await callerFor(ADA).approvals.get({ id: request.id });
      expect(JSON.stringify(seen.preview)).toMatch(scenario.previewNames);
      expect(seen).toMatchObject({ requestedByName: scenario.requester.user.name, approveRefusal: null });
      expect(await callerFor(ADA).approvals.pendingCount()).toBe(1);

      const own = await rejectionOf(() =>
        callerFor(scenario.requester).approvals.approve({ id: request.id }),
      );
      if (scenario.requester.role === 'admin') {
        expect(own.code).toBe('FORBIDDEN');
        expect(own.message).toContain('another admin must approve it');
      } else {
        expect(own.code).toBe('FORBIDDEN'); // a restore operator decides nothing
      }
      expect(await scenario.ran()).toBe(false);

      lab.now = new Date(T0.getTime() + HOUR);
      const approved = await callerFor(ADA).approvals.approve({
        id: request.id,
        comment: 'checked with the owner',
      });
      expect(approved).toMatchObject({
        status: 'approved',
        decidedByName: 'Ada Approver',
        comment: 'checked with the owner',
      });
      expect(await scenario.ran()).toBe(true);
      // Saving a job, deleting one, a disconnect, replacing the inventory, an account and a policy queue no operation.
      const queuesNothing = [
        'delete-job',
        'disconnect',
        'replace-inventory',
        'tighten-retention',
        'change-admins',
        'turn-off-four-eyes',
      ];
      if (!queuesNothing.includes(kind)) {
        expect(approved.result?.operationId).toMatch(/^op-/);
      }
      expect(await callerFor(ADA).approvals.pendingCount()).toBe(0);
      // Approved once: a second approval is refused.
      expect((await rejectionOf(() => callerFor(ADA).approvals.approve({ id: request.id }))).code).toBe(
        'CONFLICT',
      );
    });

    it('a rejection with a comment runs nothing', async () => {
      const scenario = await SCENARIOS[kind]();
      const request = requestOf(await scenario.ask(callerFor(scenario.requester)));
      const missing = await rejectionOf(() =>
        callerFor(ADA).approvals.reject({ id: request.id, comment: ' ' }),
      );
      expect(missing.code).toBe('BAD_REQUEST');
      const rejected = await callerFor(ADA).approvals.reject({
        id: request.id,
        comment: 'not during month end',
      });
      expect(rejected).toMatchObject({ status: 'rejected', comment: 'not during month end' });
      expect(await scenario.ran()).toBe(false);
      expect((await rejectionOf(() => callerFor(ADA).approvals.approve({ id: request.id }))).code).toBe(
        'CONFLICT',
      );
    });

    it('expires unanswered after 4 h by the clock and is rejected automatically', async () => {
      const scenario = await SCENARIOS[kind]();
      const request = requestOf(await scenario.ask(callerFor(scenario.requester)));
      lab.now = new Date(T0.getTime() + 4 * HOUR - 1);
      expect((await callerFor(ADA).approvals.get({ id: request.id })).status).toBe('pending');
      lab.now = new Date(T0.getTime() + 4 * HOUR);
      const error = await rejectionOf(() => callerFor(ADA).approvals.approve({ id: request.id }));
      expect(error.code).toBe('CONFLICT');
      expect(error.message).toContain('expired');
      expect(await scenario.ran()).toBe(false);
      expect((await callerFor(ADA).approvals.get({ id: request.id })).status).toBe('expired');
      const expiry = await auditOf('approvals.expire');
      expect(expiry).toHaveLength(1);
      expect(expiry[0]?.message).toContain(`requested by ${scenario.requester.user.name}`);
    });

    it('an approval after the estate changed is refused, runs nothing, and leaves the request pending', async () => {
      const scenario = await SCENARIOS[kind]();
      const request = requestOf(await scenario.ask(callerFor(scenario.requester)));
      await scenario.changeEstate();
      const error = await rejectionOf(() => callerFor(ADA).approvals.approve({ id: request.id }));
      expect(error.code).toBe('CONFLICT');
      expect(error.message).toMatch(/^The estate changed since this request was made/);
      expect(await scenario.ran()).toBe(false);
      expect((await callerFor(ADA).approvals.get({ id: request.id })).status).toBe('pending');
    });

    it.skipIf(kind === 'turn-off-four-eyes')(
      'runs at once when four-eyes was turned off for it (asked, then approved), recorded with their names and reason',
      async () => {
        const refused = await rejectionOf(() =>
          callerFor(ADA).approvals.setPolicy({ kind, required: false }),
        );
        expect(refused.code).toBe('BAD_REQUEST');
        // One admin's say turns nothing off: the policy is unchanged until a second admin approves.
        const asked = requestOf(
          await callerFor(RITA).approvals.setPolicy({
            kind,
            required: false,
            reason: 'lab rebuild this week',
          }),
        );
        expect(asked).toMatchObject({ kind: 'turn-off-four-eyes', status: 'pending' });
        expect(
          (await callerFor(ADA).approvals.policies()).find((policy) => policy.kind === kind)?.required,
        ).toBe(true);
        expect((await rejectionOf(() => callerFor(RITA).approvals.approve({ id: asked.id }))).code).toBe(
          'FORBIDDEN',
        );
        await callerFor(ADA).approvals.approve({ id: asked.id });
        const scenario = await SCENARIOS[kind]();
        const result = await scenario.ask(callerFor(scenario.requester));
        expect(result).not.toHaveProperty('approvalRequest');
        expect(await scenario.ran()).toBe(true);
        const entry = (await auditOf('approvals.policy-changed'))[0];
        expect(entry).toMatchObject({ actorLabel: 'user:ada', actorName: 'Ada Approver' });
        expect(entry?.message).toContain('Ada Approver turned four-eyes approval off');
        expect(entry?.message).toContain('lab rebuild this week');
      },
    );
  });
}

function describeRequesterChanges() {
  // Four-eyes means two people who may each still do it: a request whose requester was disabled or
  // lost the role the action needs since asking no longer has a first pair of eyes behind it.
  const CHANGES: [string, ApprovalKind, Principal, { role?: Role; banned?: boolean }, boolean][] = [
    ['the requester was disabled', 'delete-restore-point', RITA, { banned: true }, false],
    ['a restore operator became an operator', 'restore-in-place', OTTO, { role: 'operator' }, false],
    ['an admin became a restore operator', 'delete-job', RITA, { role: 'restore-operator' }, false],
    ['an admin became a restore operator', 'restore-volume-revert', RITA, { role: 'restore-operator' }, true],
    ['a restore operator became an admin', 'restore-snapshot-revert', OTTO, { role: 'admin' }, true],
  ];
  describe.each(CHANGES)('four-eyes: after %s (%s)', (_change, kind, requester, change, stillApprovable) => {
    it(
      stillApprovable ? 'the request is still approved and runs' : 'the approval is refused and nothing runs',
      async () => {
        const scenario = await SCENARIOS[kind]();
        const request = requestOf(await scenario.ask(callerFor(requester)));
        await lab.rows.update('user', requester.user.id, change);
        const seen = await callerFor(ADA).approvals.get({ id: request.id });
        if (stillApprovable) {
          expect(seen.approveRefusal).toBeNull();
          expect((await callerFor(ADA).approvals.approve({ id: request.id })).status).toBe('approved');
          expect(await scenario.ran()).toBe(true);
          return;
        }
        expect(seen.approveRefusal).toMatch(/^The requester('s account was disabled| no longer has the)/);
        expect(seen.rejectRefusal).toBeNull(); // it can still be rejected, and should be
        const error = await rejectionOf(() => callerFor(ADA).approvals.approve({ id: request.id }));
        expect(error.code).toBe('CONFLICT');
        expect(error.message).toBe(seen.approveRefusal);
        expect(await scenario.ran()).toBe(false);
        expect((await callerFor(ADA).approvals.get({ id: request.id })).status).toBe('pending');
      },
    );
  });
}

function describeTrail() {
  describe('four-eyes: requests in the audit trail and the policy list', () => {
    it('records the request, the approval with its comment, and lists every kind as required by default', async () => {
      const policies = await callerFor(ADA).approvals.policies();
      expect(policies.map((policy) => [policy.kind, policy.required])).toEqual(
        (Object.keys(SCENARIOS) as ApprovalKind[]).map((kind) => [kind, true]),
      );
      const scenario = await SCENARIOS['delete-restore-point']();
      const request = requestOf(await scenario.ask(callerFor(RITA)));
      await callerFor(ADA).approvals.approve({ id: request.id, comment: 'ok' });
      const trail = (await auditOf())
        .filter((entry) => entry.action.startsWith('approvals.') || entry.action === 'restorePoints.delete')
        .map((entry) => [entry.action, entry.actorName, entry.outcome]);
      expect(trail).toEqual([
        ['approvals.request', 'Rita Requester', 'succeeded'],
        ['restorePoints.delete', 'Rita Requester', 'succeeded'],
        ['approvals.approve', 'Ada Approver', 'succeeded'],
      ]);
    });

    it('a request whose job was deleted since is refused naming the request, not the job id', async () => {
      const scenario = await SCENARIOS['delete-job']();
      const request = requestOf(await scenario.ask(callerFor(RITA)));
      const [job] = await lab.rows.all('backupJobs');
      await storesOf(lab.database).jobs.delete(job.id);
      const refusal = await rejectionOf(() => callerFor(ADA).approvals.approve({ id: request.id }));
      expect([refusal.code, refusal.message]).toEqual([
        'CONFLICT',
        `"${request.title}" cannot run: what it acts on was deleted since it was requested. Reject it`,
      ]);
    });

    it('a viewer reads requests but cannot decide them', async () => {
      const scenario = await SCENARIOS['delete-job']();
      const request = requestOf(await scenario.ask(callerFor(RITA)));
      const viewer = callerFor(person('vic', 'Vic Viewer', 'viewer'));
      const seen = await viewer.approvals.get({ id: request.id });
      expect(seen.approveRefusal).toBe('Only an admin decides an approval request');
      expect((await rejectionOf(() => viewer.approvals.approve({ id: request.id }))).code).toBe('FORBIDDEN');
    });

    // Who retries (the role the action needs), the role an operator is told they lack, and the name
    // the retry asks to be typed afresh (retry-confirmation.test.ts refuses it without).
    const RETRIES: [ApprovalKind, Principal, string, string][] = [
      ['restore-in-place', OTTO, 'Restore operator', 'test-01'],
      ['delete-restore-point', RITA, 'Admin', 'web-01 2026-03-02 07:00:00 UTC'],
    ];
    it.each(RETRIES)(
      'retrying a failed %s needs its role and a second admin again, and runs as the retry',
      async (kind, requester, roleLabel, confirmation) => {
        await turnFourEyesOff(kind, 'seed a run');
        const scenario = await SCENARIOS[kind]();
        const started = await scenario.ask(callerFor(requester));
        const operationId = (started as { operationId: string }).operationId;
        await lab.rows.update('operations', operationId, { status: 'failed' });
        await callerFor(ADA).approvals.setPolicy({ kind, required: true });

        const operator = callerFor(person('opal', 'Opal Operator', 'operator'));
        const refused = await rejectionOf(() =>
          operator.operations.retryFailed({ id: operationId, confirmation }),
        );
        expect(refused.code).toBe('FORBIDDEN');
        expect(refused.message).toContain(roleLabel);

        const retried = requestOf(
          await callerFor(requester).operations.retryFailed({ id: operationId, confirmation }),
        );
        expect(retried).toMatchObject({ kind, status: 'pending', requestedByName: requester.user.name });
        expect(await operationCount()).toBe(1);
        const attentionOf = async () =>
          (await callerFor(ADA).protection.attention()).runs.find((run) => run.operationId === operationId);
        expect(await attentionOf()).toMatchObject({ unfinishedRetry: null });

        const approved = await callerFor(ADA).approvals.approve({ id: retried.id });
        const retry = (await lab.rows.all('operations')).find(
          (row) => row.id === approved.result?.operationId,
        );
        // The approved run is the retry of the failed one: until it ends the failure stands, naming
        // the retry (the page links it instead of offering another).
        expect(retry?.retryOfId).toBe(operationId);
        expect((await attentionOf())?.unfinishedRetry).toEqual({ operationId: retry?.id, status: 'queued' });
      },
    );
  });
}
