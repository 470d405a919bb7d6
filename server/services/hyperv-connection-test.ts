/**
 * "Test connection" of a Hyper-V connection (saved, or before saving): signs in, reads the host's
 * prerequisites and its guests' PowerShell Direct, and — on a failover cluster node — every other
 * node over its own session, each with what works and what does not, in words.
 */
import type { Stores } from '../../db/stores/ports';
import type { ServiceContext } from '../context';
import type { CallOptions } from '../drivers/call';
import { HypervClient } from '../drivers/hyperv/hyperv-client';
import { type ClusterNodeTest, readClusterFacts, testClusterNodes } from '../drivers/hyperv/hyperv-cluster';
import {
  type GuestCredential,
  type HostRecords,
  mapHost,
  readHostRecords,
} from '../drivers/hyperv/hyperv-discovery';
import { endpointOf } from '../engine/secret-binding';
import { hypervConnectionIdInput, testHypervDraftInput } from '../schemas/hyperv-connections';
import { goneSinceLoaded } from './errors';
import {
  connectionOrThrow,
  failureOf,
  guestCredentialFor,
  guestCredentialFrom,
  hypervAccounts,
  hypervClientFor,
  type NodeAddress,
  nodeByName,
  nodeClientFor,
  requireHypervAccounts,
  sshCredentialFrom,
} from './hyperv-connection-service';
import { parseInput } from './parse-input';
import { type BindingStores, secretsForTest } from './secret-binding';
import type { VaultKeySource } from './vault-key';

type ConnectionStores = Pick<Stores, 'hypervConnections' | 'secrets'>;

/** What "test connection" shows: each prerequisite, worked or not, in words. */
export type HypervTestResult =
  | {
      ok: true;
      hostKey: string | null;
      computerName: string;
      osVersion: string;
      isElevated: boolean;
      hasHyperVModule: boolean;
      vmCount: number;
      guests: { vmName: string; powerShellDirect: 'works' | 'unknown'; reason: string | null }[];
      /** The host reached is a failover cluster node: every node, tested over its own session. */
      cluster: { name: string; nodes: ClusterNodeTest[] } | null;
    }
  | { ok: false; fault: string; message: string; refusedHostKey: string | null };

/** The node reached is in a cluster: each other node over a client of its own (closed here). */
async function probeCluster(
  client: HypervClient,
  records: HostRecords,
  nodeClient: (node: string) => HypervClient,
  options: CallOptions,
): Promise<{ name: string; nodes: ClusterNodeTest[] } | null> {
  // Not elevated, or no Hyper-V module: the sync stops there too, and the test says why.
  if (!records.host.IsElevated || !records.host.HasHyperVModule) return null;
  const cluster = await readClusterFacts(client, options);
  if (!cluster.ClusterName) return null;
  const clients: HypervClient[] = [];
  try {
    const nodes = await testClusterNodes(
      cluster,
      (node) => {
        const made = nodeClient(node);
        clients.push(made);
        return made;
      },
      options,
      records,
    );
    return { name: cluster.ClusterName, nodes };
  } finally {
    await Promise.all(clients.map((made) => made.close()));
  }
}

async function probe(
  client: HypervClient,
  guestCredential: () => Promise<GuestCredential | null>,
  hostKeys: { current(): Promise<{ pinned: string | null; refused: string | null }> },
  nodeClient: (node: string) => HypervClient,
  options: CallOptions,
): Promise<HypervTestResult> {
  try {
    const records = await readHostRecords(client, await guestCredential(), options);
    const { facts } = mapHost(records);
    const cluster = await probeCluster(client, records, nodeClient, options);
    return {
      ok: true,
      hostKey: (await hostKeys.current()).pinned,
      computerName: facts.computerName,
      osVersion: facts.osVersion,
      isElevated: facts.isElevated,
      hasHyperVModule: facts.hasHyperVModule,
      vmCount: records.vms.length,
      guests: facts.guests.map((guest) => ({
        vmName: facts.vms.find((vm) => vm.id === guest.vmId)?.name ?? guest.vmId,
        powerShellDirect: guest.isKnown ? 'works' : 'unknown',
        reason: guest.isKnown ? null : guest.reason,
      })),
      cluster,
    };
  } catch (error) {
    return {
      ok: false,
      ...failureOf(error, client.label),
      refusedHostKey: (await hostKeys.current()).refused,
    };
  } finally {
    await client.close();
  }
}

/**
 * Tests a saved connection with its pin and accounts; on a cluster, every node with its own pin
 * (pinned on first use, a changed one refused and kept for an admin, as a sync does).
 */
export async function testHypervConnection(
  stores: ConnectionStores,
  ctx: ServiceContext,
  keys: VaultKeySource,
  raw: unknown,
  options: CallOptions & { nodeAddress?: NodeAddress },
): Promise<HypervTestResult> {
  const { id } = parseInput(hypervConnectionIdInput, raw);
  const connection = await connectionOrThrow(stores, id);
  return probe(
    hypervClientFor(stores, ctx, keys, connection),
    guestCredentialFor(stores, ctx, keys, connection),
    {
      current: async () => {
        const row = await stores.hypervConnections.get(id);
        return { pinned: row?.hostKey ?? null, refused: row?.refusedHostKey ?? null };
      },
    },
    (node) => nodeClientFor(stores, ctx, keys, connection, node, options.nodeAddress),
    options,
  );
}

/**
 * Tests a connection before it is saved: nothing is stored, and the host's key is only shown (the
 * admin accepts it by adding the connection with it, or adds it without and it is pinned on first
 * use). A cluster's other nodes are tested too; their keys are pinned on the first sync. A stored
 * account is sent only to an address it is used with; elsewhere the person types it again and the
 * typed value is what is sent (secret-binding.ts), or nothing is.
 */
export async function testHypervDraft(
  stores: BindingStores,
  ctx: ServiceContext,
  keys: VaultKeySource,
  raw: unknown,
  options: CallOptions & { nodeAddress?: NodeAddress },
): Promise<HypervTestResult> {
  const input = parseInput(testHypervDraftInput, raw);
  await requireHypervAccounts(stores, input);
  const endpoint = endpointOf('hyperv', input.address, input.port);
  const sources = await secretsForTest(stores, ctx, keys, endpoint, hypervAccounts(input));
  const hostAccount = sources.get('hostAccountId');
  if (!hostAccount) throw goneSinceLoaded('secret', 'hostAccountId', 'an admin deleted it');
  const credential = () => sshCredentialFrom(hostAccount);
  let seen: string | null = null;
  const client = new HypervClient({
    label: `Hyper-V host ${input.address}`,
    host: input.address,
    port: input.port,
    credential,
    hostKeys: {
      pinned: async () => null,
      pin: async (_endpoint, fingerprint) => {
        seen = fingerprint;
      },
      refused: async () => {},
    },
  });
  return probe(
    client,
    guestCredentialFrom(sources.get('guestAccountId') ?? null),
    { current: async () => ({ pinned: seen, refused: null }) },
    (node) => {
      const { host, port } = (options.nodeAddress ?? nodeByName)(node, { port: input.port });
      return new HypervClient({
        label: `Hyper-V node ${node} of ${input.address}`,
        host,
        port,
        credential,
        hostKeys: { pinned: async () => null, pin: async () => {}, refused: async () => {} },
      });
    },
    options,
  );
}
