import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { sqliteOf } from '../../client';
import { runAuditStoreContract } from './audit-store.contract';
import { type DialectHandle, storeDialects } from './dialects';

async function rawExec(handle: DialectHandle, statement: string): Promise<void> {
  if (handle.dialect === 'sqlite') sqliteOf(handle.db).prepare(statement).run();
  else {
    // Drizzle wraps the driver's error; the trigger's message is its cause.
    await handle.pg.db.execute(sql.raw(statement)).catch((error: Error) => {
      throw error.cause ?? error;
    });
  }
}

describe.each(await storeDialects('audit'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    runAuditStoreContract(dialect.name, async () => {
      const handle = await dialect.open();
      return { audit: handle.stores.audit, close: handle.close };
    });

    it('refuses UPDATE and DELETE of audit_entries: the table is append-only', async () => {
      const handle = await dialect.open();
      try {
        await handle.stores.audit.append({
          id: 'a1',
          at: new Date('2026-03-01T00:00:00Z'),
          actorLabel: 'system',
          actorName: 'Local system user',
          actorRole: null,
          action: 'jobs.delete',
          objects: [],
          input: { id: 'j1' },
          outcome: 'succeeded',
          message: null,
          ip: null,
          userAgent: null,
        });
        await expect(rawExec(handle, "update audit_entries set outcome = 'failed'")).rejects.toThrow(
          'audit entries are append-only',
        );
        await expect(rawExec(handle, 'delete from audit_entries')).rejects.toThrow(
          'audit entries are append-only',
        );
      } finally {
        await handle.close();
      }
    });
  });
});
