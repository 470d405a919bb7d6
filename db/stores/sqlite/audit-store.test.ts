import { describe, expect, it } from 'vitest';
import { openDatabase, sqliteOf } from '../../client';
import { runAuditStoreContract } from '../contract/audit-store.contract';
import { createSqliteStores } from '.';

runAuditStoreContract('SQLite (in memory)', async () => {
  const db = openDatabase(':memory:');
  return {
    audit: createSqliteStores(db).audit,
    close: async () => {
      sqliteOf(db).close();
    },
  };
});

describe('audit_entries on SQLite', () => {
  it('refuses UPDATE and DELETE: the table is append-only', async () => {
    const db = openDatabase(':memory:');
    const stores = createSqliteStores(db);
    await stores.audit.append({
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
    const connection = sqliteOf(db);
    expect(() => connection.prepare("update audit_entries set outcome = 'failed'").run()).toThrow(
      'audit entries are append-only',
    );
    expect(() => connection.prepare('delete from audit_entries').run()).toThrow(
      'audit entries are append-only',
    );
    connection.close();
  });
});
