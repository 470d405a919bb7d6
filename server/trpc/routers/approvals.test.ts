/**
 * Four-eyes approval through the router, one row per destructive action kind: the action asked for
 * becomes a pending request and nothing runs; the requester cannot approve it; a second admin's
 * approval runs exactly the reviewed action; a rejection (with its comment) runs nothing; a request
 * nobody decided before its expiry (the injected clock moves past it) is rejected automatically; an
 * approval after the estate changed is refused and runs nothing; and with four-eyes turned off for
 * the kind (recorded with who did it), the action runs at once.
 */
import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../../db/client';
import { auditEntries, backupJobs, operations, restorePoints, vms } from '../../../db/schema';
import { DEMO_LAB_NAMES } from '../../../db/seed/demo-lab';
import type { ApprovalKind } from '../../engine/approvals';
import type { Role } from '../../engine/roles';
import type { ApprovalRequested } from '../../services/approval-service';
import { contentDigest, openDemoLab, rejectionOf } from '../../test-support';
import { contextFor, type Principal } from '../init';
import { createCaller } from '../root';

const HOUR = 3_600_000;
const T0 = new Date('2026-03-02T09:00:00Z');

let db: Db;
let now: Date;

function person(id: string, name: string, role: Role): Principal {
  return { user: { id, name, email: `${id}@migawka.test` }, role, session: null };
}

const RITA = person('rita', 'Rita Requester', 'admin');
const OTTO = person('otto', 'Otto Restorer', 'restore-operator');
const ADA = person('ada', 'Ada Approver', 'admin');

function callerFor(principal: Principal) {
  return createCaller(contextFor(db, { now: () => now }, principal));
}

let pointCounter = 0;
function insertPoint(values: Partial<typeof restorePoints.$inferInsert> & { vmId: string }): string {
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
  db.insert(restorePoints).values(row).run();
  return row.id as string;
}

const setPowerState = (vmId: string, powerState: 'running' | 'off') =>
  db.update(vms).set({ powerState }).where(eq(vms.id, vmId)).run();

interface Scenario {
  /** Who asks (a restore operator may ask for a destructive restore; the rest is admin work). */
  requester: Principal;
  /** The mutation as the console sends it. */
  ask: (caller: ReturnType<typeof createCaller>) => Promise<unknown>;
  /** Whether the action ran (an operation queued, a job gone, the inventory replaced). */
  ran: () => boolean;
  /** A change to what the action was judged on. */
  changeEstate: () => void;
  /** Words the approver's preview shows. */
  previewNames: RegExp;
}

const operationCount = () => db.select().from(operations).all().length;

async function restoreScenario(
  mode: 'in-place' | 'snapshot-revert' | 'volume-revert',
  setup: () => {
    pointId: string;
    confirmation: string;
    acknowledgedStoppedVmIds?: string[];
    changeEstate: () => void;
    names: RegExp;
  },
): Promise<Scenario> {
  const { pointId, confirmation, acknowledgedStoppedVmIds, changeEstate, names } = setup();
  const request = { restorePointId: pointId, mode, confirmation, acknowledgedStoppedVmIds };
  const preview = await callerFor(OTTO).restores.preview(request);
  expect(preview.isRunnable, preview.blockedReasons.join('; ')).toBe(true);
  return {
    requester: OTTO,
    ask: (caller) => caller.restores.start({ request, fingerprint: preview.fingerprint }),
    ran: () => operationCount() > 0,
    changeEstate,
    previewNames: names,
  };
}

