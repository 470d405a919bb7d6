/**
 * Writes what a XAPI pool watcher saw into the console's inventory (server/drivers/xapi/xapi-live.ts).
 * A sync is a merge import of the pool's objects (connector `xapi`, ids `xen:<uuid>`): the same
 * validation and write path as an uploaded inventory file, so a pool's hosts, SRs, VMs and disks
 * are stored exactly like imported ones and every rule applies to them. Nothing is written when a
 * batch changed no VM, host or storage (guest metrics of no VM, task events). A VM that left the
 * pool is marked gone, never deleted. A batch re-assesses only the VMs it can have changed
 * (`reassessedBy`); a full sync, the estate.
 */
import type { Stores } from '../../db/stores/ports';
import type { ServiceContext } from '../context';
import type { PoolSync } from '../drivers/xapi/xapi-live';
import { type ImportResult, importInventory } from './import-service';

export interface PoolSyncResult {
  kind: PoolSync['kind'];
  /** VMs whose stored record was rewritten. */
  vmIds: string[];
  import: ImportResult | null;
  /** Stored VMs of the pool's hosts the pool no longer lists (marked gone, kept), and those back. */
  presence: { gone: { id: string; name: string }[]; reappeared: { id: string; name: string }[] };
}

/**
 * Every batch maps the watcher's whole view of the pool, so a stored VM of one of its hosts that
 * the view lacks has left the pool: it is marked gone (its restore points and jobs stay), and a VM
 * marked gone that the view lists again is back. Read before the merge, which rewrites listed VMs
 * without a mark.
 */
async function markPresence(
  stores: Pick<Stores, 'inventory'>,
  ctx: ServiceContext,
  sync: PoolSync,
): Promise<PoolSyncResult['presence']> {
  const presence: PoolSyncResult['presence'] = { gone: [], reappeared: [] };
  const seen = sync.inventory.vms.map((vm) => vm.id);
  for (const host of sync.inventory.hosts) {
    const marked = await stores.inventory.markGoneVms(host.id, seen, ctx.now());
    presence.gone.push(...marked.gone);
    presence.reappeared.push(...marked.reappeared);
  }
  return presence;
}

/**
 * Which VMs a sync can have changed the findings of (undefined: the whole estate). A full sync
 * (first view, events lost, a new session) may differ anywhere: the estate. A batch that changed the
 * pool, a host or the storage (an SR's size or driver, a host's release) may change any VM of the
 * pool: its VMs. Otherwise the VMs the batch touched, and those gone or back. The import adds the VMs
 * sharing storage with them (services/assessment-service.ts, assessAround).
 */
function reassessedBy(sync: PoolSync, movedVmIds: readonly string[]): string[] | undefined {
  if (sync.kind === 'full') return undefined;
  const touched = sync.isPoolChanged ? sync.inventory.vms.map((vm) => vm.id) : sync.changedVmIds;
  return [...new Set([...touched, ...sync.removedVmIds, ...movedVmIds])];
}

export async function applyPoolSync(
  stores: Pick<Stores, 'inventory'>,
  ctx: ServiceContext,
  sync: PoolSync,
): Promise<PoolSyncResult> {
  const presence =
    sync.kind === 'full' || sync.removedVmIds.length > 0
      ? await markPresence(stores, ctx, sync)
      : { gone: [], reappeared: [] };
  const movedVmIds = [...presence.gone, ...presence.reappeared].map((vm) => vm.id);
  if (
    sync.kind === 'changes' &&
    sync.changedVmIds.length === 0 &&
    !sync.isPoolChanged &&
    movedVmIds.length === 0
  ) {
    return { kind: sync.kind, vmIds: [], import: null, presence };
  }
  const result = await importInventory(stores, ctx, sync.inventory, 'merge', {
    reassessVmIds: reassessedBy(sync, movedVmIds),
  });
  if (presence.gone.length > 0 || presence.reappeared.length > 0) {
    ctx.log.info(
      { gone: presence.gone.map((vm) => vm.name), reappeared: presence.reappeared.map((vm) => vm.name) },
      'xapi pool sync: VMs gone from or back in the pool',
    );
  }
  return { kind: sync.kind, vmIds: sync.changedVmIds, import: result, presence };
}
