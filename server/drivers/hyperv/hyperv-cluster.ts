/**
 * Failover clusters: one connection for the whole cluster. `cluster-facts` (run on the node the
 * connection reaches) lists the nodes, the Cluster Shared Volumes and the clustered VM roles; each
 * node that is up is then read like a stand-alone host (host-facts, list-vms, guest-facts) through
 * its own SSH session, and the reads are merged into one inventory:
 * - A VM is `hv:<vm guid>` on whichever node runs it: a VM that moved between nodes (live
 *   migration, failover) is the same VM, on its new host. If two reads list it (a sync during a
 *   migration), the role's owner node wins.
 * - A CSV is one shared volume, `hv-csv:<cluster>:<volume guid>`, owned by the CSV's owner node,
 *   instead of one volume per node: every node mounts it at the same `C:\ClusterStorage\…` path,
 *   and the disks and shadow-storage links each node's read points at it are re-pointed.
 * - A node that is down, or whose read failed, is not guessed: its VMs keep what was stored, and
 *   the facts say which node and why.
 */
import { z } from 'zod';
import type { HostVolume, Inventory } from '../../engine/inventory';
import { emptyInventory } from '../../engine/inventory';
import type { CallOptions } from '../call';
import type { HypervClient } from './hyperv-client';
import {
  type GuestCredential,
  type HostRecords,
  type HypervHostFacts,
  hostInventoryId,
  mapHost,
  readHostRecords,
  vmInventoryId,
} from './hyperv-discovery';
import { toDriverError } from './hyperv-errors';
import { listOf } from './hyperv-records';

/** ClusterNodeState, as PS 5.1 prints it. */
export const NODE_STATES: Record<number, 'up' | 'down' | 'paused' | 'joining'> = {
  0: 'up',
  1: 'down',
  2: 'paused',
  3: 'joining',
};
/** ClusterGroupState. */
const ROLE_STATES: Record<number, string> = {
  0: 'online',
  1: 'offline',
  2: 'failed',
  3: 'partial',
  4: 'pending',
};
/** ClusterResourceState of a CSV. */
const CSV_STATES: Record<number, string> = { 2: 'online', 3: 'offline', 4: 'failed' };

const clusterNodeSchema = z.object({
  Name: z.string(),
  Id: z.union([z.string(), z.number()]),
  State: z.number(),
});
const sharedVolumeSchema = z.object({
  Name: z.string(),
  State: z.number(),
  OwnerNode: z.string().nullable(),
  FriendlyVolumeName: z.string(),
  VolumeName: z.string().nullable(),
  FileSystem: z.string().nullable(),
  Size: z.number().nullable(),
  FreeSpace: z.number().nullable(),
});
const vmRoleSchema = z.object({
  Name: z.string(),
  OwnerNode: z.string().nullable(),
  State: z.number(),
  VmId: z.string().nullable(),
});
export const clusterFactsSchema = z.object({
  ClusterName: z.string().nullable(),
  Nodes: listOf(clusterNodeSchema),
  SharedVolumes: listOf(sharedVolumeSchema),
  VmRoles: listOf(vmRoleSchema),
});
export type ClusterFactsRecord = z.infer<typeof clusterFactsSchema>;

export function readClusterFacts(client: HypervClient, options: CallOptions): Promise<ClusterFactsRecord> {
  return client.run('cluster-facts', {}, clusterFactsSchema, options);
}

/** One node's read: its host records, or why it was not read. */
export type NodeRead = { node: string; records: HostRecords } | { node: string; unknown: string };

/**
 * Reads every node that is up, each through the client `clientFor` gives it (the caller closes
 * them); a node that is down is not tried, a node whose read fails is an unknown with its reason.
 */
export async function readClusterNodes(
  cluster: ClusterFactsRecord,
  clientFor: (node: string) => HypervClient,
  guestCredential: GuestCredential | null,
  options: CallOptions,
  /** A node read already (the one the connection reaches): not read twice. */
  already?: HostRecords,
): Promise<NodeRead[]> {
  const reads: NodeRead[] = [];
  for (const node of cluster.Nodes) {
    if (already && already.host.ComputerName.toLowerCase() === node.Name.toLowerCase()) {
      reads.push({ node: node.Name, records: already });
      continue;
    }
    const state = NODE_STATES[node.State] ?? `in state ${node.State}`;
    if (state === 'down' || state === 'joining') {
      reads.push({ node: node.Name, unknown: `node ${node.Name} is ${state}` });
      continue;
    }
    try {
      reads.push({
        node: node.Name,
        records: await readHostRecords(clientFor(node.Name), guestCredential, options),
      });
    } catch (error) {
      if (options.signal.aborted) throw error;
      const mapped = toDriverError(error, `node ${node.Name}`);
      reads.push({ node: node.Name, unknown: mapped instanceof Error ? mapped.message : String(mapped) });
    }
  }
  return reads;
}