const SCENARIOS: Record<ApprovalKind, () => Promise<Scenario>> = {
  'restore-in-place': () =>
    restoreScenario('in-place', () => ({
      pointId: insertPoint({ vmId: 'vm-test-01' }),
      confirmation: 'test-01',
      changeEstate: () => insertPoint({ vmId: 'vm-test-01', createdAt: new Date(T0.getTime() - HOUR) }),
      names: /test-01/,
    })),
  'restore-snapshot-revert': () =>
    restoreScenario('snapshot-revert', () => {
      setPowerState('vm-web-xen-01', 'off');
      return {
        pointId: insertPoint({
          vmId: 'vm-web-xen-01',
          hostId: 'host-xs-a-01',
          method: 'xen-snapshot',
          consistency: 'crash',
          snapshotId: 'snap-web-xen',
        }),
        confirmation: 'web-xen-01',
        changeEstate: () => setPowerState('vm-web-xen-01', 'running'),
        names: /web-xen-01/,
      };
    }),
  'restore-volume-revert': () =>
    restoreScenario('volume-revert', () => {
      const branch = ['vm-branch-app-01', 'vm-branch-dc-01', 'vm-branch-fs-01', 'vm-branch-print-01'];
      const ids = branch.map((vmId) =>
        insertPoint({
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
    const id = insertPoint({ vmId: 'vm-web-01' });
    return {
      requester: RITA,
      ask: (caller) => caller.restorePoints.delete({ id }),
      ran: () => operationCount() > 0,
      changeEstate: () => insertPoint({ vmId: 'vm-web-01', createdAt: new Date(T0.getTime() - HOUR) }),
      previewNames: /web-01/,
    };
  },
  'delete-job': async () => {
    const job = await callerFor(RITA).jobs.create({
      name: 'fs nightly',
      request: {
        scope: { kind: 'vms', vmIds: ['vm-fs-01'] },
        consistencyPolicy: 'fallback',
        passthroughPolicy: 'skip',
      },
      schedule: { cron: '0 2 * * *', timeZone: 'UTC' },
      missedRunPolicy: 'skip',
      retention: { keepLast: 7, daily: 0, weekly: 0, monthly: 0 },
      rpoHours: 24,
      isEnabled: true,
    });
    return {
      requester: RITA,
      ask: (caller) => caller.jobs.delete({ id: job.id }),
      ran: () => db.select().from(backupJobs).where(eq(backupJobs.id, job.id)).all().length === 0,
      changeEstate: () =>
        db.update(backupJobs).set({ name: 'fs nightly (renamed)' }).where(eq(backupJobs.id, job.id)).run(),
      previewNames: /fs nightly/,
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
      ran: () => db.select().from(vms).all().length === 0,
      changeEstate: () => setPowerState('vm-fs-01', 'off'),
      // The VMs the replace deletes, by name.
      previewNames: /sql-prod-01/,
    };
  },
};

function requestOf(result: unknown): ApprovalRequested['approvalRequest'] {
  expect(result).toHaveProperty('approvalRequest');
  return (result as ApprovalRequested).approvalRequest;
}

beforeEach(() => {
  db = openDemoLab();
  now = T0;
});

describe.each(Object.keys(SCENARIOS) as ApprovalKind[])('four-eyes: %s', (kind) => {
  it('becomes a pending request; the requester cannot approve it; a second admin approves and it runs', async () => {
    const scenario = await SCENARIOS[kind]();
    const before = contentDigest(db);
    const request = requestOf(await scenario.ask(callerFor(scenario.requester)));
    expect(request).toMatchObject({
      kind,
      status: 'pending',
      requestedByName: scenario.requester.user.name,
      expiresAt: new Date(T0.getTime() + 4 * HOUR),
    });
    expect(scenario.ran()).toBe(false);
    expect(contentDigest(db)).not.toBe(before); // only the request row was written…
    expect(db.select().from(operations).all()).toHaveLength(0); // …nothing was queued

    // The approver sees what is lost and who asked.
    const seen = await callerFor(ADA).approvals.get({ id: request.id });
    expect(JSON.stringify(seen.preview)).toMatch(scenario.previewNames);
    expect(seen).toMatchObject({ requestedByName: scenario.requester.user.name, approveRefusal: null });
    expect(await callerFor(ADA).approvals.pendingCount()).toBe(1);

    const own = await rejectionOf(() => callerFor(scenario.requester).approvals.approve({ id: request.id }));
    if (scenario.requester.role === 'admin') {
      expect(own.code).toBe('FORBIDDEN');
      expect(own.message).toContain('another admin must approve it');
    } else {
      expect(own.code).toBe('FORBIDDEN'); // a restore operator decides nothing
    }
    expect(scenario.ran()).toBe(false);

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
    expect(scenario.ran()).toBe(true);
    if (kind !== 'delete-job' && kind !== 'replace-inventory') {
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
    expect(scenario.ran()).toBe(false);
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
    expect(scenario.ran()).toBe(false);
    expect((await callerFor(ADA).approvals.get({ id: request.id })).status).toBe('expired');
    const expiry = db.select().from(auditEntries).where(eq(auditEntries.action, 'approvals.expire')).all();
    expect(expiry).toHaveLength(1);
    expect(expiry[0]?.message).toContain(`requested by ${scenario.requester.user.name}`);
  });

  it('an approval after the estate changed is refused, runs nothing, and leaves the request pending', async () => {
    const scenario = await SCENARIOS[kind]();
    const request = requestOf(await scenario.ask(callerFor(scenario.requester)));
    scenario.changeEstate();
    const error = await rejectionOf(() => callerFor(ADA).approvals.approve({ id: request.id }));
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toMatch(/^The estate changed since this request was made/);
    expect(scenario.ran()).toBe(false);
    expect((await callerFor(ADA).approvals.get({ id: request.id })).status).toBe('pending');
  });

  it('runs at once when an admin turned four-eyes off for it, recorded with their name and reason', async () => {
    const refused = await rejectionOf(() => callerFor(ADA).approvals.setPolicy({ kind, required: false }));
    expect(refused.code).toBe('BAD_REQUEST');
    await callerFor(ADA).approvals.setPolicy({ kind, required: false, reason: 'lab rebuild this week' });
    const scenario = await SCENARIOS[kind]();
    const result = await scenario.ask(callerFor(scenario.requester));
    expect(result).not.toHaveProperty('approvalRequest');
    expect(scenario.ran()).toBe(true);
    const entry = db
      .select()
      .from(auditEntries)
      .where(eq(auditEntries.action, 'approvals.policy-changed'))
      .all()[0];
    expect(entry).toMatchObject({ actorLabel: 'user:ada', actorName: 'Ada Approver' });
    expect(entry?.message).toContain('Ada Approver turned four-eyes approval off');
    expect(entry?.message).toContain('lab rebuild this week');
  });
});

describe('four-eyes: requests in the audit trail and the policy list', () => {
  it('records the request, the approval with its comment, and lists every kind as required by default', async () => {
    const policies = await callerFor(ADA).approvals.policies();
    expect(policies.map((policy) => [policy.kind, policy.required])).toEqual(
      (Object.keys(SCENARIOS) as ApprovalKind[]).map((kind) => [kind, true]),
    );
    const scenario = await SCENARIOS['delete-restore-point']();
    const request = requestOf(await scenario.ask(callerFor(RITA)));
    await callerFor(ADA).approvals.approve({ id: request.id, comment: 'ok' });
    const trail = db
      .select()
      .from(auditEntries)
      .all()
      .filter((entry) => entry.action.startsWith('approvals.') || entry.action === 'restorePoints.delete')
      .map((entry) => [entry.action, entry.actorName, entry.outcome]);
    expect(trail).toEqual([
      ['approvals.request', 'Rita Requester', 'succeeded'],
      ['restorePoints.delete', 'Rita Requester', 'succeeded'],
      ['approvals.approve', 'Ada Approver', 'succeeded'],
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

  it('retrying a failed in-place restore needs a restore operator and a second admin again', async () => {
    await callerFor(ADA).approvals.setPolicy({
      kind: 'restore-in-place',
      required: false,
      reason: 'seed a run',
    });
    const scenario = await SCENARIOS['restore-in-place']();
    const started = await scenario.ask(callerFor(OTTO));
    const operationId = (started as { operationId: string }).operationId;
    db.update(operations).set({ status: 'failed' }).where(eq(operations.id, operationId)).run();
    await callerFor(ADA).approvals.setPolicy({ kind: 'restore-in-place', required: true });

    const operator = callerFor(person('opal', 'Opal Operator', 'operator'));
    const refused = await rejectionOf(() => operator.operations.retryFailed({ id: operationId }));
    expect(refused.code).toBe('FORBIDDEN');
    expect(refused.message).toContain('Restore operator');

    const retried = requestOf(await callerFor(OTTO).operations.retryFailed({ id: operationId }));
    expect(retried).toMatchObject({
      kind: 'restore-in-place',
      status: 'pending',
      requestedByName: 'Otto Restorer',
    });
    expect(operationCount()).toBe(1);
    await callerFor(ADA).approvals.approve({ id: retried.id });
    expect(operationCount()).toBe(2);
  });
});
