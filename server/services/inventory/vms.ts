/** VM list, VM detail and the VM's method plan. */
import type { Stores } from '../../../db/stores/ports';
import type { VmDetail, VmListItem } from '../../../db/stores/ports/inventory';
import type { Counted, Page } from '../../../db/stores/ports/page';
import type { VmProtectionFacts as StoredFacts } from '../../../db/stores/ports/protection';
import type { ServiceContext } from '../../context';
import type { MethodPlan } from '../../engine/planner';
import {
  type VmCountQueryInput,
  type VmListQueryInput,
  vmCountQueryInput,
  vmListQueryInput,
} from '../../schemas/inventory-queries';
import { DomainError, notFound } from '../errors';
import { type HostSyncState, hostSyncStateOf } from './host-sync';
import { parseQuery } from './query';

type InventoryStores = Pick<Stores, 'inventory'>;
type VmStores = Pick<Stores, 'inventory' | 'protection'>;
type Clock = Pick<ServiceContext, 'now'>;

/** What the protection page says of a VM, shown beside it wherever the VM is listed. */
export type VmProtectionFacts = Omit<StoredFacts, 'vmId'>;

/**
 * A VM the protection store does not list (removed between the two reads) is left out: its
 * protection is null, which the console shows as unknown, never as unprotected or protected.
 */
async function protectionOf(
  stores: Pick<Stores, 'protection'>,
  ctx: Clock,
  vmIds: string[],
): Promise<Map<string, VmProtectionFacts>> {
  const facts = await stores.protection.protectionFactsOf(vmIds, ctx.now());
  return new Map(facts.map(({ vmId, ...rest }) => [vmId, rest]));
}

/**
 * Filtered, sorted and keyset-paged in the store; a page never loads more than `limit + 1` rows.
 * Every VM has an assessment (imports and seeds assess in the same transaction). Each row carries
 * its protection status and last good point at the context's `now`, from the protection store.
 */
export async function listVms(
  stores: VmStores,
  ctx: Clock,
  input: VmListQueryInput = {},
): Promise<Page<VmListItem & { protection: VmProtectionFacts | null }>> {
  const page = await stores.inventory.listVms(parseQuery(vmListQueryInput, input), ctx.now());
  const protection = await protectionOf(
    stores,
    ctx,
    page.items.map((vm) => vm.id),
  );
  return {
    ...page,
    items: page.items.map((vm) => ({ ...vm, protection: protection.get(vm.id) ?? null })),
  };
}

/**
 * How many VMs match the filters, over all pages: asked apart from the pages, so the console
 * counts once per filter and paging never repeats it.
 */
export async function countVms(
  stores: InventoryStores,
  ctx: Clock,
  input: VmCountQueryInput = {},
): Promise<Counted> {
  return { total: await stores.inventory.countVms(parseQuery(vmCountQueryInput, input), ctx.now()) };
}

/** The VM's page: its detail, protection, and whether its host's facts are as of an earlier sync. */
export async function getVm(
  stores: VmStores & Pick<Stores, 'hypervConnections' | 'xapiPools'>,
  ctx: Clock,
  id: string,
): Promise<VmDetail & { protection: VmProtectionFacts | null; sync: HostSyncState | null }> {
  const detail = await stores.inventory.getVm(id);
  if (!detail) throw notFound('VM', id);
  const protection = await protectionOf(stores, ctx, [id]);
  return {
    ...detail,
    protection: protection.get(id) ?? null,
    sync: await hostSyncStateOf(stores, detail.host),
  };
}

/** The names of these VMs, in the order asked, leaving out the ids the inventory does not have. */
export async function namesOfVms(
  stores: InventoryStores,
  ids: readonly string[],
): Promise<{ id: string; name: string }[]> {
  const names = await stores.inventory.namesOfVms(ids);
  return ids.flatMap((id) => {
    const name = names.get(id);
    return name === undefined ? [] : [{ id, name }];
  });
}

export async function getMethodPlan(stores: InventoryStores, vmId: string): Promise<MethodPlan> {
  const stored = await stores.inventory.getMethodPlan(vmId);
  if (!stored) throw notFound('VM', vmId);
  if (!stored.plan) {
    // Named as the operator knows it; read only on this rare path (a VM stored but never assessed).
    const name = (await stores.inventory.getVm(vmId))?.vm.name ?? vmId;
    throw new DomainError(
      'PRECONDITION_FAILED',
      `VM '${name}' has not been assessed yet: sync its host or re-import the inventory`,
    );
  }
  return stored.plan;
}
