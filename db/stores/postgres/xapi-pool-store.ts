/** The XapiPoolStore on PostgreSQL. Pins change one key of a JSON column under the row's lock. */
import { and, asc, eq, getTableColumns } from 'drizzle-orm';
import { nameKeyOf } from '../../../server/engine/name-keys';
import type { PgDb } from '../../pg/client';
import { xapiPools, xapiTasks } from '../../pg/schema';
import type {
  NewXapiPool,
  XapiPoolRecord,
  XapiPoolSshAccounts,
  XapiPoolStore,
} from '../ports/xapi-pool-store';
import { writingName } from './name-keys';
import { inPgTransaction } from './transaction';

/** The endpoint's pin set to `fingerprint`, its refusal gone. */
function mapsWithPin(row: XapiPoolRecord, endpoint: string, fingerprint: string): Partial<XapiPoolRecord> {
  const { [endpoint]: _accepted, ...refused } = row.refused;
  return { pins: { ...row.pins, [endpoint]: fingerprint }, refused };
}

/** Every column but the name key, which only the store reads (the record has no such field). */
const { nameKey: _nameKey, ...POOL_COLUMNS } = getTableColumns(xapiPools);

export class PgXapiPoolStore implements XapiPoolStore {
  constructor(private readonly db: PgDb) {}

  async insert(pool: NewXapiPool): Promise<XapiPoolRecord> {
    return writingName(this.db, 'xapi_pools', xapiPools, pool.name, async () => {
      const [row] = await this.db
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
        .returning(POOL_COLUMNS);
      return row as XapiPoolRecord;
    });
  }

  async get(id: string): Promise<XapiPoolRecord | null> {
    const [row] = await this.db.select(POOL_COLUMNS).from(xapiPools).where(eq(xapiPools.id, id));
    return row ?? null;
  }

  async findByName(name: string): Promise<XapiPoolRecord | null> {
    const [row] = await this.db.select(POOL_COLUMNS).from(xapiPools).where(eq(xapiPools.name, name));
    return row ?? null;
  }

  async list(): Promise<XapiPoolRecord[]> {
    return this.db.select(POOL_COLUMNS).from(xapiPools).orderBy(asc(xapiPools.name));
  }

  /**
   * Changes the pins and refusals from the row as it is under its lock; `change` returns null to
   * write nothing. False when the pool is missing or nothing was written.
   */
  private async updateMaps(
    id: string,
    change: (row: XapiPoolRecord) => Partial<XapiPoolRecord> | null,
  ): Promise<boolean> {
    return inPgTransaction(this.db, async (tx) => {
      const [row] = await tx.select(POOL_COLUMNS).from(xapiPools).where(eq(xapiPools.id, id)).for('update');
      const changed = row ? change(row) : null;
      if (!changed) return false;
      await tx.update(xapiPools).set(changed).where(eq(xapiPools.id, id));
      return true;
    });
  }

  async pin(id: string, endpoint: string, fingerprint: string): Promise<void> {
    await this.updateMaps(id, (row) => mapsWithPin(row, endpoint, fingerprint));
  }

  async pinIfWaiting(id: string, endpoint: string, fingerprint: string): Promise<boolean> {
    return this.updateMaps(id, (row) =>
      row.refused[endpoint] === fingerprint ? mapsWithPin(row, endpoint, fingerprint) : null,
    );
  }

  async refuse(id: string, endpoint: string, fingerprint: string): Promise<void> {
    // A test or sync still in flight when an admin accepted this certificate must not refuse it again.
    await this.updateMaps(id, (row) =>
      row.pins[endpoint] === fingerprint ? null : { refused: { ...row.refused, [endpoint]: fingerprint } },
    );
  }

  async recordSync(id: string, at: Date, error: string | null, hostIds?: string[]): Promise<void> {
    await this.db
      .update(xapiPools)
      .set(
        error === null
          ? { lastSyncAt: at, lastError: null, ...(hostIds ? { hostIds: [...hostIds].sort() } : {}) }
          : { lastError: error },
      )
      .where(eq(xapiPools.id, id));
  }

  async setSshAccounts(id: string, accounts: XapiPoolSshAccounts): Promise<XapiPoolRecord | null> {
    const { guestSecretId, hostSshSecretId, freezeWindowSeconds } = accounts;
    const [row] = await this.db
      .update(xapiPools)
      .set({ guestSecretId, hostSshSecretId, freezeWindowSeconds })
      .where(eq(xapiPools.id, id))
      .returning(POOL_COLUMNS);
    return row ?? null;
  }

  async delete(id: string): Promise<boolean> {
    const rows = await this.db.delete(xapiPools).where(eq(xapiPools.id, id)).returning({ id: xapiPools.id });
    return rows.length > 0;
  }

  async findTask(poolId: string, key: string): Promise<string | null> {
    const [row] = await this.db
      .select({ taskRef: xapiTasks.taskRef })
      .from(xapiTasks)
      .where(and(eq(xapiTasks.poolId, poolId), eq(xapiTasks.key, key)));
    return row?.taskRef ?? null;
  }

  async recordTask(poolId: string, key: string, taskRef: string, at: Date): Promise<void> {
    await this.db
      .insert(xapiTasks)
      .values({ poolId, key, taskRef, recordedAt: at })
      .onConflictDoUpdate({ target: [xapiTasks.poolId, xapiTasks.key], set: { taskRef, recordedAt: at } });
  }

  async forgetTask(poolId: string, key: string): Promise<void> {
    await this.db.delete(xapiTasks).where(and(eq(xapiTasks.poolId, poolId), eq(xapiTasks.key, key)));
  }
}
