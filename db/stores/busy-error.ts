/**
 * Whether a store call failed only because another writer held the database: nothing was written
 * (the statement or transaction was refused whole), so the same call may simply be made again.
 *
 * SQLite has one write lock per file. A writer that waits longer than the busy timeout (5 s,
 * db/client.ts) gets SQLITE_BUSY — for example while a large inventory import holds the lock for
 * several seconds (db/stores/sqlite/inventory-import.ts). PostgreSQL's store transactions already
 * retry serialisation failures and deadlocks themselves (postgres/transaction.ts); a lock wait that
 * hits `lock_timeout` (55P03) reaches the caller and is as harmless to repeat.
 */
const BUSY_CODES = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED', '40001', '40P01', '55P03']);

export function isDatabaseBusy(error: unknown): boolean {
  for (let current = error; current; current = (current as { cause?: unknown }).cause) {
    const code = (current as { code?: unknown }).code;
    if (typeof code !== 'string') continue;
    // SQLite's extended codes (SQLITE_BUSY_SNAPSHOT, SQLITE_BUSY_TIMEOUT…) say the same thing.
    if (BUSY_CODES.has(code) || code.startsWith('SQLITE_BUSY_') || code.startsWith('SQLITE_LOCKED_'))
      return true;
  }
  return false;
}
