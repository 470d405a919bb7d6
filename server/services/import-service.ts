/**
 * Inventory import (docs/inventory-format.md): validate everything first, then write and
 * re-assess in one transaction. A file with any problem changes nothing.
 *
 * - replace: the file becomes the whole inventory (everything not in it is deleted).
 * - merge:   objects are upserted by id; nothing is deleted; references may point at objects
 *            already stored.
 */
import { type Db, sqliteOf } from '../../db/client';
import {
  clearInventory,
  countInventory,
  type InventoryCounts,
  loadInventory,
  writeInventory,
} from '../../db/stores/inventory-store';
import { parseInventory, parseJson } from '../schemas/inventory';
import { type AssessmentSummary, recomputeAssessments } from './assessment-service';
import { DomainError } from './errors';

export const IMPORT_MODES = ['replace', 'merge'] as const;
export type ImportMode = (typeof IMPORT_MODES)[number];

export interface ImportResult {
  mode: ImportMode;
  /** Objects in the file, per section. */
  imported: InventoryCounts;
  /** Objects stored after the import, per section. */
  stored: InventoryCounts;
  assessment: AssessmentSummary;
}

/**
 * Imports an inventory given as parsed JSON or as the file's text.
 * Throws DomainError('INVALID_INPUT') with every field error, having written nothing.
 */
export function importInventory(db: Db, raw: unknown, mode: ImportMode): ImportResult {
  const data = typeof raw === 'string' ? parseJsonText(raw) : raw;
  const run = sqliteOf(db).transaction((): ImportResult => {
    const parsed = parseInventory(data, mode === 'merge' ? { existing: loadInventory(db) } : {});
    if (!parsed.ok) {
      throw new DomainError(
        'INVALID_INPUT',
        `The inventory file has ${parsed.fieldErrors.length} problem${parsed.fieldErrors.length === 1 ? '' : 's'}; nothing was imported.`,
        parsed.fieldErrors,
      );
    }
    if (mode === 'replace') {
      clearInventory(db);
      writeInventory(db, parsed.inventory, 'insert');
    } else {
      writeInventory(db, parsed.inventory, 'upsert');
    }
    const assessment = recomputeAssessments(db);
    const imported = Object.fromEntries(
      Object.entries(parsed.inventory).map(([section, items]) => [section, items.length]),
    ) as InventoryCounts;
    return { mode, imported, stored: countInventory(db), assessment };
  });
  // IMMEDIATE: a merge validates against the stored inventory, which must not change before we write.
  return run.immediate();
}

/** JSON.parse; a syntax error becomes INVALID_INPUT with a field error saying where (line and column). */
export function parseJsonText(text: string): unknown {
  const parsed = parseJson(text);
  if (!parsed.ok) {
    throw new DomainError('INVALID_INPUT', 'The inventory file is not valid JSON; nothing was imported.', [
      parsed.fieldError,
    ]);
  }
  return parsed.value;
}
