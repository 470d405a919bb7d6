/**
 * Names an operator picks (backup jobs, Hyper-V hosts, pools, arrays, vault secrets) are unique
 * regardless of case: "Nightly SQL" beside "nightly sql", or "Pool-A" beside "pool-a", could not be
 * told apart in a list, a schedule, a history or a picker. Compared here, not in SQL: SQLite's
 * lower() folds ASCII only ("Ł" and "ł" stay two), and both stores must refuse the same names. The
 * lists are an administrator's few dozen records, read once per save.
 *
 * The stores' unique indexes still hold an exact duplicate written by two saves at once; two saves
 * at once of names differing only in case are not held (the indexes compare case).
 */
import { DomainError } from './errors';

export interface NamedRecord {
  id: string;
  name: string;
}

/** The record among `existing` (other than `exceptId`) whose name is `name` ignoring case, or null. */
function nameClashOf<T extends NamedRecord>(
  existing: readonly T[],
  name: string,
  exceptId: string | null = null,
): T | null {
  const folded = name.toLocaleLowerCase('en');
  return (
    existing.find((record) => record.id !== exceptId && record.name.toLocaleLowerCase('en') === folded) ??
    null
  );
}

/**
 * Refuses `name` when another record has it, in any case: CONFLICT, on the `name` field too, naming
 * that record. `kind` is the record's kind with its article: "A backup job", "An array".
 */
export function assertNameFree(
  existing: readonly NamedRecord[],
  name: string,
  kind: string,
  exceptId: string | null = null,
): void {
  const clash = nameClashOf(existing, name, exceptId);
  if (!clash) return;
  const message =
    clash.name === name
      ? `${kind} named "${name}" already exists`
      : `${kind} named "${clash.name}" already exists; names differing only in case cannot be told apart`;
  throw new DomainError('CONFLICT', message, [{ path: 'name', message }]);
}
