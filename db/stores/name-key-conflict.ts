/**
 * The stores' side of names unique regardless of case (server/engine/name-keys.ts): every insert and
 * rename of a named row writes `name_key` beside `name`, and the unique index on it refuses a second
 * name differing only in case even when the services' check was passed by both of two saves at once.
 * The refused save gets the services' own CONFLICT error, naming the record that has the name.
 */
import { DomainError } from '../../server/engine/errors';
import { nameTakenError } from '../../server/engine/name-keys';

/** The tables of operator-chosen names, with how an error names their kind. */
export const NAMED_TABLES = {
  backup_jobs: 'A backup job',
  hyperv_connections: 'A Hyper-V host',
  xapi_pools: 'A pool',
  array_connections: 'An array',
  secrets: 'A secret',
} as const;

export type NamedTable = keyof typeof NAMED_TABLES;

interface DriverError {
  code?: unknown;
  message?: unknown;
  constraint?: unknown;
  cause?: unknown;
}

/**
 * True when `error` (or what it wraps: Drizzle wraps the driver's error as `cause`) is the unique
 * index on `table`'s name key refusing a row. SQLite names the column in its message; PostgreSQL
 * names the constraint.
 */
export function isNameKeyViolation(error: unknown, table: NamedTable): boolean {
  for (let seen = 0, current = error; current && seen < 5; seen++) {
    const { code, message, constraint, cause } = current as DriverError;
    if (
      code === 'SQLITE_CONSTRAINT_UNIQUE' &&
      typeof message === 'string' &&
      message.includes(`${table}.name_key`)
    )
      return true;
    if (code === '23505' && constraint === `${table}_name_key_unique`) return true;
    current = cause;
  }
  return false;
}

/**
 * Runs `write`; when the name key's index refuses it, throws the CONFLICT of the record holding the
 * key, read by `holderOf` once the refused write is over (on PostgreSQL its transaction is aborted).
 */
export async function refusingNameClash<T>(
  table: NamedTable,
  name: string,
  holderOf: () => Promise<string | null>,
  write: () => Promise<T>,
): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!isNameKeyViolation(error, table)) throw error;
    const holder = await holderOf();
    if (holder !== null) throw nameTakenError(NAMED_TABLES[table], name, holder);
    // Saved and deleted again between the refusal and this read: nothing has the name now.
    const message = `${NAMED_TABLES[table]} named "${name}" was being saved at the same moment; try again`;
    throw new DomainError('CONFLICT', message, [{ path: 'name', message }]);
  }
}
