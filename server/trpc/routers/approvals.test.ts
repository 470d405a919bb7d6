/**
 * Four-eyes approval through the router, one row per destructive action kind: the action asked for
 * becomes a pending request and nothing runs; the requester cannot approve it; a second admin's
 * approval runs exactly the reviewed action; a rejection (with its comment) runs nothing; a request
 * nobody decided before its expiry (the injected clock moves past it) is rejected automatically; an
 * approval after the estate changed, or after the requester was disabled or lost the role the
 * action needs, is refused and runs nothing; and with four-eyes turned off for the kind (recorded
 * with who did it), the action runs at once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ProcessDatabase, storesOf } from '../../../db/process-database';
import type { restorePoints } from '../../../db/schema';
import { DEMO_LAB_NAMES } from '../../../db/seed/demo-lab';
import { storeDialects } from '../../../db/stores/contract/dialects';
import type { ApprovalKind } from '../../engine/approvals';
import type { Role } from '../../engine/roles';
import type { ApprovalRequested } from '../../services/approval-service';
import { insertAccounts, openDemoLabOn, rowsOf, type TestRows } from '../../test-rows';
import { nightlyJobInput, person, rejectionOf } from '../../test-support';
import { contextFor, type Principal } from '../init';
import { createCaller } from '../root';

const HOUR = 3_600_000;
const T0 = new Date('2026-03-02T09:00:00Z');

let database: ProcessDatabase;
let rows: TestRows;
let now: Date;

const RITA = person('rita', 'Rita Requester', 'admin');
const OTTO = person('otto', 'Otto Restorer', 'restore-operator');
const ADA = person('ada', 'Ada Approver', 'admin');

function callerFor(principal: Principal) {
  return createCaller(contextFor(database, { now: () => now }, principal));
}

/** The people of these tests as accounts, so a request's requester can be looked up (and changed). */
let pointCounter = 0;
async function insertPoint(
  values: Partial<typeof restorePoints.$inferInsert> & { vmId: string },
): Promise<string> {
  pointCounter += 1;
  const row: typeof restorePoints.$inferInsert = {
    id: `rp-4eyes-${pointCounter}`,
    vmName: values.vmId.replace(/^vm-/, ''),
    hostId: 'host-hv-prod-01',
    method: 'hyperv-vss',
    consistency: 'application',
    captureState: 'online',
    heldDisksJson: [`${values.vmId}-os`],
    missingDisksJson: [],
    sizeBytes: 1024,
    repositoryPath: `points/4eyes-${pointCounter}`,
    createdAt: new Date(T0.getTime() - 2 * HOUR),
    ...values,
  };
  await rows.insert('restorePoints', row);
  return row.id as string;
}

/** Points of the job's VM taken these many hours before T0. */
async function insertJobPoints(jobId: string, vmId: string, hoursAgo: number[]): Promise<string[]> {
  const ids: string[] = [];
  for (const hours of hoursAgo)
    ids.push(await insertPoint({ vmId, jobId, createdAt: new Date(T0.getTime() - hours * HOUR) }));
  return ids;
}

const setPowerState = (vmId: string, powerState: 'running' | 'off') =>
  rows.update('vms', vmId, { powerState });

interface Scenario {
  /** Who asks (a restore operator may ask for a destructive restore; the rest is admin work). */
  requester: Principal;
  /** The mutation as the console sends it. */
  ask: (caller: ReturnType<typeof createCaller>) => Promise<unknown>;
  /** Whether the action ran (an operation queued, a job gone, the inventory replaced). */
  ran: () => Promise<boolean>;
  /** A change to what the action was judged on. */
  changeEstate: () => Promise<unknown>;
  /** Words the approver's preview shows. */
  previewNames: RegExp;
}

const operationCount = async () => (await rows.all('operations')).length;

