/** The SyncLogStore on PostgreSQL: the same statements as on SQLite. */
import { and, eq } from 'drizzle-orm';
import type { PgDb } from '../../pg/client';
import { connectionSyncs } from '../../pg/schema';
import type { Page } from '../ports/page';
import type { SyncLogStore, SyncRunRecord } from '../ports/sync-log-store';
import { afterCursor, decodeCursor, keysetPage, orderBy } from './keyset';

const SORT_KEY = 'syncs:started:desc';

export class PgSyncLogStore implements SyncLogStore {
  constructor(private readonly db: PgDb) {}

  async record(run: SyncRunRecord): Promise<void> {
    await this.db.insert(connectionSyncs).values(run);
  }

  async list(connectionId: string, query: { limit: number; cursor?: string }): Promise<Page<SyncRunRecord>> {
    const cursor = query.cursor ? decodeCursor(query.cursor, SORT_KEY) : null;
    const rows = (await this.db
      .select()
      .from(connectionSyncs)
      .where(
        and(
          eq(connectionSyncs.connectionId, connectionId),
          cursor ? afterCursor(connectionSyncs.startedAt, connectionSyncs.id, 'desc', cursor) : undefined,
        ),
      )
      .orderBy(...orderBy(connectionSyncs.startedAt, connectionSyncs.id, 'desc'))
      .limit(query.limit + 1)) as SyncRunRecord[];
    return keysetPage(rows, query.limit, SORT_KEY, (row) => ({ value: row.startedAt.getTime(), id: row.id }));
  }

  async deleteForConnection(connectionId: string): Promise<number> {
    const deleted = await this.db
      .delete(connectionSyncs)
      .where(eq(connectionSyncs.connectionId, connectionId))
      .returning({ id: connectionSyncs.id });
    return deleted.length;
  }
}
