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

/**
 * The connection to PostgreSQL was lost or could not be made (the server restarted, a network cut,
 * the backend terminated, too many clients): the call may be made again on a new connection. Each
 * store verb is one transaction, so a call that failed this way was either committed whole or not
 * at all; the verbs a worker repeats (renewal, completion, log line) are safe to repeat either way
 * (a completion that already landed finds its step no longer running and writes nothing).
 */
const LOST_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  '57P01', // admin_shutdown: pg_terminate_backend, a fast shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up or shutting down
  '53300', // too_many_connections
]);
const LOST_MESSAGES = [
  'Connection terminated',
  'connection error and is not queryable',
  'Client was closed and is not queryable',
  'timeout exceeded when trying to connect',
];

export function isConnectionLost(error: unknown): boolean {
  for (let current = error; current; current = (current as { cause?: unknown }).cause) {
    const code = (current as { code?: unknown }).code;
    // SQLSTATE class 08: connection exceptions.
    if (typeof code === 'string' && (LOST_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
    const message = (current as { message?: unknown }).message;
    if (typeof message === 'string' && LOST_MESSAGES.some((text) => message.includes(text))) return true;
  }
  return false;
}
