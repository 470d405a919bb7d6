/**
 * The ApprovalStore contract: a request is created pending, decided once (a second decision, or one
 * after the expiry, changes nothing), expired by the clock it is given, listed newest first, and the
 * per-kind policy is one row per kind.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApprovalStore, NewApprovalRequest } from '../ports';

export interface ApprovalStoreFixture {
  approvals: ApprovalStore;
  close(): Promise<void>;
}

const T0 = Date.parse('2026-03-01T08:00:00Z');
const HOUR = 3_600_000;

function requestOf(n: number, overrides: Partial<NewApprovalRequest> = {}): NewApprovalRequest {
  return {
    id: `ar-${n}`,
    kind: 'delete-job',
    title: `Delete the backup job nightly ${n}`,
    payloadJson: { id: `job-${n}` },
    previewJson: { job: { id: `job-${n}`, name: `nightly ${n}` } },
    fingerprint: `f${n}`,
    requestedBy: 'user:ro',
    requestedByName: 'Rita Requester',
    requestedByRole: 'admin',
    requestedAt: new Date(T0 + n * 60_000),
    expiresAt: new Date(T0 + n * 60_000 + 4 * HOUR),
    ...overrides,
  };
}

export function runApprovalStoreContract(name: string, create: () => Promise<ApprovalStoreFixture>): void {
  describe(`ApprovalStore contract: ${name}`, () => {
    let fixture: ApprovalStoreFixture;
    let approvals: ApprovalStore;
    beforeEach(async () => {
      fixture = await create();
      approvals = fixture.approvals;
    });
    afterEach(async () => {
      await fixture.close();
    });

    it('stores a request pending, exactly as given', async () => {
      const created = await approvals.create(requestOf(1));
      expect(created).toMatchObject({ ...requestOf(1), status: 'pending', decidedBy: null, comment: null });
      expect(await approvals.get('ar-1')).toEqual(created);
      expect(await approvals.get('ar-missing')).toBeNull();
    });

    it('decides a request once: the second decision finds it no longer pending', async () => {
      await approvals.create(requestOf(1));
      const at = new Date(T0 + HOUR);
      const first = await approvals.decide('ar-1', {
        status: 'approved',
        by: 'user:ad',
        byName: 'Ada Approver',
        at,
        comment: 'checked with the owner',
      });
      expect(first).toMatchObject({ status: 'approved', decidedBy: 'user:ad', decidedAt: at });
      const second = await approvals.decide('ar-1', {
        status: 'rejected',
        by: 'user:other',
        byName: 'Other',
        at,
        comment: null,
      });
      expect(second).toBeNull();
      expect((await approvals.get('ar-1'))?.status).toBe('approved');
    });

    it('refuses a decision at or after the expiry, and expires what is due at the given time', async () => {
      await approvals.create(requestOf(1));
      await approvals.create(requestOf(2));
      const expiry = requestOf(1).expiresAt;
      expect(
        await approvals.decide('ar-1', {
          status: 'approved',
          by: 'user:ad',
          byName: 'A',
          at: expiry,
          comment: null,
        }),
      ).toBeNull();
      expect(await approvals.countPending(new Date(expiry.getTime() - 1))).toBe(2);
      expect(await approvals.countPending(expiry)).toBe(1);
      const expired = await approvals.expireDue(expiry);
      expect(expired.map((row) => [row.id, row.status, row.decidedAt])).toEqual([
        ['ar-1', 'expired', expiry],
      ]);
      expect(await approvals.expireDue(expiry)).toEqual([]);
    });

    it('records what the approved action started, or why it failed', async () => {
      await approvals.create(requestOf(1));
      await approvals.create(requestOf(2));
      const at = new Date(T0 + HOUR);
      for (const id of ['ar-1', 'ar-2']) {
        await approvals.decide(id, { status: 'approved', by: 'user:ad', byName: 'A', at, comment: null });
      }
      expect(
        await approvals.recordOutcome('ar-1', { status: 'approved', result: { operationId: 'op-1' } }),
      ).toMatchObject({ status: 'approved', resultJson: { operationId: 'op-1' } });
      expect(
        await approvals.recordOutcome('ar-2', { status: 'failed', error: 'estate changed' }),
      ).toMatchObject({
        status: 'failed',
        error: 'estate changed',
      });
    });

    it('lists newest first, by status, one page at a time', async () => {
      for (const n of [1, 2, 3]) await approvals.create(requestOf(n));
      await approvals.decide('ar-2', {
        status: 'rejected',
        by: 'user:ad',
        byName: 'A',
        at: new Date(T0 + HOUR),
        comment: 'no',
      });
      const first = await approvals.list({}, { limit: 2, cursor: null });
      expect(first.items.map((row) => row.id)).toEqual(['ar-3', 'ar-2']);
      const second = await approvals.list({}, { limit: 2, cursor: first.nextCursor });
      expect(second.items.map((row) => row.id)).toEqual(['ar-1']);
      expect(second.nextCursor).toBeNull();
      expect(
        (await approvals.list({ status: 'pending' }, { limit: 10, cursor: null })).items.map((r) => r.id),
      ).toEqual(['ar-3', 'ar-1']);
    });

    it('keeps one policy row per kind', async () => {
      expect(await approvals.policies()).toEqual([]);
      const base = { reason: 'lab', updatedBy: 'user:ad', updatedByName: 'Ada Approver' };
      await approvals.setPolicy({ kind: 'delete-job', required: false, updatedAt: new Date(T0), ...base });
      await approvals.setPolicy({
        kind: 'delete-job',
        required: true,
        updatedAt: new Date(T0 + HOUR),
        ...base,
        reason: null,
      });
      expect(await approvals.policies()).toEqual([
        {
          kind: 'delete-job',
          required: true,
          reason: null,
          updatedAt: new Date(T0 + HOUR),
          updatedBy: 'user:ad',
          updatedByName: 'Ada Approver',
        },
      ]);
    });
  });
}
