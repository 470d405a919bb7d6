/**
 * The documents an import (and `migawka check`) accepts: an inventory file (docs/inventory-format.md)
 * or the Hyper-V collector's document (`migawka collect hyperv`, Collect-MigawkaInventory.ps1),
 * which is mapped onto inventory sections by the connector's own mapping — so a collected host
 * reads exactly as a synced one. What the collector could not read comes back in words.
 */
import {
  isHypervCollection,
  readHypervCollection,
  unknownsOfCollection,
} from '../../drivers/hyperv/hyperv-collection';
import { DomainError } from '../errors';

export interface InventoryDocument {
  /** Inventory-shaped data, still to be validated by `parseInventory`. */
  data: unknown;
  /** Which kind of document it was, for messages. */
  source: 'inventory file' | 'Hyper-V collector document';
  /** Facts the collector could not read, each naming the host or VM and why (empty for a file). */
  unknowns: string[];
}

/** Reads parsed JSON as one of the accepted documents; a malformed collector document is INVALID_INPUT. */
export function readInventoryDocument(data: unknown): InventoryDocument {
  if (!isHypervCollection(data)) return { data, source: 'inventory file', unknowns: [] };
  const read = readHypervCollection(data);
  if (!read.ok) {
    const count = read.fieldErrors.length;
    throw new DomainError(
      'INVALID_INPUT',
      `The Hyper-V collector document has ${count} problem${count === 1 ? '' : 's'}; nothing was imported.`,
      read.fieldErrors,
    );
  }
  return {
    data: read.inventory,
    source: 'Hyper-V collector document',
    unknowns: unknownsOfCollection(read.facts, read.cluster),
  };
}
