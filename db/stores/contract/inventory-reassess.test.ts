/**
 * The re-assessment contract (inventory-reassess.contract.ts) on both stores, each reached twice
 * as production reaches it: SQLite as two worker processes open one file (two connections), and
 * PostgreSQL as two nodes do (two pools).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe } from 'vitest';
import { openDatabase, sqliteOf } from '../../client';
import { openPgDatabase } from '../../pg/client';
import { createPgStores } from '../postgres';
import { createSqliteStores } from '../sqlite';
import { type StoreDialect, storeDialects } from './dialects';
import { inventoryReassessContract, type TwoWriters } from './inventory-reassess.contract';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** Two connections to one SQLite file. The other refuses at once when the file is locked. */
async function sqliteWriters(): Promise<TwoWriters> {
  const dir = mkdtempSync(path.join(tmpdir(), 'migawka-reassess-'));
  const file = path.join(dir, 'migawka.db');
  const mine = openDatabase(file);
  const theirs = openDatabase(file);
  // Refused at once instead of after the busy timeout: what matters is that it cannot write now.
  sqliteOf(theirs).pragma('busy_timeout = 0');
  closers.push(async () => {
    sqliteOf(theirs).close();
    sqliteOf(mine).close();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    store: createSqliteStores(mine).inventory,
    other: createSqliteStores(theirs).inventory,
    holdRow: null,
    // better-sqlite3 is synchronous: a call has settled by the time it returns its promise.
    untilWaitingOrSettled: async (_who, work) => {
      await work.catch(() => undefined);
      return 'settled';
    },
  };
}

const OTHER_NODE = 'migawka-other-node';

/**
 * Two pools on one PostgreSQL database; the other node's connections name themselves, so the
 * watcher can tell its lock waits from the store's.
 */
async function postgresWriters(dialect: StoreDialect): Promise<TwoWriters> {
  const handle = await dialect.open({ maxConnections: 4 });
  closers.push(() => handle.close());
  if (handle.dialect !== 'postgres' || !dialect.url) throw new Error('expected the PostgreSQL store');
  const url = new URL(await dialect.url());
  url.searchParams.set('application_name', OTHER_NODE);
  const otherNode = await openPgDatabase(url.toString(), { skipMigrations: true, maxConnections: 2 });
  closers.push(() => otherNode.close());
  const { pool } = handle.pg;
  return {
    store: handle.stores.inventory,
    other: createPgStores(otherNode.db).inventory,
    holdRow: async (table, vmId) => {
      const holder = await pool.connect();
      await holder.query('begin');
      const key = table === 'vms' ? 'id' : 'vm_id';
      await holder.query(`select 1 from ${table} where ${key} = $1 for no key update`, [vmId]);
      return async () => {
        await holder.query('commit');
        holder.release();
      };
    },
    // Asks pg_locks until one of `who`'s connections stands in a lock queue, or `work` has settled.
    untilWaitingOrSettled: async (who, work) => {
      let settled = false;
      const settle = () => {
        settled = true;
      };
      work.then(settle, settle);
      while (!settled) {
        const waiting = await pool.query(
          `select 1 from pg_locks l join pg_stat_activity a on a.pid = l.pid
            where not l.granted and (a.application_name = $1) = $2`,
          [OTHER_NODE, who === 'other'],
        );
        if (waiting.rowCount) return 'waiting';
      }
      return 'settled';
    },
  };
}

describe.each(await storeDialects('inventoryreassess'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    // Only PostgreSQL can hold a write in the middle of its transaction (a row lock).
    const holdsMidWay = dialect.name === 'PostgreSQL';
    inventoryReassessContract(
      dialect.name,
      () => (holdsMidWay ? postgresWriters(dialect) : sqliteWriters()),
      holdsMidWay,
    );
  });
});
