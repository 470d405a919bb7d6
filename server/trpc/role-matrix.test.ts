/**
 * The role matrix: every procedure of the router (the live event stream included) has a declared
 * least role, and is called by every role and anonymously. Allowed means the call got past the
 * role check (any answer but UNAUTHORIZED/FORBIDDEN: an input error is fine, and most calls here
 * send `{}` so nothing is written); refused means exactly 401 anonymously and 403 below the minimum.
 * A procedure added without a line in DECISIONS fails the first test.
 */
import { TRPCError } from '@trpc/server';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../db/client';
import { ROLES, type Role, roleAtLeast } from '../engine/roles';
import { openDemoLab, principalOf } from '../test-support';
import { contextFor } from './init';
import { appRouter, createCaller } from './root';

type Decision = Role | 'public';

/** The least role of every procedure; 'public' only for the first-run setup page. */
const DECISIONS: Record<string, Decision> = {
  'dashboard.get': 'viewer',
  'search.estate': 'viewer',
  'hosts.list': 'viewer',
  'hosts.count': 'viewer',
  'hosts.get': 'viewer',
  'hosts.staleFacts': 'viewer',
  'vms.list': 'viewer',
  'vms.count': 'viewer',
  'vms.get': 'viewer',
  'vms.names': 'viewer',
  'vms.plan': 'viewer',
  'volumes.list': 'viewer',
  'volumes.count': 'viewer',
  'volumes.get': 'viewer',
  'arrays.list': 'viewer',
  'arrays.count': 'viewer',
  'arrays.get': 'viewer',
  'arrays.volume': 'viewer',
  'findings.list': 'viewer',
  'inventory.previewReplace': 'admin',
  'inventory.import': 'admin',
  'operations.list': 'viewer',
  'operations.get': 'viewer',
  'operations.cancel': 'operator',
  'operations.retryPreview': 'viewer',
  'operations.retryFailed': 'operator',
  'operations.backupVm': 'operator',
  'operations.events': 'viewer',
  'jobs.list': 'viewer',
  'jobs.get': 'viewer',
  'jobs.create': 'operator',
  'jobs.update': 'operator',
  'jobs.editChanges': 'operator',
  'jobs.retentionLoss': 'operator',
  'jobs.addVms': 'operator',
  'jobs.setEnabled': 'operator',
  'jobs.delete': 'admin',
  'jobs.runNow': 'operator',
  'jobs.previewSchedule': 'viewer',
  'backups.review': 'viewer',
  'backups.start': 'operator',
  'backups.createJob': 'operator',
  'backups.updateJob': 'operator',
  'restores.preview': 'viewer',
  // An operator restores as new or staged to a new VM; what overwrites is checked by request below.
  'restores.start': 'operator',
  'restorePoints.list': 'viewer',
  'restorePoints.get': 'viewer',
  'restorePoints.verify': 'operator',
  'restorePoints.delete': 'admin',
  'protection.summary': 'viewer',
  'protection.vms': 'viewer',
  'protection.attention': 'viewer',
  'protection.activity': 'viewer',
  // Connector credentials: stored and replaced by admins, never read back by anyone.
  'secrets.list': 'admin',
  'secrets.create': 'admin',
  'secrets.replace': 'admin',
  'secrets.delete': 'admin',
  // Hyper-V host connections: added, tested and synced by admins (they reach the hosts with vault credentials).
  'hypervConnections.list': 'admin',
  'hypervConnections.disconnectImpact': 'admin',
  'hypervConnections.add': 'admin',
  'hypervConnections.test': 'admin',
  'hypervConnections.testDraft': 'admin',
  'hypervConnections.remove': 'admin',
  'hypervConnections.acceptHostKey': 'admin',
  'hypervConnections.acceptNodeHostKey': 'admin',
  'hypervConnections.setWsbTarget': 'admin',
  'hypervConnections.sync': 'admin',
  'hypervConnections.syncs': 'admin',
  // Storage-array connections: added and discovered by admins (they reach the arrays with vault credentials).
  'arrayConnections.list': 'admin',
  'arrayConnections.addOntap': 'admin',
  'arrayConnections.addEqualLogic': 'admin',
  'arrayConnections.acceptCertificate': 'admin',
  'arrayConnections.sync': 'admin',
  'arrayConnections.test': 'admin',
  'arrayConnections.remove': 'admin',
  // Who did what, from where: for admins (it names every user and address).
  'audit.list': 'admin',
  'audit.actors': 'admin',
  'audit.verify': 'admin',
  // Four-eyes: everyone reads what waits for approval; only admins decide or change the policy.
  'approvals.list': 'viewer',
  'approvals.get': 'viewer',
  'approvals.pendingCount': 'viewer',
  'approvals.policies': 'viewer',
  'approvals.approve': 'admin',
  'approvals.reject': 'admin',
  'approvals.setPolicy': 'admin',
  'account.me': 'viewer',
  'account.sessions': 'viewer',
  'account.revokeSession': 'viewer',
  'users.list': 'admin',
  'users.create': 'admin',
  'users.setRole': 'admin',
  'users.setDisabled': 'admin',
  'users.resetPassword': 'admin',
  // Pool connections reach the hypervisors with the vault's accounts: admins only.
  'xapiPools.list': 'admin',
  'xapiPools.disconnectImpact': 'admin',
  'xapiPools.add': 'admin',
  'xapiPools.test': 'admin',
  'xapiPools.setSshAccounts': 'admin',
  'xapiPools.testSshAccount': 'admin',
  'xapiPools.testTargets': 'admin',
  'xapiPools.acceptCertificate': 'admin',
  'xapiPools.discover': 'admin',
  'xapiPools.remove': 'admin',
  'xapiPools.syncs': 'admin',
  'setup.status': 'public',
  'setup.complete': 'public',
};

