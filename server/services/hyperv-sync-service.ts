/**
 * Syncing a Hyper-V host: read it, merge it into the inventory, mark the VMs it no longer lists
 * gone (and those listed again back), and record the sync in the sync log (what it added, changed
 * and found gone, the guest facts it could not read, or why it failed).
 */
import type { Stores } from '../../db/stores/ports';
import type { SyncRunRecord } from '../../db/stores/ports/sync-log-store';
import type { ServiceContext } from '../context';
import type { CallOptions } from '../drivers/call';
import type { HypervClusterFacts } from '../drivers/hyperv/hyperv-cluster';
import { type HypervHostFacts, hostInventoryId, readHostRecords } from '../drivers/hyperv/hyperv-discovery';
import { toDriverError } from '../drivers/hyperv/hyperv-errors';
import type { Inventory } from '../engine/inventory';
import { hypervConnectionIdInput } from '../schemas/hyperv-connections';
import { connectionLabel } from './connection-labels';
import { DomainError } from './errors';
import { readConnection } from './hyperv-cluster-sync';
import {
  connectionOrThrow,
  failureOf,
  guestCredentialFor,
  hostIdsReadBy,
  hypervClientFor,
  type NodeAddress,
  reassessHostsOf,
} from './hyperv-connection-service';
import { type ImportResult, importInventory } from './import-service';
import { parseInput } from './parse-input';
import { countSyncChanges, hostFactsChanged, recordSyncRun } from './sync-log-service';
import type { VaultKeySource } from './vault-key';

type SyncStores = Pick<Stores, 'hypervConnections' | 'secrets' | 'inventory' | 'syncLog'>;

/** The guests whose facts stayed unknown, by VM name, with the reason. */
function unknownGuestsOf(facts: HypervHostFacts): { vmName: string; reason: string }[] {
  return facts.guests.flatMap((guest) =>
    guest.isKnown
      ? []
      : [{ vmName: facts.vms.find((vm) => vm.id === guest.vmId)?.name ?? guest.vmId, reason: guest.reason }],
  );
}

/** The VMs whose power state the read could not tell (planned as running for safety), with what Hyper-V reported. */
function unknownPowerStatesOf(inventory: Inventory): string[] {
  return inventory.vms.flatMap((vm) =>
    vm.powerStateUnknown ? [`${vm.name}: power state not read (${vm.powerStateUnknown})`] : [],
  );
}

/** VMs a sync found gone from the host (or back on it), by name. */
export interface SyncPresence {
  gone: { id: string; name: string }[];
  reappeared: { id: string; name: string }[];
}

/**
 * Which VMs a host sync can have changed the findings of; the import adds the VMs sharing storage
 * with them (services/assessment-service.ts, assessAround). A host or host-volume fact that reads
 * differently: every VM read (each may sit on that volume or depend on that host). Otherwise the VMs
 * added or changed, and those the read lists again after they were marked gone. The rest of the
 * estate keeps its stored assessments.
 */
function reassessedByHypervSync(
  stored: Inventory,
  read: Inventory,
  counts: { changedVmIds: readonly string[] },
): string[] {
  const readVmIds = new Set(read.vms.map((vm) => vm.id));
  const back = stored.vms.filter((vm) => vm.goneSince && readVmIds.has(vm.id)).map((vm) => vm.id);
  if (hostFactsChanged(stored, read)) return [...readVmIds];
  const storedVmIds = new Set(stored.vms.map((vm) => vm.id));
  const added = read.vms.filter((vm) => !storedVmIds.has(vm.id)).map((vm) => vm.id);
  return [...new Set([...added, ...counts.changedVmIds, ...back])];
}

/**
 * After the merge of a read was stored, and only then: the sync owns the gone marks (the merge
 * leaves them as stored), this sets and clears them. Every host read is checked against every VM
 * the read saw, so a VM that moved to another node of the cluster is not gone from the node it left;
 * a node not read keeps its marks. A read the import refused marks nothing: its VMs are not known
 * to be gone. A gone VM keeps the assessment of when its host last listed it (the findings read no
 * mark; the views show a gone VM with no readiness).
 */
async function markGone(
  stores: Pick<Stores, 'inventory'>,
  ctx: ServiceContext,
  hostIds: readonly string[],
  inventory: Inventory,
  readStartedAt: Date,
): Promise<SyncPresence> {
  const presence: SyncPresence = { gone: [], reappeared: [] };
  for (const readHostId of hostIds) {
    const marked = await stores.inventory.markGoneVms(
      readHostId,
      inventory.vms.map((vm) => vm.id),
      ctx.now(),
      // A VM restored as new on the host after the read began is not in it, and not gone.
      readStartedAt,
    );
    presence.gone.push(...marked.gone);
    presence.reappeared.push(...marked.reappeared);
  }
  return presence;
}

/**
 * Reads the host and merges it into the inventory; the record keeps when and how it ended. The
 * read lists every VM of the host, so a stored VM of this host it did not list is marked gone (not
 * deleted: its restore points and jobs stay), and a VM marked gone that is listed again is back.
 * The marks follow the merge: a read the import refuses marks nothing gone.
 */
