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
