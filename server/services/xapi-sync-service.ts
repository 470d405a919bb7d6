/**
 * Writes what a XAPI pool watcher saw into the console's inventory (server/drivers/xapi/xapi-live.ts).
 * A sync is a merge import of the pool's objects (connector `xapi`, ids `xen:<uuid>`): the same
 * validation and write path as an uploaded inventory file, so a pool's hosts, SRs, VMs and disks
 * are stored exactly like imported ones and every rule applies to them. Nothing is written when a
 * batch changed no VM and no host (guest metrics ticking, task events).
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
}

export async function applyPoolSync(
  stores: Pick<Stores, 'inventory'>,
  ctx: ServiceContext,
  sync: PoolSync,
): Promise<PoolSyncResult> {
  if (sync.kind === 'changes' && sync.changedVmIds.length === 0) {
    return { kind: sync.kind, vmIds: [], import: null };
  }
  const result = await importInventory(stores, ctx, sync.inventory, 'merge');
  return { kind: sync.kind, vmIds: sync.changedVmIds, import: result };
}
