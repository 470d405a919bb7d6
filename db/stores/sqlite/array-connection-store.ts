/** The ArrayConnectionStore on SQLite. */
import { and, asc, eq, getTableColumns, isNull, ne, or } from 'drizzle-orm';
import { nameKeyOf } from '../../../server/engine/name-keys';
import type { Db } from '../../client';
import { arrayConnections, arrayJobs } from '../../schema';
import type {
  ArrayConnectionRecord,
  ArrayConnectionStore,
  ArrayJobRecord,
  NewArrayConnection,
} from '../ports/array-connection-store';
import { writingName } from './name-keys';

/** Every column but the name key, which only the store reads (the record has no such field). */
const { nameKey: _nameKey, ...CONNECTION_COLUMNS } = getTableColumns(arrayConnections);

export class SqliteArrayConnectionStore implements ArrayConnectionStore {
  constructor(private readonly db: Db) {}

  async insert(connection: NewArrayConnection): Promise<ArrayConnectionRecord> {
    return writingName(this.db, 'array_connections', arrayConnections, connection.name, () =>
      this.db
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
        .returning(CONNECTION_COLUMNS)
        .get(),
    );
  }

  async get(id: string): Promise<ArrayConnectionRecord | null> {
    return (
      this.db.select(CONNECTION_COLUMNS).from(arrayConnections).where(eq(arrayConnections.id, id)).get() ??
      null
    );
  }

  async findByArrayId(arrayId: string): Promise<ArrayConnectionRecord | null> {
    return (
      this.db
        .select(CONNECTION_COLUMNS)
        .from(arrayConnections)
        .where(eq(arrayConnections.arrayId, arrayId))
        .get() ?? null
    );
  }

  async list(): Promise<ArrayConnectionRecord[]> {
    return this.db
      .select(CONNECTION_COLUMNS)
      .from(arrayConnections)
      .orderBy(asc(arrayConnections.name))
      .all();
  }

  async pin(id: string, fingerprint: string): Promise<void> {
    this.db
      .update(arrayConnections)
      .set({ fingerprint, refusedFingerprint: null })
      .where(eq(arrayConnections.id, id))
      .run();
  }

  async pinIfWaiting(id: string, fingerprint: string): Promise<boolean> {
    const pinned = this.db
      .update(arrayConnections)
      .set({ fingerprint, refusedFingerprint: null })
      .where(and(eq(arrayConnections.id, id), eq(arrayConnections.refusedFingerprint, fingerprint)))
      .run();
    return pinned.changes > 0;
  }

  async refuse(id: string, fingerprint: string): Promise<void> {
    this.db
      .update(arrayConnections)
      .set({ refusedFingerprint: fingerprint })
      // A request still in flight when an admin accepted this certificate must not refuse it again.
      .where(
        and(
          eq(arrayConnections.id, id),
          or(isNull(arrayConnections.fingerprint), ne(arrayConnections.fingerprint, fingerprint)),
        ),
      )
      .run();
  }

  async recordSync(id: string, at: Date, error: string | null, arrayId?: string): Promise<void> {
    this.db
      .update(arrayConnections)
      .set(
        error === null
          ? { lastSyncAt: at, lastError: null, ...(arrayId ? { arrayId } : {}) }
          : { lastError: error },
      )
      .where(eq(arrayConnections.id, id))
      .run();
  }

  async delete(id: string): Promise<boolean> {
    return this.db.delete(arrayConnections).where(eq(arrayConnections.id, id)).run().changes > 0;
  }

  async findJob(connectionId: string, key: string): Promise<ArrayJobRecord | null> {
    const row = this.db
      .select({ jobUuid: arrayJobs.jobUuid, startedAt: arrayJobs.startedAt })
      .from(arrayJobs)
      .where(and(eq(arrayJobs.connectionId, connectionId), eq(arrayJobs.key, key)))
      .get();
    return row ?? null;
  }

  async recordJob(connectionId: string, key: string, job: ArrayJobRecord): Promise<void> {
    this.db
      .insert(arrayJobs)
      .values({ connectionId, key, ...job })
      .onConflictDoUpdate({ target: [arrayJobs.connectionId, arrayJobs.key], set: job })
      .run();
  }

  async forgetJob(connectionId: string, key: string): Promise<void> {
    this.db
      .delete(arrayJobs)
      .where(and(eq(arrayJobs.connectionId, connectionId), eq(arrayJobs.key, key)))
      .run();
  }
}
