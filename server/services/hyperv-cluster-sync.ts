/**
 * What a Hyper-V connection's sync reads: the host it reaches, or — when `cluster-facts` says that
 * host is a failover cluster node — every node of the cluster, each over its own SSH session
 * (server/drivers/hyperv/hyperv-cluster.ts), merged into one inventory with the CSVs as shared
 * volumes and each VM on the node that holds it now.
 */
import type { HypervConnectionRecord } from '../../db/stores/ports/hyperv-connection-store';
import type { ServiceContext } from '../context';
import type { CallOptions } from '../drivers/call';
import type { HypervClient } from '../drivers/hyperv/hyperv-client';
import {
  type HypervClusterFacts,
  mapCluster,
  readClusterFacts,
  readClusterNodes,
} from '../drivers/hyperv/hyperv-cluster';
import {
  type GuestCredential,
  type HostRecords,
  type HypervHostFacts,
  hostInventoryId,
  mapHost,
} from '../drivers/hyperv/hyperv-discovery';
import type { Inventory } from '../engine/inventory';
import { type NodeAddress, nodeClientFor } from './hyperv-connection-service';
import type { VaultKeySource } from './vault-key';

type ConnectionStores = Parameters<typeof nodeClientFor>[0];

export interface ConnectionRead {
  inventory: Inventory;
  /** The connected host's facts; for a cluster, with every node's VMs and guests. */
  facts: HypervHostFacts;
  /** Hosts the read listed every VM of (a node that was not read is not among them). */
  hostIds: string[];
  /** Nodes that were not read, in words ("HV02: node HV02 is down"). */
  unknownNodes: string[];
  cluster: HypervClusterFacts | null;
}

function uniqueById<T extends { id?: string; vmId?: string }>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = item.id ?? item.vmId ?? '';
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export async function readConnection(
  stores: ConnectionStores,
  ctx: ServiceContext,
  keys: VaultKeySource,
  connection: HypervConnectionRecord,
  reached: { client: HypervClient; records: HostRecords },
  guestCredential: GuestCredential | null,
  options: CallOptions & { nodeAddress?: NodeAddress },
): Promise<ConnectionRead> {
  const cluster = await readClusterFacts(reached.client, options);
  if (!cluster.ClusterName) {
    const { inventory, facts } = mapHost(reached.records);
    return {
      inventory,
      facts,
      hostIds: inventory.hosts.map((host) => host.id),
      unknownNodes: [],
      cluster: null,
    };
  }
  const clients: HypervClient[] = [];
  const clientFor = (node: string) => {
    const client = nodeClientFor(stores, ctx, keys, connection, node, options.nodeAddress);
    clients.push(client);
    return client;
  };
  try {
    const reads = await readClusterNodes(cluster, clientFor, guestCredential, options, reached.records);
    const named = { ...cluster, ClusterName: cluster.ClusterName };
    const { inventory, facts } = mapCluster(named, reads);
    const connectedId = hostInventoryId(reached.records.host.ComputerName);
    const connected = facts.hosts.find((host) => hostInventoryId(host.computerName) === connectedId);
    if (!connected)
      throw new Error(`${connection.name}: the connected node is missing from its own cluster's read`);
    return {
      inventory,
      facts: {
        ...connected,
        vms: uniqueById(facts.hosts.flatMap((host) => host.vms)).filter((vm) =>
          inventory.vms.some((kept) => kept.id === vm.id),
        ),
        guests: uniqueById(facts.hosts.flatMap((host) => host.guests)),
      },
      hostIds: facts.nodes.filter((node) => node.isRead).map((node) => node.hostId),
      unknownNodes: facts.nodes.flatMap((node) => (node.unknown ? [`${node.name}: ${node.unknown}`] : [])),
      cluster: facts,
    };
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
}