async function restoreScenario(
  mode: 'in-place' | 'snapshot-revert' | 'volume-revert',
  setup: () => Promise<{
    pointId: string;
    confirmation: string;
    acknowledgedStoppedVmIds?: string[];
    changeEstate: () => Promise<unknown>;
    names: RegExp;
  }>,
): Promise<Scenario> {
  const { pointId, confirmation, acknowledgedStoppedVmIds, changeEstate, names } = await setup();
  const request = { restorePointId: pointId, mode, confirmation, acknowledgedStoppedVmIds };
  const preview = await callerFor(OTTO).restores.preview(request);
  expect(preview.isRunnable, preview.blockedReasons.join('; ')).toBe(true);
  return {
    requester: OTTO,
    ask: (caller) => caller.restores.start({ request, fingerprint: preview.fingerprint }),
    ran: async () => (await operationCount()) > 0,
    changeEstate,
    previewNames: names,
  };
}

const deleteJobRequired = async () =>
  (await callerFor(RITA).approvals.policies()).find((policy) => policy.kind === 'delete-job')?.required;

const SCENARIOS: Record<ApprovalKind, () => Promise<Scenario>> = {
  'restore-in-place': () =>
    restoreScenario('in-place', async () => ({
      pointId: await insertPoint({ vmId: 'vm-test-01' }),
      confirmation: 'test-01',
      changeEstate: () => insertPoint({ vmId: 'vm-test-01', createdAt: new Date(T0.getTime() - HOUR) }),
      names: /test-01/,
    })),
  'restore-snapshot-revert': () =>
    restoreScenario('snapshot-revert', async () => {
      await setPowerState('vm-web-xen-01', 'off');
      return {
        pointId: await insertPoint({
          vmId: 'vm-web-xen-01',
          hostId: 'host-xs-a-01',
          method: 'xen-snapshot',
          consistency: 'crash',
          snapshotId: 'xen:5a1e',
          // Only a snapshot kept on the pool is one to revert to.
          locationKind: 'pool-snapshot',
          locationRef: 'xen:5a1e',
          locationName: 'web-xen-01 before patch',
          repositoryPath: '',
        }),
        confirmation: 'web-xen-01',
        changeEstate: () => setPowerState('vm-web-xen-01', 'running'),
        names: /web-xen-01/,
      };
    }),
  'restore-volume-revert': () =>
    restoreScenario('volume-revert', async () => {
      const branch = ['vm-branch-app-01', 'vm-branch-dc-01', 'vm-branch-fs-01', 'vm-branch-print-01'];
      const ids: string[] = [];
      for (const vmId of branch)
        ids.push(
          await insertPoint({
            vmId,
            hostId: 'host-hv-branch-01',
            method: 'wsb-volume',
            hostVolumeId: DEMO_LAB_NAMES.wsbVolumeId,
            snapshotId: 'snap-branch',
          }),
        );
      return {
        pointId: ids[0] as string,
        confirmation: 'hv-branch-01 D:',
        acknowledgedStoppedVmIds: branch,
        changeEstate: () => setPowerState('vm-branch-dc-01', 'off'),
        // The collateral VMs the revert rolls back are what the approver reads.
        names: /branch-dc-01/,
      };
    }),
  'delete-restore-point': async () => {
    const id = await insertPoint({ vmId: 'vm-web-01' });
    return {
      requester: RITA,
      ask: (caller) => caller.restorePoints.delete({ id }),
      ran: async () => (await operationCount()) > 0,
      changeEstate: () => insertPoint({ vmId: 'vm-web-01', createdAt: new Date(T0.getTime() - HOUR) }),
      previewNames: /web-01/,
    };
  },
  'delete-job': async () => {
    const job = await callerFor(RITA).jobs.create(nightlyJobInput('fs nightly', 'vm-fs-01'));
    return {
      requester: RITA,
      ask: (caller) => caller.jobs.delete({ id: job.id }),
      ran: async () => !(await rows.all('backupJobs')).some((row) => row.id === job.id),
      changeEstate: () => rows.update('backupJobs', job.id, { name: 'fs nightly (renamed)' }),
      previewNames: /fs nightly/,
    };
  },
  'tighten-retention': async () => {
    // fs-01's nightly job keeps its last 3 points; the edit keeps 1. Its next run adds a fourth and
    // would delete the 2 newer of the 3 that the saved setting keeps (the oldest goes either way).
    const input = nightlyJobInput('fs nightly', 'vm-fs-01', {
      retention: { keepLast: 3, daily: 0, weekly: 0, monthly: 0 },
    });
    const job = await callerFor(RITA).jobs.create(input);
    await insertJobPoints(job.id, 'vm-fs-01', [3, 2, 1]);
    const tighter = { ...input, retention: { keepLast: 1, daily: 0, weekly: 0, monthly: 0 } };
    const keepsOne = async () =>
      (
        (await rows.all('backupJobs')).find((row) => row.id === job.id)?.retentionJson as {
          keepLast?: number;
        }
      )?.keepLast === 1;
    return {
      requester: RITA,
      ask: (caller) => caller.jobs.update({ id: job.id, job: tighter, loadedUpdatedAt: job.updatedAt }),
      ran: keepsOne,
      // A newer point: the edit would now delete other points than the ones reviewed.
      changeEstate: () =>
        insertPoint({ vmId: 'vm-fs-01', jobId: job.id, createdAt: new Date(T0.getTime() - HOUR / 2) }),
      // The job, and the points that go, by the VM's name and time.
      previewNames:
        /fs nightly.*Keep last 3.*Keep last 1.*"count":2.*the 2026-03-02 07:00 UTC point of fs-01/,
    };
  },
  'replace-inventory': async () => {
    const content = JSON.stringify({
      formatVersion: 1,
      hosts: [
        {
          id: 'host-hv-prod-01',
          name: 'hv-prod-01',
          kind: 'hyperv',
          version: 'Windows Server 2022 Datacenter',
          pool: null,
          hasVssAwareProduct: true,
          offersQuiescedSnapshots: false,
        },
      ],
    });
    return {
      requester: RITA,
      ask: async (caller) => {
        // The requester previews what goes and types its confirmation, as the import page does.
        const preview = await caller.inventory.previewReplace({ content });
        const confirmation = preview.confirmation;
        if (!confirmation) throw new Error('the replace should remove VMs');
        return caller.inventory.import({
          content,
          mode: 'replace',
          confirmation: { phrase: confirmation.phrase, removalFingerprint: confirmation.removalFingerprint },
        });
      },
      ran: async () => (await rows.all('vms')).length === 0,
      changeEstate: () => setPowerState('vm-fs-01', 'off'),
      // The VMs the replace deletes, by name.
      previewNames: /sql-prod-01/,
    };
  },
  'turn-off-four-eyes': async () => ({
    requester: RITA,
    ask: (caller) =>
      caller.approvals.setPolicy({ kind: 'delete-job', required: false, reason: 'lab rebuild this week' }),
    ran: async () => (await deleteJobRequired()) === false,
    // The policy written again since (by another path): the request was judged on the one before.
    changeEstate: () =>
      storesOf(database).approvals.setPolicy({
        kind: 'delete-job',
        required: true,
        reason: null,
        updatedAt: new Date(T0.getTime() + 1000),
        updatedBy: 'user:ada',
        updatedByName: 'Ada Approver',
      }),
    previewNames: /Deleting a backup job.*lab rebuild this week/,
  }),
};

