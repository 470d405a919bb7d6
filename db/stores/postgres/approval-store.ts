/** The ApprovalStore on PostgreSQL: decisions are one conditional UPDATE (compare-and-set on the status). */
import { and, desc, eq, gt, lte, type SQL } from 'drizzle-orm';
import type { PgDb } from '../../pg/client';
import { approvalPolicies, approvalRequests } from '../../pg/schema';
import type {
  ApprovalDecision,
  ApprovalPolicyRecord,
  ApprovalRequestRecord,
  ApprovalStore,
  NewApprovalRequest,
} from '../ports/approval-store';
import type { Page } from '../ports/page';
import { afterCursor, decodeCursor, keysetPage, orderBy } from './keyset';

const SORT_KEY = 'approvals:requested:desc';

export class PgApprovalStore implements ApprovalStore {
  constructor(private readonly db: PgDb) {}

  async create(request: NewApprovalRequest): Promise<ApprovalRequestRecord> {
    const [row] = await this.db
      .insert(approvalRequests)
      .values({ ...request, status: 'pending' })
      .returning();
    return row;
  }

  async get(id: string): Promise<ApprovalRequestRecord | null> {
    const [row] = await this.db.select().from(approvalRequests).where(eq(approvalRequests.id, id));
    return row ?? null;
  }

  async list(
    filter: { status?: ApprovalRequestRecord['status'] },
    page: { limit: number; cursor: string | null },
  ): Promise<Page<ApprovalRequestRecord>> {
    const conditions: SQL[] = [];
    if (filter.status) conditions.push(eq(approvalRequests.status, filter.status));
    if (page.cursor) {
      const cursor = decodeCursor(page.cursor, SORT_KEY);
      conditions.push(afterCursor(approvalRequests.requestedAt, approvalRequests.id, 'desc', cursor));
    }
    const rows = await this.db
      .select()
      .from(approvalRequests)
      .where(and(...conditions))
      .orderBy(...orderBy(approvalRequests.requestedAt, approvalRequests.id, 'desc'))
      .limit(page.limit + 1);
    return keysetPage(rows, page.limit, SORT_KEY, (row) => ({
      value: row.requestedAt.getTime(),
      id: row.id,
    }));
  }

  async countPending(now: Date): Promise<number> {
    return this.db.$count(
      approvalRequests,
      and(eq(approvalRequests.status, 'pending'), gt(approvalRequests.expiresAt, now)),
    );
  }

  async expireDue(now: Date): Promise<ApprovalRequestRecord[]> {
    const due = await this.db
      .select({ id: approvalRequests.id, expiresAt: approvalRequests.expiresAt })
      .from(approvalRequests)
      .where(and(eq(approvalRequests.status, 'pending'), lte(approvalRequests.expiresAt, now)));
    const expired: ApprovalRequestRecord[] = [];
    for (const { id, expiresAt } of due) {
      const [row] = await this.db
        .update(approvalRequests)
        .set({ status: 'expired', decidedAt: expiresAt })
        .where(and(eq(approvalRequests.id, id), eq(approvalRequests.status, 'pending')))
        .returning();
      if (row) expired.push(row);
    }
    return expired;
  }

  async decide(id: string, decision: ApprovalDecision): Promise<ApprovalRequestRecord | null> {
    const [row] = await this.db
      .update(approvalRequests)
      .set({
        status: decision.status,
        decidedBy: decision.by,
        decidedByName: decision.byName,
        decidedAt: decision.at,
        comment: decision.comment,
      })
      .where(
        and(
          eq(approvalRequests.id, id),
          eq(approvalRequests.status, 'pending'),
          gt(approvalRequests.expiresAt, decision.at),
        ),
      )
      .returning();
    return row ?? null;
  }

  async recordOutcome(
    id: string,
    outcome: { status: 'approved'; result: Record<string, unknown> } | { status: 'failed'; error: string },
  ): Promise<ApprovalRequestRecord> {
    const set =
      outcome.status === 'approved'
        ? { resultJson: outcome.result }
        : { status: 'failed' as const, error: outcome.error };
    const [row] = await this.db
      .update(approvalRequests)
      .set(set)
      .where(eq(approvalRequests.id, id))
      .returning();
    if (!row) throw new Error(`Approval request ${id} does not exist`);
    return row;
  }

  async policies(): Promise<ApprovalPolicyRecord[]> {
    return this.db.select().from(approvalPolicies).orderBy(desc(approvalPolicies.updatedAt));
  }

  async setPolicy(policy: ApprovalPolicyRecord): Promise<void> {
    const { kind, ...rest } = policy;
    await this.db
      .insert(approvalPolicies)
      .values(policy)
      .onConflictDoUpdate({ target: approvalPolicies.kind, set: rest });
  }
}
