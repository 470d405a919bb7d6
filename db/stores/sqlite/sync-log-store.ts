/** The SyncLogStore on SQLite: one insert per sync; the list keyset-paged on (started_at, id) descending. */
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../client';
import { connectionSyncs } from '../../schema';
import type { Page } from '../ports/page';
import type { SyncLogStore, SyncRunRecord } from '../ports/sync-log-store';
import { afterCursor, decodeCursor, keysetPage, orderBy } from './keyset';

const SORT_KEY = 'syncs:started:desc';

export class SqliteSyncLogStore implements SyncLogStore {
  constructor(private readonly db: Db) {}

  async record(run: SyncRunRecord): Promise<void> {
    this.db.insert(connectionSyncs).values(run).run();
  }

  async list(connectionId: string, query: { limit: number; cursor?: string }): Promise<Page<SyncRunRecord>> {
    const cursor = query.cursor ? decodeCursor(query.cursor, SORT_KEY) : null;
    const rows = this.db
      .select()
      .from(connectionSyncs)
      .where(
        and(
          eq(connectionSyncs.connectionId, connectionId),
          cursor ? afterCursor(connectionSyncs.startedAt, connectionSyncs.id, 'desc', cursor) : undefined,
        ),
      )
      .orderBy(...orderBy(connectionSyncs.startedAt, connectionSyncs.id, 'desc'))
      .limit(query.limit + 1)
      .all() as SyncRunRecord[];
    return keysetPage(rows, query.limit, SORT_KEY, (row) => ({ value: row.startedAt.getTime(), id: row.id }));
  }

  async deleteForConnection(connectionId: string): Promise<number> {
    return this.db.delete(connectionSyncs).where(eq(connectionSyncs.connectionId, connectionId)).run()
      .changes;
  }
}