const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>;
const paths = Object.keys(procedures).sort();

let db: Db;
beforeAll(() => {
  db = openDemoLab();
});

/** Calls `path` as `role` (null: anonymous) with `input`; resolves to the error code, or 'OK'. */
async function outcome(path: string, role: Role | null, input: unknown = {}): Promise<string> {
  const controller = new AbortController();
  const caller = createCaller(contextFor(db, {}, role ? principalOf(role) : null), {
    signal: controller.signal,
  });
  const call = path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller);
  try {
    const result = await (call as (input: unknown) => Promise<unknown>)(input);
    // A subscription answers with its stream once the role check passed: stop it unread.
    controller.abort();
    if (result && typeof result === 'object' && Symbol.asyncIterator in result) {
      await (result as AsyncIterable<unknown>)[Symbol.asyncIterator]().return?.();
    }
    return 'OK';
  } catch (error) {
    controller.abort();
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
}

describe('role matrix', () => {
  it('declares a least role for every procedure of the router, and no other', () => {
    const undeclared = paths.filter((path) => !(path in DECISIONS));
    const stale = Object.keys(DECISIONS).filter((path) => !(path in procedures));
    expect({ undeclared, stale }).toEqual({ undeclared: [], stale: [] });
    // The live event stream is one of them.
    expect(procedures['operations.events']._def.type).toBe('subscription');
  });

  const cases = paths.flatMap((path) =>
    [null, ...ROLES].map((role) => ({ path, role, decision: DECISIONS[path] })),
  );

  it.each(cases)('$path as $role', async ({ path, role, decision }) => {
    const code = await outcome(path, role);
    if (decision === 'public') {
      expect(['UNAUTHORIZED', 'FORBIDDEN']).not.toContain(code);
    } else if (role === null) {
      expect(code).toBe('UNAUTHORIZED');
    } else if (roleAtLeast(role, decision)) {
      expect(['UNAUTHORIZED', 'FORBIDDEN']).not.toContain(code);
    } else {
      expect(code).toBe('FORBIDDEN');
    }
  });
});

describe('restores.start by mode', () => {
  const request = (mode: string, newVmName?: string) => ({
    request: {
      restorePointId: 'rp-none',
      mode,
      confirmation: 'x',
      ...(newVmName ? { newVmName } : {}),
    },
    fingerprint: '0'.repeat(64),
  });

  it.each([
    { mode: 'as-new', newVmName: 'fresh-vm', minimum: 'operator' },
    { mode: 'staged', newVmName: 'fresh-vm', minimum: 'operator' },
    // Without a new name the staged copy goes back over the VM itself: it overwrites, as in place.
    { mode: 'staged', newVmName: undefined, minimum: 'restore-operator' },
    { mode: 'in-place', newVmName: undefined, minimum: 'restore-operator' },
    { mode: 'snapshot-revert', newVmName: undefined, minimum: 'restore-operator' },
    { mode: 'volume-revert', newVmName: undefined, minimum: 'restore-operator' },
  ] as const)('$mode (new name $newVmName) needs $minimum', async ({ mode, newVmName, minimum }) => {
    for (const role of ROLES) {
      const code = await outcome('restores.start', role, request(mode, newVmName));
      // Past the role check the unknown restore point is what refuses it.
      expect({ role, code }).toEqual({ role, code: roleAtLeast(role, minimum) ? 'NOT_FOUND' : 'FORBIDDEN' });
    }
  });
});
