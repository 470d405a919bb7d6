import { describe, expect, it } from 'vitest';
import {
  type AuditEntryContent,
  auditEntryHash,
  CHAIN_START,
  type ChainedAuditEntry,
  canonicalJson,
  GENESIS_HASH,
  verifyChainSegment,
} from './audit-chain';

describe('canonicalJson', () => {
  it.each<[what: string, a: unknown, b: unknown]>([
    ['key order', { b: 1, a: { d: [1, 2], c: 'x' } }, { a: { c: 'x', d: [1, 2] }, b: 1 }],
    ['undefined fields', { a: 1, b: undefined }, { a: 1 }],
    ['a date and its ISO text', { at: new Date('2026-03-01T00:00:00Z') }, { at: '2026-03-01T00:00:00.000Z' }],
  ])('gives the same bytes whatever the %s', (_what, a, b) => {
    expect(canonicalJson(a)).toBe(canonicalJson(b));
  });

  it('writes no whitespace and keeps arrays in order', () => {
    expect(canonicalJson({ z: [3, 1, { y: null, x: 'a b' }], a: true })).toBe(
      '{"a":true,"z":[3,1,{"x":"a b","y":null}]}',
    );
  });
});

function chainOf(count: number): ChainedAuditEntry[] {
  const entries: ChainedAuditEntry[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= count; seq++) {
    const content: AuditEntryContent = {
      seq,
      id: `e${seq}`,
      at: new Date(Date.UTC(2026, 2, 1, 8, seq)),
      actorLabel: 'user:1',
      actorName: 'Ada',
      actorRole: 'admin',
      action: 'jobs.create',
      objects: [{ kind: 'job', id: `j${seq}`, name: `job ${seq}` }],
      input: { name: `job ${seq}` },
      outcome: 'succeeded',
      message: null,
      ip: '192.0.2.1',
      userAgent: 'test',
    };
    const hash = auditEntryHash(prevHash, content);
    entries.push({ ...content, prevHash, hash });
    prevHash = hash;
  }
  return entries;
}

describe('verifyChainSegment', () => {
  it('accepts an intact chain checked in pieces, carrying the cursor across', () => {
    const entries = chainOf(5);
    const first = verifyChainSegment(CHAIN_START, entries.slice(0, 2));
    if (!first.ok) throw new Error('expected the first piece to verify');
    expect(verifyChainSegment(first.cursor, entries.slice(2))).toEqual({
      ok: true,
      cursor: { checked: 5, lastSeq: 5, lastHash: entries[4]?.hash },
    });
  });

  const edits: [
    what: string,
    edit: (entries: ChainedAuditEntry[]) => ChainedAuditEntry[],
    seq: number,
    reason: RegExp,
  ][] = [
    [
      'an edited field',
      (e) => e.map((x) => (x.seq === 3 ? { ...x, outcome: 'refused' as const } : x)),
      3,
      /content does not match its hash/,
    ],
    [
      'an edited input',
      (e) => e.map((x) => (x.seq === 2 ? { ...x, input: { name: 'other' } } : x)),
      2,
      /edited/,
    ],
    ['a deleted middle entry', (e) => e.filter((x) => x.seq !== 3), 4, /entry 3 is missing/],
    ['two deleted entries', (e) => e.filter((x) => x.seq !== 2 && x.seq !== 3), 4, /entry 2–3 is missing/],
    [
      'a deletion hidden by renumbering',
      (e) => e.filter((x) => x.seq !== 2).map((x) => (x.seq > 2 ? { ...x, seq: x.seq - 1 } : x)),
      2,
      /link to the previous entry does not match/,
    ],
    [
      'an entry rewritten with a recomputed hash',
      (e) =>
        e.map((x) => {
          if (x.seq !== 2) return x;
          const forged = { ...x, actorLabel: 'user:2' };
          return { ...forged, hash: auditEntryHash(forged.prevHash, forged) };
        }),
      3,
      /link to the previous entry does not match/,
    ],
  ];

  it.each(edits)('names the first entry broken by %s', (_what, edit, seq, reason) => {
    const result = verifyChainSegment(CHAIN_START, edit(chainOf(5)));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.break.entry.seq).toBe(seq);
    expect(result.break.reason).toMatch(reason);
    // Only the entries still there before the break count as checked.
    expect(result.checked).toBe(edit(chainOf(5)).filter((x) => x.seq < seq).length);
  });
});