/** The cluster beside the inventory: what its connection's card and the sync log show. */
export interface HypervClusterFacts {
  clusterName: string;
  nodes: { name: string; hostId: string; state: string; isRead: boolean; unknown: string | null }[];
  sharedVolumes: {
    id: string;
    name: string;
    path: string;
    state: string;
    ownerNode: string | null;
    fileSystem: string | null;
  }[];
  vmRoles: { name: string; vmId: string | null; ownerNode: string | null; state: string }[];
  /** Each node's own facts (VMs with their files, guests read or unknown), for the nodes read. */
  hosts: HypervHostFacts[];
}

const volumeGuidOf = (name: string | null) =>
  /\{([0-9a-f-]+)\}/i.exec(name ?? '')?.[1]?.toLowerCase() ?? null;
const trimSlash = (path: string) => path.replace(/\\$/, '');

/** The CSVs as shared volumes, and the map from each node's own id for a CSV mount to the shared one. */
function sharedVolumesOf(
  cluster: ClusterFactsRecord & { ClusterName: string },
  nodeVolumes: HostVolume[],
  onSharedLater: (id: string | null) => string | null = (id) => id,
): { volumes: HostVolume[]; replaced: Map<string, string>; facts: HypervClusterFacts['sharedVolumes'] } {
  const volumes: HostVolume[] = [];
  const replaced = new Map<string, string>();
  const facts: HypervClusterFacts['sharedVolumes'] = [];
  for (const csv of cluster.SharedVolumes) {
    const path = trimSlash(csv.FriendlyVolumeName);
    const id = `hv-csv:${cluster.ClusterName.toLowerCase()}:${volumeGuidOf(csv.VolumeName) ?? path.toLowerCase()}`;
    const mounts = nodeVolumes.filter((volume) => volume.name.toLowerCase() === path.toLowerCase());
    for (const mount of mounts) replaced.set(mount.id, id);
    const ownerMount =
      mounts.find((mount) => mount.hostId === hostInventoryId(csv.OwnerNode ?? '')) ?? mounts[0];
    const hostId = csv.OwnerNode ? hostInventoryId(csv.OwnerNode) : (ownerMount?.hostId ?? null);
    facts.push({
      id,
      name: csv.Name,
      path,
      state: CSV_STATES[csv.State] ?? `state ${csv.State}`,
      ownerNode: csv.OwnerNode,
      fileSystem: csv.FileSystem,
    });
    if (!hostId) continue;
    volumes.push({
      id,
      hostId,
      name: path,
      kind: 'csv',
      sizeBytes: csv.Size ?? ownerMount?.sizeBytes ?? null,
      freeBytes: csv.FreeSpace ?? ownerMount?.freeBytes ?? null,
      // A node lists the mount as CSVFS; the partition under it says NTFS or ReFS: both take VSS snapshots.
      vssEnabled: /^(NTFS|ReFS|CSVFS)$/i.test(csv.FileSystem ?? ''),
      shadowStorageVolumeId: ownerMount ? onSharedLater(ownerMount.shadowStorageVolumeId) : null,
      shadowStorageLimitBytes: ownerMount?.shadowStorageLimitBytes ?? null,
      arrayVolumeId: null,
      deviceId: ownerMount?.deviceId ?? null,
    });
  }
  return { volumes, replaced, facts };
}

