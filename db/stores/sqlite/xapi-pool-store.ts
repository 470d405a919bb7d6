/** The XapiPoolStore on SQLite. Pins change one key of a JSON column inside a short transaction. */
import { and, asc, eq, getTableColumns } from 'drizzle-orm';
import { nameKeyOf } from '../../../server/engine/name-keys';
import type { Db } from '../../client';
import { xapiPools, xapiTasks } from '../../schema';
import type {
  NewXapiPool,
  XapiPoolRecord,
  XapiPoolSshAccounts,
  XapiPoolStore,
} from '../ports/xapi-pool-store';
import { writingName } from './name-keys';
import { inTransaction } from './transaction';

/** The endpoint's pin set to `fingerprint`, its refusal gone. */
function mapsWithPin(row: XapiPoolRecord, endpoint: string, fingerprint: string): Partial<XapiPoolRecord> {
  const { [endpoint]: _accepted, ...refused } = row.refused;
  return { pins: { ...row.pins, [endpoint]: fingerprint }, refused };
}

/** Every column but the name key, which only the store reads (the record has no such field). */
const { nameKey: _nameKey, ...POOL_COLUMNS } = getTableColumns(xapiPools);

export class SqliteXapiPoolStore implements XapiPoolStore {
  constructor(private readonly db: Db) {}

  async insert(pool: NewXapiPool): Promise<XapiPoolRecord> {
    return writingName(this.db, 'xapi_pools', xapiPools, pool.name, () =>
      this.db
        .insert(xapiPools)
        .values({
          ...pool,
          nameKey: nameKeyOf(pool.name),
          pins: {},
          refused: {},
          lastSyncAt: null,
          lastError: null,
          hostIds: [],
        })
        .returning(POOL_COLUMNS)
        .get(),
    );
  }

  async get(id: string): Promise<XapiPoolRecord | null> {
    return this.db.select(POOL_COLUMNS).from(xapiPools).where(eq(xapiPools.id, id)).get() ?? null;
  }

  async findByName(name: string): Promise<XapiPoolRecord | null> {
    return this.db.select(POOL_COLUMNS).from(xapiPools).where(eq(xapiPools.name, name)).get() ?? null;
  }

  async list(): Promise<XapiPoolRecord[]> {
    return this.db.select(POOL_COLUMNS).from(xapiPools).orderBy(asc(xapiPools.name)).all();
  }

  /**
   * Changes the pins and refusals from the row as it is under the write lock; `change` returns null
   * to write nothing. False when the pool is missing or nothing was written.
   */
  private updateMaps(id: string, change: (row: XapiPoolRecord) => Partial<XapiPoolRecord> | null): boolean {
    return inTransaction(this.db, (tx) => {
      const row = tx.select(POOL_COLUMNS).from(xapiPools).where(eq(xapiPools.id, id)).get();
      const changed = row ? change(row) : null;
      if (!changed) return false;
      tx.update(xapiPools).set(changed).where(eq(xapiPools.id, id)).run();
      return true;
    });
  }

  async pin(id: string, endpoint: string, fingerprint: string): Promise<void> {
    this.updateMaps(id, (row) => mapsWithPin(row, endpoint, fingerprint));
  }

  async pinIfWaiting(id: string, endpoint: string, fingerprint: string): Promise<boolean> {
    return this.updateMaps(id, (row) =>
      row.refused[endpoint] === fingerprint ? mapsWithPin(row, endpoint, fingerprint) : null,
    );
  }

  async refuse(id: string, endpoint: string, fingerprint: string): Promise<void> {
    // A test or sync still in flight when an admin accepted this certificate must not refuse it again.
    this.updateMaps(id, (row) =>
      row.pins[endpoint] === fingerprint ? null : { refused: { ...row.refused, [endpoint]: fingerprint } },
    );
  }

  async recordSync(id: string, at: Date, error: string | null, hostIds?: string[]): Promise<void> {
    this.db
      .update(xapiPools)
      .set(
        error === null
          ? { lastSyncAt: at, lastError: null, ...(hostIds ? { hostIds: [...hostIds].sort() } : {}) }
          : { lastError: error },
      )
      .where(eq(xapiPools.id, id))
      .run();
  }

  async setSshAccounts(id: string, accounts: XapiPoolSshAccounts): Promise<XapiPoolRecord | null> {
    const { guestSecretId, hostSshSecretId, freezeWindowSeconds } = accounts;
    return (
      this.db
        .update(xapiPools)
        .set({ guestSecretId, hostSshSecretId, freezeWindowSeconds })
        .where(eq(xapiPools.id, id))
        .returning(POOL_COLUMNS)
        .get() ?? null
    );
  }

  async delete(id: string): Promise<boolean> {
    return this.db.delete(xapiPools).where(eq(xapiPools.id, id)).run().changes > 0;
  }

  async findTask(poolId: string, key: string): Promise<string | null> {
    const row = this.db
      .select({ taskRef: xapiTasks.taskRef })
      .from(xapiTasks)
      .where(and(eq(xapiTasks.poolId, poolId), eq(xapiTasks.key, key)))
      .get();
    return row?.taskRef ?? null;
  }

  async recordTask(poolId: string, key: string, taskRef: string, at: Date): Promise<void> {
    this.db
      .insert(xapiTasks)
      .values({ poolId, key, taskRef, recordedAt: at })
      .onConflictDoUpdate({ target: [xapiTasks.poolId, xapiTasks.key], set: { taskRef, recordedAt: at } })
      .run();
  }

  async forgetTask(poolId: string, key: string): Promise<void> {
    this.db
      .delete(xapiTasks)
      .where(and(eq(xapiTasks.poolId, poolId), eq(xapiTasks.key, key)))
      .run();
  }
}
