/**
 * What a replace import removes, pure: the stored objects the file does not have, per section,
 * and the estate a merge leaves (stored objects updated or added by id, storage order kept).
 *
 * The removal's fingerprint is what the operator confirms: the preview shows it, the import
 * recomputes it inside its write transaction and refuses when it differs, so a preview that went
 * stale (a VM added since) can never make a replace remove more than the operator was shown.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { Inventory } from './inventory';

export type InventorySectionName = keyof Inventory;

/** Sections in the order a preview lists them. */
export const INVENTORY_SECTIONS: readonly InventorySectionName[] = [
  'hosts',
  'vms',
  'hostVolumes',
  'virtualDisks',
  'guestVolumes',
  'arrays',
  'arrayVolumes',
  'consistencyGroups',
];

/** Ids per section: what a replace would delete. */
export type InventoryRemoval = Record<InventorySectionName, string[]>;

/** Ids only: a store can read them cheaply inside its write transaction. */
export type StoredIds = Record<InventorySectionName, readonly { id: string }[]>;

export function removalOf(stored: StoredIds, incoming: StoredIds): InventoryRemoval {
  const removal = {} as InventoryRemoval;
  for (const section of INVENTORY_SECTIONS) {
    const kept = new Set(incoming[section].map((item) => item.id));
    removal[section] = stored[section].map((item) => item.id).filter((id) => !kept.has(id));
  }
  return removal;
}

export function isEmptyRemoval(removal: InventoryRemoval): boolean {
  return INVENTORY_SECTIONS.every((section) => removal[section].length === 0);
}

/** SHA-256 over the sorted ids of each section: the same removal in any order, the same print. */
export function removalFingerprint(removal: InventoryRemoval): string {
  const canonical = INVENTORY_SECTIONS.map(
    (section) => `${section}:${[...removal[section]].sort().join(',')}`,
  ).join('\n');
  return bytesToHex(sha256(utf8ToBytes(canonical)));
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/**
 * The words the operator types to confirm a replace: they name how much goes ("remove 3 VMs and
 * 1 host"), so a confirmation typed for one preview does not match another. Null when the replace
 * removes nothing (it then only adds and updates, like a merge).
 */
export function removalConfirmationPhrase(removal: InventoryRemoval): string | null {
  if (isEmptyRemoval(removal)) return null;
  const parts: string[] = [];
  if (removal.vms.length > 0) parts.push(plural(removal.vms.length, 'VM'));
  if (removal.hosts.length > 0) parts.push(plural(removal.hosts.length, 'host'));
  if (parts.length === 0) {
    const objects = INVENTORY_SECTIONS.reduce((sum, section) => sum + removal[section].length, 0);
    parts.push(plural(objects, 'object'));
  }
  return `remove ${parts.join(' and ')}`;
}

/** The estate after a merge: stored objects replaced by the file's (same id), the file's new ones appended. */
export function mergeInventories(stored: Inventory, incoming: Inventory): Inventory {
  const merged = {} as Record<InventorySectionName, unknown[]>;
  const withMarks = keepGoneMarks(stored, incoming);
  for (const section of INVENTORY_SECTIONS) {
    const byId = new Map<string, { id: string }>(withMarks[section].map((item) => [item.id, item]));
    const kept = stored[section].map((item) => {
      const replacement = byId.get(item.id);
      byId.delete(item.id);
      return replacement ?? item;
    });
    merged[section] = [...kept, ...byId.values()];
  }
  return merged as unknown as Inventory;
}

/**
 * `incoming` with each VM's gone mark as stored: an import (a file has no such field) never clears
 * it; only a sync of the VM's host that sees the VM again does (the stores' `markGoneVms`). The
 * stores' upserts leave the column alone for the same reason.
 */
export function keepGoneMarks(stored: Pick<Inventory, 'vms'>, incoming: Inventory): Inventory {
  const goneSinceOf = new Map(stored.vms.flatMap((vm) => (vm.goneSince ? [[vm.id, vm.goneSince]] : [])));
  if (goneSinceOf.size === 0) return incoming;
  return {
    ...incoming,
    vms: incoming.vms.map((vm) =>
      goneSinceOf.has(vm.id) ? { ...vm, goneSince: goneSinceOf.get(vm.id) } : vm,
    ),
  };
}
