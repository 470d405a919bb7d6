/**
 * Names an operator picks (backup jobs, Hyper-V hosts, pools, arrays, vault secrets) are unique
 * regardless of case (server/engine/name-keys.ts). Checked here before a save, for the friendly
 * refusal naming the record that has the name; the stores hold it too (a unique index on the name's
 * key), so that of two saves at once of "Pool-A" and "pool-a" the second is refused with the same
 * error and nothing of it is written. The lists are an administrator's few dozen records, read once
 * per save.
 */
import { nameKeyOf, nameTakenError } from '../engine/name-keys';

export interface NamedRecord {
  id: string;
  name: string;
}

/** The record among `existing` (other than `exceptId`) whose name has `name`'s key, or null. */
function nameClashOf<T extends NamedRecord>(
  existing: readonly T[],
  name: string,
  exceptId: string | null = null,
): T | null {
  const key = nameKeyOf(name);
  return existing.find((record) => record.id !== exceptId && nameKeyOf(record.name) === key) ?? null;
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
  if (clash) throw nameTakenError(kind, name, clash.name);
}
