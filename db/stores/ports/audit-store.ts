/**
 * The audit trail's storage: append-only, hash-chained (server/engine/audit-chain.ts).
 *
 * Concurrency contract: appends are serialised — `append` reads the last entry's `seq` and `hash`
 * and inserts the next one in ONE write transaction (SQLite: BEGIN IMMEDIATE; PostgreSQL: take a
 * transaction-level advisory lock first), so two requests never chain onto the same entry. The
 * store computes `seq`, `prevHash` and `hash`; nothing else writes them, and nothing updates or
 * deletes an entry.
 */
import type { AuditObject, ChainedAuditEntry } from '../../../server/engine/audit-chain';
import type { AuditOutcome } from '../../../server/engine/security';
import type { Page } from './page';

export type AuditEntry = ChainedAuditEntry;

export interface NewAuditEntry {
  id: string;
  at: Date;
  actorLabel: string;
  actorName: string;
  actorRole: string | null;
  action: string;
  objects: AuditObject[];
  /** Plain JSON (already redacted); null when the action had no input. */
  input: unknown;
  outcome: AuditOutcome;
  message: string | null;
  ip: string | null;
  userAgent: string | null;
}

export interface AuditFilter {
  /** An actor label, exactly ("user:42", "system"). */
  actor?: string;
  /** Part of the action name ("jobs." for every job action). */
  action?: string;
  outcome?: AuditOutcome;
  /** From this time (inclusive) … */
  from?: Date;
  /** … to this time (exclusive). */
  to?: Date;
}

export interface AuditStore {
  append(entry: NewAuditEntry): Promise<AuditEntry>;
  /** Entries matching the filter, newest first, one keyset page at a time. */
  list(filter: AuditFilter, page: { limit: number; cursor: string | null }): Promise<Page<AuditEntry>>;
  /** Entries after `afterSeq` in chain order (oldest first): what verification walks. */
  chain(afterSeq: number, limit: number): Promise<AuditEntry[]>;
  /** Everyone who appears in the trail, for the actor filter. */
  actors(): Promise<{ label: string; name: string }[]>;
}