/** Merges the nodes' reads into one inventory, the cluster's facts beside it. */
export function mapCluster(
  cluster: ClusterFactsRecord & { ClusterName: string },
  reads: NodeRead[],
): { inventory: Inventory; facts: HypervClusterFacts } {
  const inventory = emptyInventory();
  const hosts: HypervHostFacts[] = [];
  const owners = new Map(
    cluster.VmRoles.filter((role) => role.VmId).map((role) => [
      vmInventoryId(role.VmId as string),
      role.OwnerNode,
    ]),
  );
  for (const read of reads) {
    if (!('records' in read)) continue;
    const mapped = mapHost(read.records);
    hosts.push(mapped.facts);
    inventory.hosts.push(...mapped.inventory.hosts);
    inventory.hostVolumes.push(...mapped.inventory.hostVolumes);
    for (const vm of mapped.inventory.vms) {
      const owner = owners.get(vm.id);
      const earlier = inventory.vms.findIndex((stored) => stored.id === vm.id);
      // Listed by two nodes mid-migration: the role's owner keeps it, with that node's disks.
      if (earlier >= 0 && (!owner || hostInventoryId(owner) !== vm.hostId)) continue;
      if (earlier >= 0) {
        inventory.vms.splice(earlier, 1);
        inventory.virtualDisks = inventory.virtualDisks.filter((disk) => disk.vmId !== vm.id);
        inventory.guestVolumes = inventory.guestVolumes.filter((volume) => volume.vmId !== vm.id);
      }
      inventory.vms.push(vm);
      inventory.virtualDisks.push(...mapped.inventory.virtualDisks.filter((disk) => disk.vmId === vm.id));
      inventory.guestVolumes.push(...mapped.inventory.guestVolumes.filter((volume) => volume.vmId === vm.id));
    }
  }
  const shared = sharedVolumesOf(cluster, inventory.hostVolumes);
  const onShared = (id: string | null) => (id ? (shared.replaced.get(id) ?? id) : id);
  inventory.hostVolumes = [
    ...inventory.hostVolumes
      .filter((volume) => !shared.replaced.has(volume.id))
      .map((volume) => ({ ...volume, shadowStorageVolumeId: onShared(volume.shadowStorageVolumeId) })),
    ...shared.volumes,
  ];
  inventory.virtualDisks = inventory.virtualDisks.map((disk) => ({
    ...disk,
    hostVolumeId: onShared(disk.hostVolumeId),
  }));
  inventory.vms = inventory.vms.map((vm) => ({
    ...vm,
    snapshotLocationVolumeId: onShared(vm.snapshotLocationVolumeId),
  }));
  return {
    inventory,
    facts: {
      clusterName: cluster.ClusterName,
      nodes: cluster.Nodes.map((node) => {
        const read = reads.find((candidate) => candidate.node === node.Name);
        return {
          name: node.Name,
          hostId: hostInventoryId(node.Name),
          state: NODE_STATES[node.State] ?? `state ${node.State}`,
          isRead: Boolean(read && 'records' in read),
          unknown: read && 'unknown' in read ? read.unknown : null,
        };
      }),
      sharedVolumes: shared.facts,
      vmRoles: cluster.VmRoles.map((role) => ({
        name: role.Name,
        vmId: role.VmId ? vmInventoryId(role.VmId) : null,
        ownerNode: role.OwnerNode,
        state: ROLE_STATES[role.State] ?? `state ${role.State}`,
      })),
      hosts,
    },
  };
}

/** What "test connection" says of one cluster node: reached or not (why), and its prerequisites. */
export interface ClusterNodeTest {
  name: string;
  state: string;
  isReachable: boolean;
  /** Null when the node was not reached: not known, not "no". */
  isElevated: boolean | null;
  hasHyperVModule: boolean | null;
  vmCount: number | null;
  reason: string | null;
}

/**
 * "Test connection" on a cluster: every node that is up is signed in to over its own session and
 * its prerequisites read (guests are not, the test of the node reached reports those); a node that
 * is down, or whose read fails, says why.
 */
export async function testClusterNodes(
  cluster: ClusterFactsRecord,
  clientFor: (node: string) => HypervClient,
  options: CallOptions,
  reached: HostRecords,
): Promise<ClusterNodeTest[]> {
  const reads = await readClusterNodes(cluster, clientFor, null, options, reached);
  return cluster.Nodes.map((node) => {
    const read = reads.find((candidate) => candidate.node === node.Name);
    const state = NODE_STATES[node.State] ?? `state ${node.State}`;
    if (!read || !('records' in read)) {
      return {
        name: node.Name,
        state,
        isReachable: false,
        isElevated: null,
        hasHyperVModule: null,
        vmCount: null,
        reason: read && 'unknown' in read ? read.unknown : 'not read',
      };
    }
    const { facts } = mapHost(read.records);
    return {
      name: node.Name,
      state,
      isReachable: true,
      isElevated: facts.isElevated,
      hasHyperVModule: facts.hasHyperVModule,
      vmCount: read.records.vms.length,
      reason: null,
    };
  });
}
