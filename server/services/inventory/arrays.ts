/** Storage array list and detail. */
import type { Stores } from '../../../db/stores/ports';
import type { ArrayDetail, ArrayListItem } from '../../../db/stores/ports/inventory';
import type { Counted, Page } from '../../../db/stores/ports/page';
import { type ArrayListQueryInput, arrayListQueryInput } from '../../schemas/inventory-queries';
import { notFound } from '../errors';
import { parseQuery } from './query';

type InventoryStores = Pick<Stores, 'inventory'>;

export async function listArrays(
  stores: InventoryStores,
  input: ArrayListQueryInput = {},
): Promise<Page<ArrayListItem> & Counted> {
  return stores.inventory.listArrays(parseQuery(arrayListQueryInput, input));
}

export async function getArray(stores: InventoryStores, id: string): Promise<ArrayDetail> {
  const detail = await stores.inventory.getArray(id);
  if (!detail) throw notFound('Storage array', id);
  return detail;
}
