/** Host list and host detail. */
import type { Stores } from '../../../db/stores/ports';
import type { HostDetail, HostListItem } from '../../../db/stores/ports/inventory';
import type { Counted, Page } from '../../../db/stores/ports/page';
import {
  type HostCountQueryInput,
  type HostListQueryInput,
  hostCountQueryInput,
  hostListQueryInput,
} from '../../schemas/inventory-queries';
import { notFound } from '../errors';
import { type HostSyncState, hostSyncStateOf } from './host-sync';
import { parseQuery } from './query';

type InventoryStores = Pick<Stores, 'inventory'>;

export async function listHosts(
  stores: InventoryStores,
  input: HostListQueryInput = {},
): Promise<Page<HostListItem>> {
  return stores.inventory.listHosts(parseQuery(hostListQueryInput, input));
}

/**
 * How many hosts match the filters, over all pages: asked apart from the pages, so the console
 * counts once per filter and paging never repeats it.
 */
export async function countHosts(stores: InventoryStores, input: HostCountQueryInput = {}): Promise<Counted> {
  return { total: await stores.inventory.countHosts(parseQuery(hostCountQueryInput, input)) };
}

/** The host's page: its detail, and whether its facts are as of an earlier sync (`sync`, null: current). */
export async function getHost(
  stores: Pick<Stores, 'inventory' | 'hypervConnections' | 'xapiPools'>,
  id: string,
): Promise<HostDetail & { sync: HostSyncState | null }> {
  const detail = await stores.inventory.getHost(id);
  if (!detail) throw notFound('Host', id);
  return { ...detail, sync: await hostSyncStateOf(stores, detail.host) };
}
