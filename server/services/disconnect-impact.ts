/**
 * What disconnecting a hypervisor connection (a Hyper-V host, a XenServer pool) stops, shown before
 * the admin types its name: the VMs on the hosts it reads, and the jobs backing any of them up,
 * whose runs fail until the hosts are connected again. The inventory keeps what the syncs read, so
 * nothing else is lost; the preview says what stops working.
 */
import type { Stores } from '../../db/stores/ports';
import { resolveScope } from '../engine/backup-stages/scope';
import { indexInventory } from '../engine/inventory';
import { backupSeeds } from '../engine/neighbourhood';
import { hypervConnectionIdInput } from '../schemas/hyperv-connections';
import type { BackupRequest } from '../schemas/operations';
import { xapiPoolIdInput } from '../schemas/xapi-pools';
import { connectionOrThrow, hostIdsReadBy } from './hyperv-connection-service';
import { parseInput } from './parse-input';
import { poolOrThrow } from './xapi-pool-service';

export interface DisconnectImpact {
  /** VMs on the connection's hosts (gone ones too, as the host pages count them). */
  vmCount: number;
  /** Jobs with a VM on those hosts in their scope, by name; enabled ones are those whose schedule fails. */
  jobs: { id: string; name: string; isEnabled: boolean }[];
}

/** The impact of no longer reading `hostIds` (a connection's host, or a pool's hosts). */
export async function disconnectImpactOf(
  stores: Pick<Stores, 'inventory' | 'jobs'>,
  hostIds: readonly string[],
): Promise<DisconnectImpact> {
  if (hostIds.length === 0) return { vmCount: 0, jobs: [] };
  const counts = await stores.inventory.countVmsOnHosts(hostIds);
  let vmCount = 0;
  for (const count of counts.values()) vmCount += count;
  const onHosts = new Set(hostIds);
  const jobs: DisconnectImpact['jobs'] = [];
  // An administrator's jobs are a few dozen: each scope is resolved on its own neighbourhood, as
  // planning resolves it, so a volume or LUN scope counts the VMs it covers today.
  for (const job of await stores.jobs.list()) {
    const { scope } = job.requestJson as unknown as BackupRequest;
    const seeds = backupSeeds(scope);
    const index = indexInventory(await stores.inventory.loadNeighbourhood(seeds.vmIds, seeds.also));
    const vmIds = resolveScope(index, scope, { blockedReasons: [], findings: [] });
    const touches = vmIds.some((vmId) => {
      const vm = index.vmsById.get(vmId);
      return vm !== undefined && onHosts.has(vm.hostId);
    });
    if (touches) jobs.push({ id: job.id, name: job.name, isEnabled: job.isEnabled });
  }
  return { vmCount, jobs };
}

/** Disconnecting a Hyper-V host connection: its host, and a cluster's nodes read through it. */
export async function hypervDisconnectImpact(
  stores: Pick<Stores, 'inventory' | 'jobs' | 'hypervConnections'>,
  raw: unknown,
): Promise<DisconnectImpact> {
  const { id } = parseInput(hypervConnectionIdInput, raw);
  const connection = await connectionOrThrow(stores, id);
  return disconnectImpactOf(stores, hostIdsReadBy(connection));
}

/** Disconnecting a XenServer pool: the hosts its last discovery read. */
export async function xapiPoolDisconnectImpact(
  stores: Pick<Stores, 'inventory' | 'jobs' | 'xapiPools'>,
  raw: unknown,
): Promise<DisconnectImpact> {
  const { id } = parseInput(xapiPoolIdInput, raw);
  return disconnectImpactOf(stores, (await poolOrThrow(stores, id)).hostIds);
}
