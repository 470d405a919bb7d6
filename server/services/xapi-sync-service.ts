/**
 * Writes what a XAPI pool watcher saw into the console's inventory (server/drivers/xapi/xapi-live.ts).
 * A sync is a merge import of the pool's objects (connector `xapi`, ids `xen:<uuid>`): the same
 * validation and write path as an uploaded inventory file, so a pool's hosts, SRs, VMs and disks
 * are stored exactly like imported ones and every rule applies to them. Nothing is written when a
 * batch changed no VM, host or storage (guest metrics of no VM, task events). A VM that left the
 * pool is marked gone, never deleted. A batch re-assesses only the VMs it can have changed
 * (`reassessedBy`); a full sync, the estate. Each sync that wrote something is a record in the
 * pool's sync log (server/services/sync-log-service.ts), as a Hyper-V host's are.
 */
import type { Stores } from '../../db/stores/ports';
import type { PoolSnapshotsResult } from '../../db/stores/ports/restore-point-store';
import type { ServiceContext } from '../context';
import type { PoolSync } from '../drivers/xapi/xapi-live';
import { type ImportResult, importInventory } from './import-service';
import { countSyncChanges, recordSyncRun } from './sync-log-service';
import { recordPoolSnapshotPoints } from './xapi-pool-points';

export interface PoolSyncResult {
  kind: PoolSync['kind'];
  /** VMs whose stored record was rewritten. */
  vmIds: string[];
  import: ImportResult | null;
  /** Stored VMs of the pool's hosts the pool no longer lists (marked gone, kept), and those back. */
  presence: { gone: { id: string; name: string }[]; reappeared: { id: string; name: string }[] };
  /** Snapshots kept on the pool newly catalogued as points, and points whose snapshot is gone. */
  snapshots: PoolSnapshotsResult;
  /** What the read could not take, in words (notReadOf): the log records the same. */
  notRead: string[];
}

/**
 * Every batch maps the watcher's whole view of the pool, so a stored VM of one of its hosts that
 * the view lacks has left the pool: it is marked gone (its restore points and jobs stay), and a VM
 * marked gone that the view lists again is back. Run after the merge was stored (which leaves every
 * mark as stored): a batch the import refused marks no VM gone.
 */
async function markPresence(
  stores: Pick<Stores, 'inventory'>,
  ctx: ServiceContext,
  sync: PoolSync,
  readStartedAt: Date,
): Promise<PoolSyncResult['presence']> {
  const presence: PoolSyncResult['presence'] = { gone: [], reappeared: [] };
  const seen = sync.inventory.vms.map((vm) => vm.id);
  for (const host of sync.inventory.hosts) {
    const marked = await stores.inventory.markGoneVms(host.id, seen, ctx.now(), readStartedAt);
    presence.gone.push(...marked.gone);
    presence.reappeared.push(...marked.reappeared);
  }
  return presence;
}

/**
 * What the read could not take, in words: guests whose facts it could not read (no guest metrics,
 * PV drivers not detected, the VM not running), by VM name with the reason the inventory records
 * (`Vm.guestFactsUnknown`), and SRs whose storage driver's capabilities it could not read. The same
 * VMs and SRs the rules raise XS-GUEST-FACTS-UNKNOWN and XS-SR-SNAPSHOT-UNKNOWN for: the log and the
 * discovery's answer never call a read complete that left one of them unread.
 */
export function notReadOf(sync: Pick<PoolSync, 'inventory'>): string[] {
  const guests = sync.inventory.vms
    .flatMap((vm) => (vm.guestFactsUnknown ? [`${vm.name}: ${vm.guestFactsUnknown}`] : []))
    .sort();
  // Only SRs holding a VM's disk matter to a backup (an ISO library's driver does not).
  const holdingDisks = new Set(sync.inventory.virtualDisks.map((disk) => disk.hostVolumeId));
  const srs = (sync.inventory.hostVolumes ?? [])
    .flatMap((volume) =>
      volume.kind === 'sr' && volume.canSnapshot == null && holdingDisks.has(volume.id)
        ? [`SR ${volume.name}: whether its storage driver can snapshot was not read`]
        : [],
    )
    .sort();
  return [...guests, ...srs];
}

/** A sync's place in the log: what it added, changed and found gone, and what it could not read. */
function logOutcome(
  counts: { added: number; changedVmIds: string[] },
  presence: Presence,
  notRead: string[],
) {
  return {
    counts: {
      added: counts.added,
      // A VM back in the pool changed, whatever else the read says of it.
      changed: new Set([...counts.changedVmIds, ...presence.reappeared.map((vm) => vm.id)]).size,
      gone: presence.gone.length,
    },
    unknown: notRead,
  };
}

type Presence = PoolSyncResult['presence'];
type SyncStores = Pick<Stores, 'inventory' | 'xapiPools' | 'syncLog' | 'restorePoints'>;

