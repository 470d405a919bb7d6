/**
 * The AuditStore contract: appends chain onto the previous entry (also when many arrive at once),
 * entries read back hash to what was stored, and the page lists filter and page newest first.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  auditEntryHash,
  CHAIN_START,
  GENESIS_HASH,
  verifyChainSegment,
} from '../../../server/engine/audit-chain';
import type { AuditStore, NewAuditEntry } from '../ports';

export interface AuditStoreFixture {
  audit: AuditStore;
  close(): Promise<void>;
}

const T0 = Date.parse('2026-03-01T00:00:00Z');
const MINUTE = 60_000;

function entryOf(n: number, overrides: Partial<NewAuditEntry> = {}): NewAuditEntry {
  return {
    id: `a${String(n).padStart(3, '0')}`,
    at: new Date(T0 + n * MINUTE),
    actorLabel: 'user:1',
    actorName: 'Ada Admin',
    actorRole: 'admin',
    action: 'jobs.create',
    objects: [{ kind: 'job', id: `j${n}`, name: `nightly ${n}` }],
    input: { name: `nightly ${n}`, schedule: { cron: '0 2 * * *' }, vmIds: ['vm-1', 'vm-2'] },
    outcome: 'succeeded',
    message: null,
    ip: '192.0.2.10',
    userAgent: 'Mozilla/5.0',
    ...overrides,
  };
}

export function runAuditStoreContract(name: string, create: () => Promise<AuditStoreFixture>): void {
  describe(`AuditStore contract: ${name}`, () => {
    let fixture: AuditStoreFixture;
    let audit: AuditStore;
    beforeEach(async () => {
      fixture = await create();
      audit = fixture.audit;
    });
    afterEach(async () => {
      await fixture.close();
    });

    it('chains each entry onto the previous one and reads them back exactly as hashed', async () => {
      const first = await audit.append(entryOf(1));
      const second = await audit.append(entryOf(2, { input: null, objects: [], message: 'Job not found' }));
      expect(first).toMatchObject({ seq: 1, prevHash: GENESIS_HASH });
      expect(first.hash).toBe(auditEntryHash(GENESIS_HASH, first));
      expect(second).toMatchObject({ seq: 2, prevHash: first.hash });
      const stored = await audit.chain(0, 10);
      expect(stored).toEqual([first, second]);
      expect(verifyChainSegment(CHAIN_START, stored)).toMatchObject({ ok: true, cursor: { checked: 2 } });
      expect((await audit.chain(1, 10)).map((e) => e.seq)).toEqual([2]);
      expect((await audit.chain(0, 1)).map((e) => e.seq)).toEqual([1]);
    });

    it('serialises appends that arrive together: one unbroken chain, no shared sequence number', async () => {
      await Promise.all(Array.from({ length: 25 }, (_, i) => audit.append(entryOf(i + 1))));
      const stored = await audit.chain(0, 100);
      expect(stored.map((e) => e.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
      expect(verifyChainSegment(CHAIN_START, stored).ok).toBe(true);
    });

    it('lists newest first, filtered by actor, action, outcome and time, a keyset page at a time', async () => {
      for (let n = 1; n <= 12; n++) {
        await audit.append(
          entryOf(n, {
            actorLabel: n % 3 === 0 ? 'system' : 'user:1',
            actorName: n % 3 === 0 ? 'Local system user' : 'Ada Admin',
            action: n % 2 === 0 ? 'jobs.delete' : 'backups.start',
            outcome: n === 5 ? 'refused' : 'succeeded',
          }),
        );
      }
      const ids = async (filter: Parameters<AuditStore['list']>[0]) =>
        (await audit.list(filter, { limit: 50, cursor: null })).items.map((e) => e.seq);
      expect(await ids({})).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
      expect(await ids({ actor: 'system' })).toEqual([12, 9, 6, 3]);
      expect(await ids({ action: 'jobs.' })).toEqual([12, 10, 8, 6, 4, 2]);
      expect(await ids({ outcome: 'refused' })).toEqual([5]);
      expect(await ids({ from: new Date(T0 + 4 * MINUTE), to: new Date(T0 + 7 * MINUTE) })).toEqual([
        6, 5, 4,
      ]);
      expect(await ids({ actor: 'user:1', action: 'backups', from: new Date(T0 + 5 * MINUTE) })).toEqual([
        11, 7, 5,
      ]);

      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<AuditStore['list']>> = await audit.list(
          { actor: 'user:1' },
          { limit: 3, cursor },
        );
        seen.push(...page.items.map((e) => e.seq));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual([11, 10, 8, 7, 5, 4, 2, 1]);
      expect(await audit.actors()).toEqual([
        { label: 'system', name: 'Local system user' },
        { label: 'user:1', name: 'Ada Admin' },
      ]);
    });
  });
}
