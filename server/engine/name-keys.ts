/**
 * Names an operator picks (backup jobs, Hyper-V hosts, pools, arrays, vault secrets) are unique
 * regardless of case: "Nightly SQL" beside "nightly sql", or "Łódź" beside "łódź", could not be told
 * apart in a list, a schedule, a history or a picker. One function says when two names are the same:
 * the services compare with it for a friendly refusal, the stores write it beside each name
 * (`name_key`, under a unique index) so that two saves at once cannot both win, and the name-key step
 * (db/name-keys-step.ts) writes it for the rows saved before the column existed.
 *
 * Computed here, not in SQL: SQLite's lower() folds ASCII only, and PostgreSQL's follows the
 * database's locale, so neither could agree with the code for every name.
 */
import { DomainError } from './errors';

/**
 * The key two names share when they differ only in case or in how an accent is encoded: NFC (an "é"
 * typed as one character or as "e" + combining accent looks the same), lower case by Unicode's rules
 * (locale 'en', so "I" is "i" whatever the server's locale), NFC again (lowering may leave a base
 * letter and a combining mark: "İ" is "i̇"). Not full case folding: "STRASSE" and "straße" stay two
 * names, as they are two spellings an operator can tell apart.
 */
export function nameKeyOf(name: string): string {
  return name.normalize('NFC').toLocaleLowerCase('en').normalize('NFC');
}

/**
 * The refusal of `name` because `existingName` has its key: CONFLICT, on the `name` field too.
 * `kind` is the record's kind with its article: "A backup job", "An array".
 */
export function nameTakenError(kind: string, name: string, existingName: string): DomainError {
  const message =
    existingName === name
      ? `${kind} named "${name}" already exists`
      : `${kind} named "${existingName}" already exists; names differing only in case cannot be told apart`;
  return new DomainError('CONFLICT', message, [{ path: 'name', message }]);
}

/** A named row as the name-key step reads it. */
export interface KeyedRow {
  id: string;
  name: string;
  /** Null: saved before the column existed. */
  nameKey: string | null;
  createdAt: Date;
}

/** What the step writes to one row: its key, and a new name when an older row had its key. */
export interface NameKeyFix {
  id: string;
  name: string;
  nameKey: string;
  /** The name it had, when renamed; null when only the key is written. */
  renamedFrom: string | null;
  /** The older row's name that kept the key, when renamed. */
  keptBy: string | null;
}

/** Every limit of the five names is at least this (server/schemas): a renamed name stays valid. */
export const RENAMED_NAME_MAX = 120;

/** `name` with " (n)" after it, the name cut (by character, never inside one) to keep within `max`. */
export function numberedName(name: string, n: number, max = RENAMED_NAME_MAX): string {
  const suffix = ` (${n})`;
  const characters = Array.from(name);
  const base =
    characters.length + suffix.length > max ? characters.slice(0, max - suffix.length) : characters;
  return `${base.join('').trimEnd()}${suffix}`;
}

/**
 * The rows of one table whose key is missing or stale, with what to write. The oldest row of names
 * sharing a key keeps its name (it was there first; ids break ties); each later one is renamed to its
 * name numbered from 2 ("pool-a (2)"), skipping numbers whose name any row has in any case. Rows
 * already right are left out.
 */
export function nameKeyFixes(rows: readonly KeyedRow[]): NameKeyFix[] {
  const ordered = [...rows].sort(
    (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  const keeperOf = new Map<string, string>();
  const fixes: NameKeyFix[] = [];
  const clashing: KeyedRow[] = [];
  for (const row of ordered) {
    const key = nameKeyOf(row.name);
    if (keeperOf.has(key)) {
      clashing.push(row);
      continue;
    }
    keeperOf.set(key, row.name);
    if (row.nameKey !== key)
      fixes.push({ id: row.id, name: row.name, nameKey: key, renamedFrom: null, keptBy: null });
  }
  // After every kept name is known: a renamed name never takes the key of a name kept as it is.
  for (const row of clashing) {
    const keptBy = keeperOf.get(nameKeyOf(row.name)) ?? null;
    let n = 2;
    while (keeperOf.has(nameKeyOf(numberedName(row.name, n)))) n++;
    const name = numberedName(row.name, n);
    keeperOf.set(nameKeyOf(name), name);
    fixes.push({ id: row.id, name, nameKey: nameKeyOf(name), renamedFrom: row.name, keptBy });
  }
  return fixes;
}
