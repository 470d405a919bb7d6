/** Host list and host detail. */
import type { Stores } from '../../../db/stores/ports';
import type { HostDetail, HostListItem } from '../../../db/stores/ports/inventory';
import type { Counted, Page } from '../../../db/stores/ports/page';
import { type HostListQueryInput, hostListQueryInput } from '../../schemas/inventory-queries';
import { notFound } from '../errors';
import { parseQuery } from './query';

type InventoryStores = Pick<Stores, 'inventory'>;

export async function listHosts(
  stores: InventoryStores,
  input: HostListQueryInput = {},
): Promise<Page<HostListItem> & Counted> {
  return stores.inventory.listHosts(parseQuery(hostListQueryInput, input));
}

export async function getHost(stores: InventoryStores, id: string): Promise<HostDetail> {
  const detail = await stores.inventory.getHost(id);
  if (!detail) throw notFound('Host', id);
  return detail;
}
