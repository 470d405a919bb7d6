/**
 * The AuditStore on PostgreSQL: each append takes a transaction-level advisory lock, then reads the
 * chain's end and inserts, so concurrent requests on any node chain one after another.
 */
import { and, asc, desc, eq, gt, gte, lt, max, type SQL } from 'drizzle-orm';
import { auditEntryHash, GENESIS_HASH } from '../../../server/engine/audit-chain';
import type { PgDb } from '../../pg/client';
import { auditEntries } from '../../pg/schema';
import type { AuditEntry, AuditFilter, AuditStore, NewAuditEntry } from '../ports/audit-store';
import type { Page } from '../ports/page';
import { afterCursor, decodeCursor, keysetPage, likeContains, orderBy } from './keyset';
import { ADVISORY, advisoryXactLock, inPgTransaction, type PgTx } from './transaction';

type AuditRow = typeof auditEntries.$inferSelect;

const SORT_KEY = 'audit:seq:desc';

function entryOf(row: AuditRow): AuditEntry {
  const { objectsJson, inputJson, ...rest } = row;
  return { ...rest, objects: objectsJson, input: inputJson ?? null };
}

/**
 * Chains `entry` onto the trail's last entry and inserts it, inside the caller's transaction, after
 * taking the audit advisory lock (held to its end: no other append between the read and the insert).
 */
export async function appendAuditIn(tx: PgTx, entry: NewAuditEntry): Promise<AuditEntry> {
  await advisoryXactLock(tx, ADVISORY.audit);
  const [last] = await tx
    .select({ seq: auditEntries.seq, hash: auditEntries.hash })
    .from(auditEntries)
    .orderBy(desc(auditEntries.seq))
    .limit(1);
  const content = { ...entry, input: entry.input ?? null, seq: (last?.seq ?? 0) + 1 };
  const prevHash = last?.hash ?? GENESIS_HASH;
  const chained: AuditEntry = { ...content, prevHash, hash: auditEntryHash(prevHash, content) };
  const { objects, input, ...columns } = chained;
  await tx.insert(auditEntries).values({ ...columns, objectsJson: objects, inputJson: input });
  return chained;
}

export class PgAuditStore implements AuditStore {
  constructor(private readonly db: PgDb) {}

  async append(entry: NewAuditEntry): Promise<AuditEntry> {
    return inPgTransaction(this.db, (tx) => appendAuditIn(tx, entry));
  }

  async list(filter: AuditFilter, page: { limit: number; cursor: string | null }): Promise<Page<AuditEntry>> {
    const conditions: SQL[] = [];
    if (filter.actor) conditions.push(eq(auditEntries.actorLabel, filter.actor));
    if (filter.action) conditions.push(likeContains(auditEntries.action, filter.action));
    if (filter.outcome) conditions.push(eq(auditEntries.outcome, filter.outcome));
    if (filter.from) conditions.push(gte(auditEntries.at, filter.from));
    if (filter.to) conditions.push(lt(auditEntries.at, filter.to));
    if (page.cursor) {
      conditions.push(
        afterCursor(auditEntries.seq, auditEntries.id, 'desc', decodeCursor(page.cursor, SORT_KEY)),
      );
    }
    const rows = (
      await this.db
        .select()
        .from(auditEntries)
        .where(and(...conditions))
        .orderBy(...orderBy(auditEntries.seq, auditEntries.id, 'desc'))
        .limit(page.limit + 1)
    ).map(entryOf);
    return keysetPage(rows, page.limit, SORT_KEY, (row) => ({ value: row.seq, id: row.id }));
  }

  async chain(afterSeq: number, limit: number): Promise<AuditEntry[]> {
    const rows = await this.db
      .select()
      .from(auditEntries)
      .where(gt(auditEntries.seq, afterSeq))
      .orderBy(asc(auditEntries.seq))
      .limit(limit);
    return rows.map(entryOf);
  }

  async actors(): Promise<{ label: string; name: string }[]> {
    const rows = await this.db
      .select({ label: auditEntries.actorLabel, name: max(auditEntries.actorName) })
      .from(auditEntries)
      .groupBy(auditEntries.actorLabel)
      .orderBy(asc(auditEntries.actorLabel));
    return rows.map((row) => ({ label: row.label, name: row.name ?? row.label }));
  }
}
