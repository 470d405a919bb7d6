/** The AuditStore on SQLite: each append reads the chain's end and inserts in one BEGIN IMMEDIATE transaction. */
import { and, asc, desc, eq, gt, gte, lt, max, type SQL } from 'drizzle-orm';
import { auditEntryHash, GENESIS_HASH } from '../../../server/engine/audit-chain';
import type { Db } from '../../client';
import { auditEntries } from '../../schema';
import type { AuditEntry, AuditFilter, AuditStore, NewAuditEntry } from '../ports/audit-store';
import type { Page } from '../ports/page';
import { afterCursor, decodeCursor, keysetPage, likeContains, orderBy } from './keyset';
import { inTransaction } from './transaction';

type AuditRow = typeof auditEntries.$inferSelect;

const SORT_KEY = 'audit:seq:desc';

function entryOf(row: AuditRow): AuditEntry {
  const { objectsJson, inputJson, ...rest } = row;
  return { ...rest, objects: objectsJson, input: inputJson ?? null };
}

/**
 * Chains `entry` onto the trail's last entry and inserts it, inside the caller's write transaction
 * (BEGIN IMMEDIATE: no other append between the read and the insert).
 */
export function appendAuditIn(tx: Pick<Db, 'select' | 'insert'>, entry: NewAuditEntry): AuditEntry {
  const last = tx
    .select({ seq: auditEntries.seq, hash: auditEntries.hash })
    .from(auditEntries)
    .orderBy(desc(auditEntries.seq))
    .limit(1)
    .get();
  const content = { ...entry, input: entry.input ?? null, seq: (last?.seq ?? 0) + 1 };
  const prevHash = last?.hash ?? GENESIS_HASH;
  const chained: AuditEntry = { ...content, prevHash, hash: auditEntryHash(prevHash, content) };
  const { objects, input, ...columns } = chained;
  tx.insert(auditEntries)
    .values({ ...columns, objectsJson: objects, inputJson: input })
    .run();
  return chained;
}

export class SqliteAuditStore implements AuditStore {
  constructor(private readonly db: Db) {}

  async append(entry: NewAuditEntry): Promise<AuditEntry> {
    return inTransaction(this.db, (tx) => appendAuditIn(tx, entry));
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
    const rows = this.db
      .select()
      .from(auditEntries)
      .where(and(...conditions))
      .orderBy(...orderBy(auditEntries.seq, auditEntries.id, 'desc'))
      .limit(page.limit + 1)
      .all()
      .map(entryOf);
    return keysetPage(rows, page.limit, SORT_KEY, (row) => ({ value: row.seq, id: row.id }));
  }

  async chain(afterSeq: number, limit: number): Promise<AuditEntry[]> {
    return this.db
      .select()
      .from(auditEntries)
      .where(gt(auditEntries.seq, afterSeq))
      .orderBy(asc(auditEntries.seq))
      .limit(limit)
      .all()
      .map(entryOf);
  }

  async actors(): Promise<{ label: string; name: string }[]> {
    // One name per actor label (a user renamed meanwhile shows one of the names it was recorded under).
    return this.db
      .select({ label: auditEntries.actorLabel, name: max(auditEntries.actorName) })
      .from(auditEntries)
      .groupBy(auditEntries.actorLabel)
      .orderBy(asc(auditEntries.actorLabel))
      .all()
      .map((row) => ({ label: row.label, name: row.name ?? row.label }));
  }
}
