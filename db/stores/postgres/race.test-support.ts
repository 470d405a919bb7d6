/**
 * For the PostgreSQL race tests: two writers at once, ordered by what the database says rather than
 * by a timer. One transaction is left open; the other's work starts; the first commits once that
 * work has either finished or stands in a lock queue behind it.
 */
import type pg from 'pg';
import { demoLabInventory } from '../../seed/demo-lab';
import type { StoreDialect } from '../contract/dialects';
import { writeInventory } from './inventory-rows';
import { inPgTransaction } from './transaction';

/** A fresh database of the dialect with the demo lab's inventory written (no assessments, no points). */
export async function openWithDemoLab(postgres: StoreDialect) {
  const handle = await postgres.open({ maxConnections: 4 });
  if (handle.dialect !== 'postgres') throw new Error('expected the PostgreSQL store');
  const lab = demoLabInventory();
  await inPgTransaction(handle.pg.db, (tx) => writeInventory(tx, lab, 'upsert'));
  return { handle, stores: handle.stores, db: handle.pg.db, pool: handle.pg.pool, lab };
}

/**
 * Resolves once `work` has settled or a backend (`pid`, else any) waits for a lock, asking
 * pg_locks through `watcher` in between. `work` keeps its own outcome: the caller awaits it.
 */
export async function untilSettledOrWaiting(
  watcher: Pick<pg.Pool, 'query'>,
  work: Promise<unknown>,
  pid?: number,
): Promise<void> {
  let isSettled = false;
  const settle = () => {
    isSettled = true;
  };
  work.then(settle, settle);
  while (!isSettled) {
    const waiting =
      pid === undefined
        ? await watcher.query('select 1 from pg_locks where not granted')
        : await watcher.query('select 1 from pg_locks where pid = $1 and not granted', [pid]);
    if (waiting.rowCount) return;
  }
}
