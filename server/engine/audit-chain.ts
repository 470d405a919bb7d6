/**
 * The audit trail's hash chain, pure. Each entry stores `hash = sha256(prevHash + canonical JSON of
 * the entry)`, where the entry is every recorded field (sequence number and id included, the hashes
 * excluded). Changing any field of a stored entry changes its hash; deleting an entry leaves a gap in
 * the sequence and a `prevHash` that no longer matches — so `verifyChain` finds the first entry a
 * direct edit of the database touched.
 *
 * Canonical JSON: object keys sorted at every level, no whitespace, dates as ISO strings, undefined
 * fields dropped — the same entry always gives the same bytes, whichever database returned it.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { AuditOutcome } from './security';

/** The hash an empty trail "ends with": the first entry's `prevHash`. */
export const GENESIS_HASH = '0'.repeat(64);

/** Something an audited action was about, by id and (when known) the name an operator reads. */
export interface AuditObject {
  kind: string;
  id: string;
  name: string | null;
}

/** The fields an entry is hashed over. */
export interface AuditEntryContent {
  seq: number;
  id: string;
  at: Date;
  actorLabel: string;
  actorName: string;
  actorRole: string | null;
  action: string;
  objects: AuditObject[];
  input: unknown;
  outcome: AuditOutcome;
  message: string | null;
  ip: string | null;
  userAgent: string | null;
}

export interface ChainedAuditEntry extends AuditEntryContent {
  prevHash: string;
  hash: string;
}

export function canonicalJson(value: unknown): string {
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const fields = Object.entries(value as Record<string, unknown>)
      .filter(([, field]) => field !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, field]) => `${JSON.stringify(key)}:${canonicalJson(field)}`);
    return `{${fields.join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export function auditEntryHash(prevHash: string, entry: AuditEntryContent): string {
  const content: AuditEntryContent = {
    seq: entry.seq,
    id: entry.id,
    at: entry.at,
    actorLabel: entry.actorLabel,
    actorName: entry.actorName,
    actorRole: entry.actorRole,
    action: entry.action,
    objects: entry.objects,
    input: entry.input,
    outcome: entry.outcome,
    message: entry.message,
    ip: entry.ip,
    userAgent: entry.userAgent,
  };
  return bytesToHex(sha256(utf8ToBytes(prevHash + canonicalJson(content))));
}

/** The first entry that breaks the chain, and why. */
export interface ChainBreak {
  entry: Pick<ChainedAuditEntry, 'seq' | 'id' | 'at' | 'action' | 'actorLabel'>;
  reason: string;
}

/** Where a verification stopped: after `checked` entries, the last hash seen. */
export interface ChainCursor {
  checked: number;
  lastSeq: number;
  lastHash: string;
}

export const CHAIN_START: ChainCursor = { checked: 0, lastSeq: 0, lastHash: GENESIS_HASH };

/**
 * Checks a run of entries (in sequence order) continuing from `cursor`; returns the advanced cursor,
 * or the first break. Call it page by page so a trail of millions never sits in memory.
 */
export function verifyChainSegment(
  cursor: ChainCursor,
  entries: readonly ChainedAuditEntry[],
): { ok: true; cursor: ChainCursor } | { ok: false; checked: number; break: ChainBreak } {
  let { checked, lastSeq, lastHash } = cursor;
  for (const entry of entries) {
    const reason =
      entry.seq !== lastSeq + 1
        ? `entry ${lastSeq + 1}${entry.seq > lastSeq + 2 ? `–${entry.seq - 1}` : ''} is missing (deleted) before it`
        : entry.prevHash !== lastHash
          ? 'its link to the previous entry does not match (an earlier entry was removed or replaced)'
          : entry.hash !== auditEntryHash(entry.prevHash, entry)
            ? 'its content does not match its hash (the entry was edited)'
            : null;
    if (reason) {
      const { seq, id, at, action, actorLabel } = entry;
      return { ok: false, checked, break: { entry: { seq, id, at, action, actorLabel }, reason } };
    }
    checked++;
    lastSeq = entry.seq;
    lastHash = entry.hash;
  }
  return { ok: true, cursor: { checked, lastSeq, lastHash } };
}
