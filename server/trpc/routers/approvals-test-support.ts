/**
 * The approvals tests' lab: the demo lab on a store, three people with accounts, an injected clock,
 * restore points inserted as rows, and one scenario per action kind (what asking for it looks
 * like, how to tell it ran, and a change of what it was judged on).
 */
import { expect } from 'vitest';
import { type ProcessDatabase, storesOf } from '../../../db/process-database';
import type { restorePoints } from '../../../db/schema';
import { DEMO_LAB_NAMES } from '../../../db/seed/demo-lab';
import type { StoreDialect } from '../../../db/stores/contract/dialects';
import type { ApprovalKind } from '../../engine/approvals';
import type { ApprovalRequested } from '../../services/approval-service';
import { insertAccounts, openDemoLabOn, rowsOf, type TestRows } from '../../test-rows';
import { nightlyJobInput, person } from '../../test-support';
import { contextFor, type Principal } from '../init';
import { createCaller } from '../root';

export const HOUR = 3_600_000;
export const T0 = new Date('2026-03-02T09:00:00Z');

/** The store, its rows and the clock of the test running (openApprovalsLab sets them). */
export const lab = {
  database: undefined as unknown as ProcessDatabase,
  rows: undefined as unknown as TestRows,
  now: new Date(0),
};

export const RITA = person('rita', 'Rita Requester', 'admin');
export const OTTO = person('otto', 'Otto Restorer', 'restore-operator');
export const ADA = person('ada', 'Ada Approver', 'admin');

export function callerFor(principal: Principal) {
  return createCaller(contextFor(lab.database, { now: () => lab.now }, principal));
}

/** The people of these tests as accounts, so a request's requester can be looked up (and changed). */
let pointCounter = 0;
export async function insertPoint(
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
  await lab.rows.insert('restorePoints', row);
  return row.id as string;
}

/** Points of the job's VM taken these many hours before T0. */
export async function insertJobPoints(jobId: string, vmId: string, hoursAgo: number[]): Promise<string[]> {
  const ids: string[] = [];
  for (const hours of hoursAgo)
    ids.push(await insertPoint({ vmId, jobId, createdAt: new Date(T0.getTime() - hours * HOUR) }));
  return ids;
}

export const setPowerState = (vmId: string, powerState: 'running' | 'off') =>
  lab.rows.update('vms', vmId, { powerState });

export interface Scenario {
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

export const operationCount = async () => (await lab.rows.all('operations')).length;

export async function restoreScenario(
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

/** A Hyper-V host connection that reads `hostId`, as a sync leaves it (the lab has none). */
export async function insertHypervConnection(name: string, hostId: string | null): Promise<string> {
  const id = `hv-conn-${name.replace(/\W+/g, '-')}`;
  await lab.rows.insert('hypervConnections', {
    id,
    name,
    address: `${name.replace(/\W+/g, '-')}.lab.test`,
    port: 22,
    secretId: 'secret-hv',
    hostId,
    createdAt: T0,
    createdBy: 'user:rita',
  });
  return id;
}

export const hypervConnectionExists = async (id: string) =>
  (await lab.rows.all('hypervConnections')).some((row) => row.id === id);

export const deleteJobRequired = async () =>
  (await callerFor(RITA).approvals.policies()).find((policy) => policy.kind === 'delete-job')?.required;

export const SCENARIOS: Record<ApprovalKind, () => Promise<Scenario>> = {
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
      ask: (caller) => caller.restorePoints.delete({ id, confirmation: 'web-01 2026-03-02 07:00:00 UTC' }),
      ran: async () => (await operationCount()) > 0,
      changeEstate: () => insertPoint({ vmId: 'vm-web-01', createdAt: new Date(T0.getTime() - HOUR) }),
      previewNames: /web-01/,
    };
  },
  'delete-job': async () => {
    const job = await callerFor(RITA).jobs.create(nightlyJobInput('fs nightly', 'vm-fs-01'));
    return {
      requester: RITA,
      ask: (caller) => caller.jobs.delete({ id: job.id, confirmation: job.name }),
      ran: async () => !(await lab.rows.all('backupJobs')).some((row) => row.id === job.id),
      changeEstate: () => lab.rows.update('backupJobs', job.id, { name: 'fs nightly (renamed)' }),
      previewNames: /fs nightly/,
    };
  },
  disconnect: async () => {
    const id = await insertHypervConnection('prod host', 'host-hv-prod-01');
    await callerFor(RITA).jobs.create(nightlyJobInput('web nightly', 'vm-web-01'));
    return {
      requester: RITA,
      ask: (caller) => caller.hypervConnections.remove({ id, confirmation: 'prod host' }),
      ran: async () => !(await hypervConnectionExists(id)),
      // A job backing up a VM on its host since: the disconnect would stop more than was reviewed.
      changeEstate: () => callerFor(ADA).jobs.create(nightlyJobInput('fs nightly', 'vm-fs-01')),
      // The connection, its host and the job whose runs fail, by name.
      previewNames: /prod host.*hv-prod-01.*web nightly/,
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
        (await lab.rows.all('backupJobs')).find((row) => row.id === job.id)?.retentionJson as {
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
      ran: async () => (await lab.rows.all('vms')).length === 0,
      changeEstate: () => setPowerState('vm-fs-01', 'off'),
      // The VMs the replace deletes, by name.
      previewNames: /sql-prod-01/,
    };
  },
  'change-admins': async () => ({
    requester: RITA,
    ask: (caller) => caller.users.setRole({ userId: OTTO.user.id, role: 'admin' }),
    ran: async () => (await lab.rows.all('user')).find((user) => user.id === OTTO.user.id)?.role === 'admin',
    // Otto's role changed since: the request was judged on the one before.
    changeEstate: () => lab.rows.update('user', OTTO.user.id, { role: 'operator' }),
    previewNames: /Otto Restorer.*becomes Admin \(Restore operator today\)/,
  }),
  'turn-off-four-eyes': async () => ({
    requester: RITA,
    ask: (caller) =>
      caller.approvals.setPolicy({ kind: 'delete-job', required: false, reason: 'lab rebuild this week' }),
    ran: async () => (await deleteJobRequired()) === false,
    // The policy written again since (by another path): the request was judged on the one before.
    changeEstate: () =>
      storesOf(lab.database).approvals.setPolicy({
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
export async function turnFourEyesOff(kind: ApprovalKind, reason: string): Promise<void> {
  const request = requestOf(await callerFor(RITA).approvals.setPolicy({ kind, required: false, reason }));
  await callerFor(ADA).approvals.approve({ id: request.id });
}

export function requestOf(result: unknown): ApprovalRequested['approvalRequest'] {
  expect(result).toHaveProperty('approvalRequest');
  return (result as ApprovalRequested).approvalRequest;
}

export const auditOf = async (action?: string) =>
  (await lab.rows.all('auditEntries'))
    .filter((entry) => action === undefined || entry.action === action)
    .sort((a, b) => a.seq - b.seq);

/** Opens the demo lab on `dialect` with the three people's accounts, the clock at T0; returns its close. */
export async function openApprovalsLab(dialect: StoreDialect): Promise<() => Promise<void>> {
  const opened = await openDemoLabOn(dialect);
  lab.database = opened.database;
  lab.rows = rowsOf(opened.database);
  lab.now = T0;
  await insertAccounts(lab.rows, T0, RITA, OTTO, ADA);
  return opened.close;
}
