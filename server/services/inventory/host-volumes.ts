/** Host volume / SR list and detail. */
import type { Stores } from '../../../db/stores/ports';
import type { HostVolumeDetail, HostVolumeListItem } from '../../../db/stores/ports/inventory';
import type { Counted, Page } from '../../../db/stores/ports/page';
import {
  type HostVolumeCountQueryInput,
  type HostVolumeListQueryInput,
  hostVolumeCountQueryInput,
  hostVolumeListQueryInput,
} from '../../schemas/inventory-queries';
import { notFound } from '../errors';
import { parseQuery } from './query';

type InventoryStores = Pick<Stores, 'inventory'>;

export async function listHostVolumes(
  stores: InventoryStores,
  input: HostVolumeListQueryInput = {},
): Promise<Page<HostVolumeListItem>> {
  return stores.inventory.listHostVolumes(parseQuery(hostVolumeListQueryInput, input));
}

/**
 * How many host volumes match the filters, over all pages: asked apart from the pages, so the console
 * counts once per filter and paging never repeats it.
 */
export async function countHostVolumes(
  stores: InventoryStores,
  input: HostVolumeCountQueryInput = {},
): Promise<Counted> {
  return { total: await stores.inventory.countHostVolumes(parseQuery(hostVolumeCountQueryInput, input)) };
}

export async function getHostVolume(stores: InventoryStores, id: string): Promise<HostVolumeDetail> {
  const detail = await stores.inventory.getHostVolume(id);
  if (!detail) throw notFound('Host volume', id);
  return detail;
}