/** Turns four-eyes off for `kind` as the console does it: Rita asks, Ada approves. */
async function turnFourEyesOff(kind: ApprovalKind, reason: string): Promise<void> {
  const request = requestOf(await callerFor(RITA).approvals.setPolicy({ kind, required: false, reason }));
  await callerFor(ADA).approvals.approve({ id: request.id });
}

function requestOf(result: unknown): ApprovalRequested['approvalRequest'] {
  expect(result).toHaveProperty('approvalRequest');
  return (result as ApprovalRequested).approvalRequest;
}

const auditOf = async (action?: string) =>
  (await rows.all('auditEntries'))
    .filter((entry) => action === undefined || entry.action === action)
    .sort((a, b) => a.seq - b.seq);

const dialects = await storeDialects('approvals');

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    let close: () => Promise<void>;
    beforeEach(async () => {
      ({ database, close } = await openDemoLabOn(dialect));
      rows = rowsOf(database);
      now = T0;
      await insertAccounts(rows, T0, RITA, OTTO, ADA);
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
      const requestsBefore = (await rows.all('approvalRequests')).length;
      const request = requestOf(await scenario.ask(callerFor(scenario.requester)));
      expect(request).toMatchObject({
        kind,
        status: 'pending',
        requestedByName: scenario.requester.user.name,
        expiresAt: new Date(T0.getTime() + 4 * HOUR),
      });
      expect(await scenario.ran()).toBe(false);
      expect(await rows.all('approvalRequests')).toHaveLength(requestsBefore + 1); // the request row was written…
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

      now = new Date(T0.getTime() + HOUR);
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
      // Saving a job, deleting one, replacing the inventory and a policy queue no operation.
      if (!['delete-job', 'replace-inventory', 'tighten-retention', 'turn-off-four-eyes'].includes(kind)) {
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
      now = new Date(T0.getTime() + 4 * HOUR - 1);
      expect((await callerFor(ADA).approvals.get({ id: request.id })).status).toBe('pending');
      now = new Date(T0.getTime() + 4 * HOUR);
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
        await rows.update('user', requester.user.id, change);
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
      expect(await rows.all('approvalRequests')).toHaveLength(0);
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
      expect(await rows.all('approvalRequests')).toHaveLength(0);
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
      expect(await rows.all('approvalRequests')).toHaveLength(0);
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

    it('a request whose job was deleted since is refused naming the request, not the job id', async () => {
      const scenario = await SCENARIOS['delete-job']();
      const request = requestOf(await scenario.ask(callerFor(RITA)));
      const [job] = await rows.all('backupJobs');
      await storesOf(database).jobs.delete(job.id);
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

    // Who retries (the role the action needs), and the role an operator is told they lack.
    const RETRIES: [ApprovalKind, Principal, string][] = [
      ['restore-in-place', OTTO, 'Restore operator'],
      ['delete-restore-point', RITA, 'Admin'],
    ];
    it.each(RETRIES)(
      'retrying a failed %s needs its role and a second admin again, and runs as the retry',
      async (kind, requester, roleLabel) => {
        await turnFourEyesOff(kind, 'seed a run');
        const scenario = await SCENARIOS[kind]();
        const started = await scenario.ask(callerFor(requester));
        const operationId = (started as { operationId: string }).operationId;
        await rows.update('operations', operationId, { status: 'failed' });
        await callerFor(ADA).approvals.setPolicy({ kind, required: true });

        const operator = callerFor(person('opal', 'Opal Operator', 'operator'));
        const refused = await rejectionOf(() => operator.operations.retryFailed({ id: operationId }));
        expect(refused.code).toBe('FORBIDDEN');
        expect(refused.message).toContain(roleLabel);

        const retried = requestOf(await callerFor(requester).operations.retryFailed({ id: operationId }));
        expect(retried).toMatchObject({ kind, status: 'pending', requestedByName: requester.user.name });
        expect(await operationCount()).toBe(1);
        const attentionOf = async () =>
          (await callerFor(ADA).protection.attention()).runs.find((run) => run.operationId === operationId);
        expect(await attentionOf()).toMatchObject({ unfinishedRetry: null });

        const approved = await callerFor(ADA).approvals.approve({ id: retried.id });
        const retry = (await rows.all('operations')).find((row) => row.id === approved.result?.operationId);
        // The approved run is the retry of the failed one: until it ends the failure stands, naming
        // the retry (the page links it instead of offering another).
        expect(retry?.retryOfId).toBe(operationId);
        expect((await attentionOf())?.unfinishedRetry).toEqual({ operationId: retry?.id, status: 'queued' });
      },
    );
  });
}
