/** The ArrayConnectionStore on PostgreSQL (one statement per verb, as on SQLite). */
import { and, asc, eq, getTableColumns, isNull, ne, or } from 'drizzle-orm';
import { nameKeyOf } from '../../../server/engine/name-keys';
import type { PgDb } from '../../pg/client';
import { arrayConnections, arrayJobs } from '../../pg/schema';
import type {
  ArrayConnectionRecord,
  ArrayConnectionStore,
  ArrayJobRecord,
  NewArrayConnection,
} from '../ports/array-connection-store';
import { writingName } from './name-keys';

/** Every column but the name key, which only the store reads (the record has no such field). */
const { nameKey: _nameKey, ...CONNECTION_COLUMNS } = getTableColumns(arrayConnections);

export class PgArrayConnectionStore implements ArrayConnectionStore {
  constructor(private readonly db: PgDb) {}

  async insert(connection: NewArrayConnection): Promise<ArrayConnectionRecord> {
    return writingName(this.db, 'array_connections', arrayConnections, connection.name, async () => {
      const [row] = await this.db
        .insert(arrayConnections)
        .values({
          ...connection,
          nameKey: nameKeyOf(connection.name),
          arrayId: null,
          fingerprint: null,
          refusedFingerprint: null,
          lastSyncAt: null,
          lastError: null,
        })
        .returning(CONNECTION_COLUMNS);
      return row as ArrayConnectionRecord;
    });
  }

  async get(id: string): Promise<ArrayConnectionRecord | null> {
    const [row] = await this.db
      .select(CONNECTION_COLUMNS)
      .from(arrayConnections)
      .where(eq(arrayConnections.id, id));
    return row ?? null;
  }

  async findByArrayId(arrayId: string): Promise<ArrayConnectionRecord | null> {
    const [row] = await this.db
      .select(CONNECTION_COLUMNS)
      .from(arrayConnections)
      .where(eq(arrayConnections.arrayId, arrayId));
    return row ?? null;
  }

  async list(): Promise<ArrayConnectionRecord[]> {
    return this.db.select(CONNECTION_COLUMNS).from(arrayConnections).orderBy(asc(arrayConnections.name));
  }

  async pin(id: string, fingerprint: string): Promise<void> {
    await this.db
      .update(arrayConnections)
      .set({ fingerprint, refusedFingerprint: null })
      .where(eq(arrayConnections.id, id));
  }

  async pinIfWaiting(id: string, fingerprint: string): Promise<boolean> {
    // One statement: a refusal committed meanwhile is seen by its WHERE (re-checked on the new row).
    const pinned = await this.db
      .update(arrayConnections)
      .set({ fingerprint, refusedFingerprint: null })
      .where(and(eq(arrayConnections.id, id), eq(arrayConnections.refusedFingerprint, fingerprint)))
      .returning({ id: arrayConnections.id });
    return pinned.length > 0;
  }

  async refuse(id: string, fingerprint: string): Promise<void> {
    await this.db
      .update(arrayConnections)
      .set({ refusedFingerprint: fingerprint })
      // A request still in flight when an admin accepted this certificate must not refuse it again.
      .where(
        and(
          eq(arrayConnections.id, id),
          or(isNull(arrayConnections.fingerprint), ne(arrayConnections.fingerprint, fingerprint)),
        ),
      );
  }

  async recordSync(id: string, at: Date, error: string | null, arrayId?: string): Promise<void> {
    await this.db
      .update(arrayConnections)
      .set(
        error === null
          ? { lastSyncAt: at, lastError: null, ...(arrayId ? { arrayId } : {}) }
          : { lastError: error },
      )
      .where(eq(arrayConnections.id, id));
  }

  async delete(id: string): Promise<boolean> {
    const deleted = await this.db
      .delete(arrayConnections)
      .where(eq(arrayConnections.id, id))
      .returning({ id: arrayConnections.id });
    return deleted.length > 0;
  }

  async findJob(connectionId: string, key: string): Promise<ArrayJobRecord | null> {
    const [row] = await this.db
      .select({ jobUuid: arrayJobs.jobUuid, startedAt: arrayJobs.startedAt })
      .from(arrayJobs)
      .where(and(eq(arrayJobs.connectionId, connectionId), eq(arrayJobs.key, key)));
    return row ?? null;
  }

  async recordJob(connectionId: string, key: string, job: ArrayJobRecord): Promise<void> {
    await this.db
      .insert(arrayJobs)
      .values({ connectionId, key, ...job })
      .onConflictDoUpdate({ target: [arrayJobs.connectionId, arrayJobs.key], set: job });
  }

  async forgetJob(connectionId: string, key: string): Promise<void> {
    await this.db
      .delete(arrayJobs)
      .where(and(eq(arrayJobs.connectionId, connectionId), eq(arrayJobs.key, key)));
  }
}
