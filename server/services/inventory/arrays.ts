/** Storage array list and detail. */
import type { Stores } from '../../../db/stores/ports';
import type { ArrayDetail, ArrayListItem } from '../../../db/stores/ports/inventory';
import type { Counted, Page } from '../../../db/stores/ports/page';
import {
  type ArrayCountQueryInput,
  type ArrayListQueryInput,
  arrayCountQueryInput,
  arrayListQueryInput,
} from '../../schemas/inventory-queries';
import { notFound } from '../errors';
import { parseQuery } from './query';

type InventoryStores = Pick<Stores, 'inventory'>;

export async function listArrays(
  stores: InventoryStores,
  input: ArrayListQueryInput = {},
): Promise<Page<ArrayListItem>> {
  return stores.inventory.listArrays(parseQuery(arrayListQueryInput, input));
}

/**
 * How many storage arrays match the filters, over all pages: asked apart from the pages, so the console
 * counts once per filter and paging never repeats it.
 */
export async function countArrays(
  stores: InventoryStores,
  input: ArrayCountQueryInput = {},
): Promise<Counted> {
  return { total: await stores.inventory.countArrays(parseQuery(arrayCountQueryInput, input)) };
}

export async function getArray(stores: InventoryStores, id: string): Promise<ArrayDetail> {
  const detail = await stores.inventory.getArray(id);
  if (!detail) throw notFound('Storage array', id);
  return detail;
}

/** An array volume (LUN) by name with its array: what the VM list's "on array volume" filter reads. */
export interface ArrayVolumeName {
  id: string;
  name: string;
  arrayId: string;
  arrayName: string;
}

export async function getArrayVolumeName(stores: InventoryStores, id: string): Promise<ArrayVolumeName> {
  // The neighbourhood of one LUN holds the LUN and its array (and the VMs on it, which this ignores).
  const neighbourhood = await stores.inventory.loadNeighbourhood([], { arrayVolumeIds: [id] });
  const volume = neighbourhood.arrayVolumes.find((item) => item.id === id);
  if (!volume) throw notFound('Array volume', id);
  const array = neighbourhood.arrays.find((item) => item.id === volume.arrayId);
  return { id, name: volume.name, arrayId: volume.arrayId, arrayName: array?.name ?? volume.arrayId };
}
