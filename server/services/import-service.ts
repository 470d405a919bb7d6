/**
 * Inventory import (docs/inventory-format.md): validate everything first, then write, re-assess
 * and record the import in one transaction. A file with any problem changes nothing.
 *
 * - merge (the default everywhere): objects are upserted by id; nothing is deleted; references
 *            may point at objects already stored.
 * - replace: the file becomes the whole inventory (everything not in it is deleted). When that
 *            removes anything, the import needs the confirmation of a preview of exactly that
 *            removal (import/replace-preview.ts), checked inside the write transaction.
 */
import type { Stores } from '../../db/stores/ports';
import type { InventoryCounts } from '../../db/stores/ports/inventory';
import { actorLabel, type ServiceContext } from '../context';
import { withDeviceLinks } from '../engine/device-ids';
import type { Inventory } from '../engine/inventory';
import { type ImportMode, parseInventory } from '../schemas/inventory';
import { parseJson } from '../schemas/json-text';
import { type AssessmentSummary, assessAround, assessEstate } from './assessment-service';
import { DomainError } from './errors';
import { readInventoryDocument } from './import/inventory-document';
import {
  assertReplaceConfirmed,
  previewReplace,
  type ReplaceConfirmation,
  type ReplacePreview,
} from './import/replace-preview';

export { IMPORT_MODES, type ImportMode } from '../schemas/inventory';

export interface ImportResult {
  mode: ImportMode;
  /** Objects in the file, per section. */
  imported: InventoryCounts;
  /** Objects stored after the import, per section. */
  stored: InventoryCounts;
  assessment: AssessmentSummary;
  /**
   * What the document's collector could not read, naming the host or VM and why (a Hyper-V
   * collector run without elevation lists no VM; a guest it could not reach): imported as unknown,
   * and said so, not as a host that has no VMs. Empty for an inventory file.
   */
  notRead: string[];
}

/**
 * Imports an inventory given as parsed JSON or as the file's text.
 * Throws DomainError('INVALID_INPUT') with every field error, having written nothing.
 */
export async function importInventory(
  stores: Pick<Stores, 'inventory'>,
  ctx: ServiceContext,
  raw: unknown,
  mode: ImportMode,
  options: {
    confirmation?: ReplaceConfirmation;
    /**
     * A merge that changed only these VMs (a live sync batch): only they and the VMs sharing storage
     * with them are assessed again; the rest of the estate keeps its stored assessments.
     */
    reassessVmIds?: readonly string[];
  } = {},
): Promise<ImportResult> {
  const document = readInventoryDocument(typeof raw === 'string' ? parseJsonText(raw) : raw);
  const data = document.data;
  const changed = mode === 'merge' ? options.reassessVmIds : undefined;
  const outcome = await stores.inventory.importInventory({
    mode,
    validate: (stored) => validateInventory(data, stored),
    assess: changed ? (whole) => assessAround(whole, changed) : assessEstate,
    assesses: changed ? 'some-vms' : 'estate',
    checkRemoval: (removal) => assertReplaceConfirmed(removal, options.confirmation),
    record: { id: ctx.newId(), createdAt: ctx.now(), requestedBy: actorLabel(ctx.actor) },
  });
  return { mode, ...outcome, notRead: document.unknowns };
}

/**
 * What replacing the inventory with this file would remove, by name and with counts, and the
 * confirmation the import will then need. The file is validated as the import validates it.
 */
export async function previewReplaceImport(
  stores: Pick<Stores, 'inventory' | 'jobs' | 'restorePoints'>,
  raw: unknown,
): Promise<ReplacePreview> {
  const data = typeof raw === 'string' ? parseJsonText(raw) : raw;
  return previewReplace(stores, validateInventory(data, null));
}

/** The file's objects, or INVALID_INPUT naming every problem (merge: checked against `stored`). */
export function validateInventory(data: unknown, stored: Inventory | null): Inventory {
  const parsed = parseInventory(readInventoryDocument(data).data, stored ? { existing: stored } : {});
  if (!parsed.ok) {
    const count = parsed.fieldErrors.length;
    throw new DomainError(
      'INVALID_INPUT',
      `The inventory file has ${count} problem${count === 1 ? '' : 's'}; nothing was imported.`,
      parsed.fieldErrors,
    );
  }
  // Host volumes and LUNs that name the same block device are linked, whichever sync brought which.
  return withDeviceLinks(parsed.inventory, stored);
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
