/** VM list, VM detail and the VM's method plan. */
import type { Stores } from '../../../db/stores/ports';
import type { VmDetail, VmListItem } from '../../../db/stores/ports/inventory';
import type { Counted, Page } from '../../../db/stores/ports/page';
import type { MethodPlan } from '../../engine/planner';
import {
  type VmCountQueryInput,
  type VmListQueryInput,
  vmCountQueryInput,
  vmListQueryInput,
} from '../../schemas/inventory-queries';
import { DomainError, notFound } from '../errors';
import { parseQuery } from './query';

type InventoryStores = Pick<Stores, 'inventory'>;

/**
 * Filtered, sorted and keyset-paged in the store; a page never loads more than `limit + 1` rows.
 * Every VM has an assessment (imports and seeds assess in the same transaction).
 */
export async function listVms(
  stores: InventoryStores,
  input: VmListQueryInput = {},
): Promise<Page<VmListItem>> {
  return stores.inventory.listVms(parseQuery(vmListQueryInput, input));
}

/**
 * How many VMs match the filters, over all pages: asked apart from the pages, so the console
 * counts once per filter and paging never repeats it.
 */
export async function countVms(stores: InventoryStores, input: VmCountQueryInput = {}): Promise<Counted> {
  return { total: await stores.inventory.countVms(parseQuery(vmCountQueryInput, input)) };
}

export async function getVm(stores: InventoryStores, id: string): Promise<VmDetail> {
  const detail = await stores.inventory.getVm(id);
  if (!detail) throw notFound('VM', id);
  return detail;
}

export async function getMethodPlan(stores: InventoryStores, vmId: string): Promise<MethodPlan> {
  const stored = await stores.inventory.getMethodPlan(vmId);
  if (!stored) throw notFound('VM', vmId);
  if (!stored.plan) {
    throw new DomainError(
      'PRECONDITION_FAILED',
      `VM "${vmId}" has not been assessed yet; re-import the inventory`,
    );
  }
  return stored.plan;
}