/**
 * Which VMs a sync can have changed the findings of (undefined: the whole estate). A full sync
 * (first view, events lost, a new session) may differ anywhere: the estate. A batch that changed the
 * pool, a host or the storage (an SR's size or driver, a host's release) may change any VM of the
 * pool: its VMs. Otherwise the VMs the batch touched or removed. The import adds the VMs
 * sharing storage with them (services/assessment-service.ts, assessAround).
 */
function reassessedBy(sync: PoolSync): string[] | undefined {
  if (sync.kind === 'full') return undefined;
  const touched = sync.isPoolChanged ? sync.inventory.vms.map((vm) => vm.id) : sync.changedVmIds;
  return [...new Set([...touched, ...sync.removedVmIds])];
}

/**
 * Writes one watcher sync (or an admin's discovery) of the pool `poolId`: the inventory merge, the
 * pool's last sync and host ids (what a disconnect checks), and a record in the pool's sync log —
 * every full sync, and every batch of changes that rewrote or marked a VM (a batch of guest
 * metrics ticking writes nothing, so the log shows what changed, not the event stream's noise).
 */
/**
 * `readStartedAt`: when the read behind `sync` began. A watcher's view is current when it hands
 * a batch over (it calls right after the pool answered), so by default the call's own start; a
 * caller that read the pool itself passes when its read began. A VM an operation recorded after
 * then is not marked gone by this sync (markGoneVms).
 */
export async function applyPoolSync(
  stores: SyncStores,
  ctx: ServiceContext,
  poolId: string,
  sync: PoolSync,
  readStartedAt: Date = ctx.now(),
): Promise<PoolSyncResult> {
  const startedAt = ctx.now();
  const hostIds = sync.inventory.hosts.map((host) => host.id);
  // Read before the merge: what the sync adds and changes is counted against what was stored.
  const changed = sync.inventory.vms.filter((vm) => sync.changedVmIds.includes(vm.id));
  const counts = countSyncChanges(await stores.inventory.loadNeighbourhood(changed.map((vm) => vm.id)), {
    ...sync.inventory,
    vms: changed,
  });
  const rewrites = sync.kind === 'full' || sync.changedVmIds.length > 0 || sync.isPoolChanged;
  // A batch that removed VMs re-assesses them even when nothing else of it is written.
  const result =
    rewrites || sync.removedVmIds.length > 0
      ? await importInventory(stores, ctx, sync.inventory, 'merge', {
          reassessVmIds: reassessedBy(sync),
        })
      : null;
  // Only after the merge was stored: a batch the import refused marks no VM gone.
  const presence =
    sync.kind === 'full' || sync.removedVmIds.length > 0
      ? await markPresence(stores, ctx, sync, readStartedAt)
      : { gone: [], reappeared: [] };
  const movedVmIds = [...presence.gone, ...presence.reappeared].map((vm) => vm.id);
  // Read once: the log records it and the answer carries it (a discovery's toast says the same).
  const notRead = notReadOf(sync);
  // After the merge: a snapshot's point names a VM the inventory now holds.
  const snapshots = await recordPoolSnapshotPoints(stores, ctx, sync);
  await stores.xapiPools.recordSync(poolId, ctx.now(), null, hostIds);
  // The log shows what changed of the VMs: a batch that rewrote only the pool, a host or an SR
  // (re-assessed above) is not a record of its own.
  if (sync.kind === 'full' || sync.changedVmIds.length > 0 || movedVmIds.length > 0) {
    await recordSyncRun(stores, ctx, {
      connector: 'xapi',
      connectionId: poolId,
      startedAt,
      ...logOutcome(counts, presence, notRead),
    });
  }
  if (presence.gone.length > 0 || presence.reappeared.length > 0) {
    ctx.log.info(
      { gone: presence.gone.map((vm) => vm.name), reappeared: presence.reappeared.map((vm) => vm.name) },
      'xapi pool sync: VMs gone from or back in the pool',
    );
  }
  return {
    kind: sync.kind,
    vmIds: rewrites ? sync.changedVmIds : [],
    import: result,
    presence,
    snapshots,
    notRead,
  };
}

/**
 * A watcher step or an admin's discovery failed: the pool keeps its last good sync and shows
 * `lastError` (with the fault code), the log says why in words.
 */
export async function recordFailedPoolSync(
  stores: Pick<Stores, 'xapiPools' | 'syncLog'>,
  ctx: ServiceContext,
  poolId: string,
  startedAt: Date,
  failure: { lastError: string; message: string },
): Promise<void> {
  await stores.xapiPools.recordSync(poolId, ctx.now(), failure.lastError);
  await recordSyncRun(stores, ctx, {
    connector: 'xapi',
    connectionId: poolId,
    startedAt,
    error: failure.message,
  });
}