export async function syncHypervConnection(
  stores: SyncStores,
  ctx: ServiceContext,
  keys: VaultKeySource,
  raw: unknown,
  options: CallOptions & { nodeAddress?: NodeAddress },
): Promise<{
  import: ImportResult;
  facts: HypervHostFacts;
  presence: SyncPresence;
  run: SyncRunRecord;
  cluster: HypervClusterFacts | null;
}> {
  const { id } = parseInput(hypervConnectionIdInput, raw);
  const connection = await connectionOrThrow(stores, id);
  const client = hypervClientFor(stores, ctx, keys, connection);
  const run = { connector: 'hyperv' as const, connectionId: id, startedAt: ctx.now() };
  try {
    const guestCredential = await guestCredentialFor(stores, ctx, keys, connection)();
    const records = await readHostRecords(client, guestCredential, options);
    if (!records.host.IsElevated || !records.host.HasHyperVModule) {
      const reason = !records.host.IsElevated
        ? 'the account is not an administrator or in "Hyper-V Administrators"'
        : 'the Hyper-V PowerShell module is not installed';
      throw new DomainError('PRECONDITION_FAILED', `${connection.name} cannot be synced: ${reason}.`);
    }
    const read = await readConnection(
      stores,
      ctx,
      keys,
      connection,
      { client, records },
      guestCredential,
      options,
    );
    const { inventory, facts } = read;
    const hostId = hostInventoryId(records.host.ComputerName);
    // Read before the merge: what the sync adds and changes is counted against what was stored.
    const stored = await stores.inventory.loadNeighbourhood(inventory.vms.map((vm) => vm.id));
    const counts = countSyncChanges(stored, inventory);
    const result = await importInventory(stores, ctx, inventory, 'merge', {
      reassessVmIds: reassessedByHypervSync(stored, inventory, counts),
    });
    const presence = await markGone(stores, ctx, read.hostIds, inventory, run.startedAt);
    await stores.hypervConnections.recordSync(id, ctx.now(), null, hostId);
    await stores.hypervConnections.recordCluster(
      id,
      read.cluster?.clusterName ?? null,
      read.cluster ? read.hostIds : [],
    );
    // The import assessed the hosts before the connection named them: a host it now reads takes
    // the connection's WSB target, one it no longer reads loses it (Host.wsbTarget).
    const readBefore = hostIdsReadBy(connection);
    const readNow = hostIdsReadBy({ hostId, nodeHostIds: read.cluster ? read.hostIds : [] });
    const moved = [
      ...readNow.filter((host) => !readBefore.includes(host)),
      ...readBefore.filter((host) => !readNow.includes(host)),
    ];
    if (moved.length > 0) await reassessHostsOf(stores, moved);
    const recorded = await recordSyncRun(stores, ctx, {
      ...run,
      counts: {
        added: counts.added,
        // A VM back on the host changed, whatever else the read says of it.
        changed: new Set([...counts.changedVmIds, ...presence.reappeared.map((vm) => vm.id)]).size,
        gone: presence.gone.length,
      },
      unknown: [
        ...read.unknownNodes,
        ...unknownPowerStatesOf(inventory),
        ...unknownGuestsOf(facts).map((guest) => `${guest.vmName}: ${guest.reason}`),
      ],
    });
    if (presence.gone.length > 0 || presence.reappeared.length > 0) {
      ctx.log.info(
        {
          connectionId: id,
          gone: presence.gone.map((vm) => vm.name),
          reappeared: presence.reappeared.map((vm) => vm.name),
        },
        'hyperv sync: VMs gone from or back on the host',
      );
    }
    return { import: result, facts, presence, run: recorded, cluster: read.cluster };
  } catch (error) {
    const failure = failureOf(error, client.label);
    // The message in words (it names the host); the fault's code is for the API, not the card.
    await stores.hypervConnections.recordSync(id, ctx.now(), failure.message);
    await recordSyncRun(stores, ctx, { ...run, error: failure.message });
    throw toDriverError(error, client.label);
  } finally {
    await client.close();
  }
}

/** What the console shows after a sync: what was stored and which guests stayed unknown, or why it failed. */
export type HypervSyncResult =
  | {
      ok: true;
      computerName: string;
      vmCount: number;
      stored: ImportResult['stored'];
      unknownGuests: { vmName: string; reason: string }[];
      /** Names of the stored VMs this sync no longer found on the host (marked gone, kept). */
      goneVms: string[];
      /** Names of VMs marked gone that the host lists again. */
      reappearedVms: string[];
      /** The failover cluster the host is a node of (every node synced through it); null when stand-alone. */
      cluster: {
        name: string;
        nodes: { name: string; state: string; isRead: boolean; unknown: string | null }[];
        sharedVolumes: { name: string; path: string; ownerNode: string | null; state: string }[];
      } | null;
    }
  | { ok: false; fault: string; message: string };

/** Sync for the console: a host that cannot be read is an answer with its reason, not a server error. */
export async function runHypervSync(
  stores: SyncStores,
  ctx: ServiceContext,
  keys: VaultKeySource,
  raw: unknown,
  options: CallOptions,
): Promise<HypervSyncResult> {
  const input = parseInput(hypervConnectionIdInput, raw);
  const connection = await connectionOrThrow(stores, input.id);
  try {
    const {
      import: result,
      facts,
      presence,
      cluster,
    } = await syncHypervConnection(stores, ctx, keys, input, options);
    return {
      ok: true,
      computerName: facts.computerName,
      vmCount: facts.vms.length,
      stored: result.stored,
      unknownGuests: unknownGuestsOf(facts),
      goneVms: presence.gone.map((vm) => vm.name),
      reappearedVms: presence.reappeared.map((vm) => vm.name),
      cluster: cluster
        ? {
            name: cluster.clusterName,
            nodes: cluster.nodes.map(({ name, state, isRead, unknown }) => ({
              name,
              state,
              isRead,
              unknown,
            })),
            sharedVolumes: cluster.sharedVolumes.map(({ name, path, ownerNode, state }) => ({
              name,
              path,
              ownerNode,
              state,
            })),
          }
        : null,
    };
  } catch (error) {
    if (error instanceof DomainError && error.code !== 'PRECONDITION_FAILED') throw error;
    return { ok: false, ...failureOf(error, connectionLabel('hyperv', connection.name)) };
  }
}
