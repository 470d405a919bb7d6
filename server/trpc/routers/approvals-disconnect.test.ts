/**
 * Four-eyes of a disconnect (`disconnect`): disconnecting a Hyper-V host or a XenServer pool stops
 * the backups and restores of the VMs on its hosts, so one admin only asks. The typed name is
 * checked before a request is made; the request names the connection and what it stops; nothing is
 * disconnected until a second admin approves, when what it stops is read again; a connection
 * renamed, gone or busy by then is refused (busy: the approved request ends failed, with why).
 * approvals.test.ts runs the steps every kind shares (expiry, rejection, turning four-eyes off).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storesOf } from '../../../db/process-database';
import { storeDialects } from '../../../db/stores/contract/dialects';
import { nightlyJobInput, rejectionOf } from '../../test-support';
import {
  ADA,
  auditOf,
  callerFor,
  hypervConnectionExists,
  insertHypervConnection,
  lab,
  openApprovalsLab,
  RITA,
  requestOf,
  T0,
} from './approvals-test-support';

const dialects = await storeDialects('approvals-disconnect');

async function insertPool(name: string, hostIds: string[]): Promise<string> {
  const id = `pool-${name.replace(/\W+/g, '-')}`;
  await lab.rows.insert('xapiPools', {
    id,
    name,
    address: 'xs-a-01.lab.test',
    secretId: 'secret-xs',
    pins: {},
    refused: {},
    createdAt: T0,
    createdBy: 'user:rita',
    hostIds,
  });
  return id;
}

const requestRows = async () => (await lab.rows.all('approvalRequests')).length;

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    let close: () => Promise<void>;
    let connectionId: string;
    beforeEach(async () => {
      close = await openApprovalsLab(dialect);
      connectionId = await insertHypervConnection('prod host', 'host-hv-prod-01');
      await callerFor(RITA).jobs.create(nightlyJobInput('web nightly', 'vm-web-01'));
    });
    afterEach(() => close());

    const askToDisconnect = async (confirmation = 'prod host') =>
      requestOf(await callerFor(RITA).hypervConnections.remove({ id: connectionId, confirmation }));

    it('a mistyped name is refused before any request is made, and nothing is disconnected', async () => {
      const refused = await rejectionOf(() =>
        callerFor(RITA).hypervConnections.remove({ id: connectionId, confirmation: 'prod' }),
      );
      expect(refused.code).toBe('BAD_REQUEST');
      expect(refused.message).toBe(
        'The confirmation "prod" is not the connection\'s name, "prod host". Nothing was disconnected.',
      );
      expect(await requestRows()).toBe(0);
      expect(await hypervConnectionExists(connectionId)).toBe(true);
    });

    it('the request names the connection, its host and what stops; the requester cannot approve it', async () => {
      const request = await askToDisconnect();
      expect(request).toMatchObject({
        kind: 'disconnect',
        kindLabel: 'Disconnecting a Hyper-V host or XenServer pool',
        status: 'pending',
        title: 'Disconnect the Hyper-V host prod host',
      });
      const { vmCount } = await callerFor(ADA).hypervConnections.disconnectImpact({ id: connectionId });
      expect(vmCount).toBeGreaterThan(0);
      expect(request.preview).toEqual({
        kind: 'disconnect',
        connection: {
          connector: 'hyperv',
          kindLabel: 'Hyper-V host',
          id: connectionId,
          name: 'prod host',
          address: 'prod-host.lab.test',
          hostNames: ['hv-prod-01'],
        },
        impact: { vmCount, jobs: [expect.objectContaining({ name: 'web nightly', isEnabled: true })] },
      });
      expect(await hypervConnectionExists(connectionId)).toBe(true);
      const own = await rejectionOf(() => callerFor(RITA).approvals.approve({ id: request.id }));
      expect([own.code, own.message]).toEqual([
        'FORBIDDEN',
        'You asked for this action: another admin must approve it (four-eyes)',
      ]);
      expect(await hypervConnectionExists(connectionId)).toBe(true);
    });

    it('approved by a second admin, it disconnects, and the trail names the request and who decided', async () => {
      const request = await askToDisconnect();
      const approved = await callerFor(ADA).approvals.approve({ id: request.id, comment: 'host retired' });
      expect(approved).toMatchObject({
        status: 'approved',
        decidedByName: 'Ada Approver',
        result: { connector: 'hyperv', name: 'prod host' },
      });
      expect(await hypervConnectionExists(connectionId)).toBe(false);
      const trail = (await auditOf())
        .filter((entry) => entry.action.startsWith('approvals.') || entry.action.endsWith('.remove'))
        .map((entry) => [entry.action, entry.actorName, entry.outcome, entry.objectsJson]);
      expect(trail).toEqual([
        [
          'approvals.request',
          'Rita Requester',
          'succeeded',
          [expect.objectContaining({ name: request.title })],
        ],
        ['hypervConnections.remove', 'Rita Requester', 'succeeded', expect.anything()],
        [
          'approvals.approve',
          'Ada Approver',
          'succeeded',
          [expect.objectContaining({ name: request.title })],
        ],
      ]);
      expect(await hypervConnectionExists(connectionId)).toBe(false);
    });

    it('rejected, nothing is disconnected', async () => {
      const request = await askToDisconnect();
      await callerFor(ADA).approvals.reject({ id: request.id, comment: 'not during month end' });
      expect(await hypervConnectionExists(connectionId)).toBe(true);
    });

    it('a connection never synced (no VM known on it) still asks: what it stops is unknown', async () => {
      const fresh = await insertHypervConnection('new host', null);
      const request = requestOf(
        await callerFor(RITA).hypervConnections.remove({ id: fresh, confirmation: 'new host' }),
      );
      expect(request.preview).toMatchObject({
        connection: { name: 'new host', hostNames: [] },
        impact: { vmCount: 0, jobs: [] },
      });
      expect(await hypervConnectionExists(fresh)).toBe(true);
    });

    it('a XenServer pool: asked, approved, disconnected', async () => {
      const poolId = await insertPool('lab pool', ['host-xs-a-01', 'host-xs-a-02']);
      const request = requestOf(
        await callerFor(RITA).xapiPools.remove({ id: poolId, confirmation: 'lab pool' }),
      );
      expect(request.title).toBe('Disconnect the XenServer pool lab pool');
      expect(request.preview).toMatchObject({
        connection: { connector: 'xapi', name: 'lab pool', hostNames: ['xs-a-01', 'xs-a-02'] },
      });
      const poolExists = async () => (await lab.rows.all('xapiPools')).some((row) => row.id === poolId);
      expect(await poolExists()).toBe(true);
      await callerFor(ADA).approvals.approve({ id: request.id });
      expect(await poolExists()).toBe(false);
    });

    // What changed under a request, and how its approval answers; nothing is disconnected.
    const MEANWHILE: [string, () => Promise<unknown>, RegExp][] = [
      [
        'it was disconnected meanwhile',
        () => storesOf(lab.database).hypervConnections.delete(connectionId),
        /^"Disconnect the Hyper-V host prod host" cannot run: what it acts on was deleted since it was requested/,
      ],
      [
        'it was renamed',
        () => lab.rows.update('hypervConnections', connectionId, { name: 'prod host (old)' }),
        /^The estate changed since this request was made/,
      ],
      [
        'a sync found it reads a cluster node more',
        () => lab.rows.update('hypervConnections', connectionId, { nodeHostIds: ['host-hv-prod-02'] }),
        /^The estate changed since this request was made/,
      ],
    ];
    it.each(MEANWHILE)(
      'when %s, the approval is refused and the request stays pending',
      async (_what, change, message) => {
        const request = await askToDisconnect();
        await change();
        const refusal = await rejectionOf(() => callerFor(ADA).approvals.approve({ id: request.id }));
        expect(refusal.code).toBe('CONFLICT');
        expect(refusal.message).toMatch(message);
        expect((await callerFor(ADA).approvals.get({ id: request.id })).status).toBe('pending');
      },
    );

    it('when a backup on its host is queued by then, the approved disconnect ends failed with why', async () => {
      const request = await askToDisconnect();
      const [job] = await lab.rows.all('backupJobs');
      await callerFor(ADA).jobs.runNow({ id: job.id });
      const refusal = await rejectionOf(() => callerFor(ADA).approvals.approve({ id: request.id }));
      expect(refusal.code).toBe('PRECONDITION_FAILED');
      expect(refusal.message).toBe(
        'prod host is in use by an operation ("Backup job web nightly (run manually)"): wait for it to end, or cancel it, then disconnect it.',
      );
      expect(await callerFor(ADA).approvals.get({ id: request.id })).toMatchObject({
        status: 'failed',
        error: refusal.message,
      });
      expect(await hypervConnectionExists(connectionId)).toBe(true);
    });
  });
});
