/**
 * The standalone collector's document: one Hyper-V host's raw facts, as the same three repository
 * scripts read them (host-facts, list-vms, guest-facts), for hosts the console cannot reach.
 *
 * Two programs write it — `migawka collect hyperv` over SSH, and `collectors/Collect-MigawkaInventory.ps1`
 * run by an admin on the host itself — and `migawka check` and the import read it. The records stay
 * raw (Windows PowerShell 5.1's shapes: one object not wrapped in an array, enums as numbers,
 * `/Date(…)/` dates) and are parsed by the connector's own schemas and mapped by its own `mapHost`,
 * so a collected host reads exactly as a synced one, unknown guest facts included.
 *
 * On a failover cluster node the document also holds `cluster-facts` (`cluster`, absent or
 * null elsewhere and in older documents), mapped by the live sync's own `mapCluster`: the CSVs are
 * the same shared volumes, the VMs the same ids. One document is one node: the cluster's other nodes
 * are named as not collected (their VMs are not in it).
 */
import { z } from 'zod';
import type { FieldError } from '../../engine/errors';
import type { Inventory } from '../../engine/inventory';
import {
  type ClusterFactsRecord,
  clusterFactsSchema,
  type HypervClusterFacts,
  mapCluster,
} from './hyperv-cluster';
import { type HostRecords, type HypervHostFacts, mapHost, vmGuidOf, vmInventoryId } from './hyperv-discovery';
import { guestFactsSchema, hostFactsSchema, listOf, vmListSchema } from './hyperv-records';

export const HYPERV_COLLECTION_FORMAT = 'migawka.hyperv-collection';
export const HYPERV_COLLECTION_VERSION = 1;

const guestEntrySchema = z.union([
  z.object({ vmId: z.string(), facts: guestFactsSchema }),
  z.object({ vmId: z.string(), unknown: z.string() }),
]);

const collectionSchema = z.object({
  format: z.literal(HYPERV_COLLECTION_FORMAT),
  version: z.literal(HYPERV_COLLECTION_VERSION, {
    error: `this Migawka reads collector documents of version ${HYPERV_COLLECTION_VERSION}`,
  }),
  collectedAt: z.string().nullable().optional(),
  host: hostFactsSchema,
  vms: vmListSchema,
  guests: listOf(guestEntrySchema),
  cluster: clusterFactsSchema.nullable().optional(),
});

/** Whether parsed JSON claims to be a collector document (then it is read as one, or refused as one). */
export function isHypervCollection(data: unknown): boolean {
  return (
    typeof data === 'object' &&
    data !== null &&
    (data as { format?: unknown }).format === HYPERV_COLLECTION_FORMAT
  );
}

export type CollectionRead =
  | {
      ok: true;
      inventory: Inventory;
      facts: HypervHostFacts;
      collectedAt: string | null;
      /** The host is a cluster node: the cluster as the live sync maps it (other nodes not read). */
      cluster: HypervClusterFacts | null;
    }
  | { ok: false; fieldErrors: FieldError[] };

/** Parses and maps a collector document; every problem comes back with its path. */
export function readHypervCollection(data: unknown): CollectionRead {
  const parsed = collectionSchema.safeParse(data);
  if (!parsed.success) {
    return {
      ok: false,
      fieldErrors: parsed.error.issues.map((issue) => ({
        path: issue.path.length > 0 ? issue.path.join('.') : '(file)',
        message: issue.message,
      })),
    };
  }
  const { host, vms, guests, collectedAt, cluster } = parsed.data;
  const records: HostRecords = {
    host,
    vms,
    // The document names guests by Hyper-V's VM id; the mapping keys them by inventory id.
    guests: guests.map((guest) => ({ ...guest, vmId: vmInventoryId(guest.vmId) })),
  };
  if (cluster?.ClusterName) {
    const mapped = mapCollectedNode({ ...cluster, ClusterName: cluster.ClusterName }, records);
    return { ok: true, ...mapped, collectedAt: collectedAt ?? null };
  }
  const { inventory, facts } = mapHost(records);
  return { ok: true, inventory, facts, collectedAt: collectedAt ?? null, cluster: null };
}

/** One collected node of a cluster, merged as a sync that read only this node would merge it. */
function mapCollectedNode(cluster: ClusterFactsRecord & { ClusterName: string }, records: HostRecords) {
  const self = records.host.ComputerName.toLowerCase();
  const reads = cluster.Nodes.map((node) =>
    node.Name.toLowerCase() === self
      ? { node: node.Name, records }
      : {
          node: node.Name,
          unknown: `not collected: this document is ${records.host.ComputerName}'s; run the collector on ${node.Name} too`,
        },
  );
  if (!reads.some((read) => 'records' in read)) reads.push({ node: records.host.ComputerName, records });
  const { inventory, facts } = mapCluster(cluster, reads);
  const [own] = facts.hosts;
  const [ownHost] = inventory.hosts;
  if (!own || !ownHost)
    throw new Error(`${records.host.ComputerName}: missing from its own cluster's mapping`);
  // A CSV owned by a node not collected is under this node here: the document holds no other host
  // (a sync keeps the owner, whose host it stored when it read it).
  inventory.hostVolumes = inventory.hostVolumes.map((volume) =>
    volume.kind === 'csv' && volume.hostId !== ownHost.id ? { ...volume, hostId: ownHost.id } : volume,
  );
  return { inventory, facts: own, cluster: facts };
}

/** The document for records read over SSH (`migawka collect hyperv`). */
export function hypervCollectionOf(
  records: HostRecords,
  collectedAt: Date,
  cluster: ClusterFactsRecord | null = null,
) {
  return {
    format: HYPERV_COLLECTION_FORMAT,
    version: HYPERV_COLLECTION_VERSION,
    collectedAt: collectedAt.toISOString(),
    host: records.host,
    vms: records.vms,
    guests: records.guests.map((guest) => ({ ...guest, vmId: vmGuidOf(guest.vmId) ?? guest.vmId })),
    cluster,
  };
}

/** What a collected host could not tell, in words: shown by `check` beside its findings. */
export function unknownsOfCollection(
  facts: HypervHostFacts,
  cluster: HypervClusterFacts | null = null,
): string[] {
  const unknowns: string[] = [];
  for (const node of cluster?.nodes ?? []) {
    if (node.unknown) unknowns.push(`node ${node.name} of cluster ${cluster?.clusterName}: ${node.unknown}`);
  }
  if (!facts.isElevated) {
    unknowns.push(
      `${facts.computerName}: the collecting account is not elevated (not an Administrator or Hyper-V Administrator), so no VM was listed`,
    );
  } else if (!facts.hasHyperVModule) {
    unknowns.push(`${facts.computerName}: the Hyper-V PowerShell module is missing, so no VM was listed`);
  }
  const names = new Map(facts.vms.map((vm) => [vm.id, vm.name]));
  for (const guest of facts.guests) {
    if (guest.isKnown) continue;
    unknowns.push(`${names.get(guest.vmId) ?? guest.vmId}: guest facts not read (${guest.reason})`);
  }
  return unknowns;
}
