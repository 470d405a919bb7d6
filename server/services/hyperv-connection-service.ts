/**
 * Hyper-V host connections: an admin tests a host (hyperv-connection-test.ts), sees the SSH
 * host-key fingerprint it presented, adds the connection with that fingerprint pinned, accepts a
 * changed key, and syncs the host into the inventory. The client takes its accounts from the vault
 * at each connect and its pin from the connection's record, so a changed key waits for an admin.
 */
import type { Stores } from '../../db/stores/ports';
import type { HypervConnectionRecord } from '../../db/stores/ports/hyperv-connection-store';
import type { AssessmentSummary, ReassessVms } from '../../db/stores/ports/inventory';
import { actorLabel, type ServiceContext } from '../context';
import { type HostKeyStore, HypervClient, type SshCredential } from '../drivers/hyperv/hyperv-client';
import type { ConnectedHost } from '../drivers/hyperv/hyperv-connector';
import type { GuestCredential } from '../drivers/hyperv/hyperv-discovery';
import { toDriverError } from '../drivers/hyperv/hyperv-errors';
import { isDriverError } from '../engine/driver';
import { evaluateVm } from '../engine/evaluate';
import { indexInventory } from '../engine/inventory';
import { endpointOf } from '../engine/secret-binding';
import {
  type AddHypervConnectionInput,
  acceptHypervHostKeyInput,
  acceptHypervNodeHostKeyInput,
  addHypervConnectionInput,
  removeHypervConnectionInput,
  setHypervWsbTargetInput,
} from '../schemas/hyperv-connections';
import { pinComparedFingerprint } from './compared-fingerprint';
import { connectionLabel } from './connection-labels';
import { DomainError, deletedMeanwhile, goneSinceLoaded } from './errors';
import { refuseWhileInUse } from './in-use';
import { parseInput } from './parse-input';
import { authorizeSave, type BindingStores, type ChosenAccount, type SecretSource } from './secret-binding';
import { assertTypedName, DISCONNECT_ACTION } from './typed-confirmation';
import { assertNameFree } from './unique-names';
import { PASSWORD_LOGIN, requireVaultAccount, SSH_LOGIN } from './vault-accounts';
import type { VaultKeySource } from './vault-key';
import { revealSecret } from './vault-service';

type ConnectionStores = Pick<Stores, 'hypervConnections' | 'secrets'>;

/** The host signs in over SSH; PowerShell Direct takes the guest account's password. */
export async function requireHypervAccounts(
  stores: Pick<Stores, 'secrets'>,
  input: { hostAccountId: string; guestAccountId: string | null },
): Promise<void> {
  await requireVaultAccount(stores, input.hostAccountId, {
    path: 'hostAccountId',
    what: 'host account',
    kinds: SSH_LOGIN,
  });
  await requireVaultAccount(stores, input.guestAccountId, {
    path: 'guestAccountId',
    what: 'guest account',
    kinds: PASSWORD_LOGIN,
  });
}

/** The connection's accounts as the binding rule judges them (secret-binding.ts). */
export function hypervAccounts(input: {
  hostAccountId: string;
  hostAccountSecret: string | null;
  guestAccountId: string | null;
  guestAccountSecret: string | null;
}): ChosenAccount[] {
  return [
    {
      path: 'hostAccountId',
      secretId: input.hostAccountId,
      reenteredPath: 'hostAccountSecret',
      reentered: input.hostAccountSecret,
    },
    {
      path: 'guestAccountId',
      secretId: input.guestAccountId,
      reenteredPath: 'guestAccountSecret',
      reentered: input.guestAccountSecret,
    },
  ];
}

/**
 * Saves a connection. Its accounts' secrets are sent to its address from now on, so each must be
 * used with that address already, or typed again (secret-binding.ts); they are then bound to it.
 */
export async function addHypervConnection(
  stores: BindingStores & ConnectionStores,
  ctx: ServiceContext,
  keys: VaultKeySource,
  raw: unknown,
): Promise<HypervConnectionRecord> {
  const input = parseInput(addHypervConnectionInput, raw);
  await requireHypervAccounts(stores, input);
  assertNameFree(await stores.hypervConnections.list(), input.name, 'A Hyper-V host');
  const endpoint = endpointOf('hyperv', input.address, input.port);
  const bindAccounts = await authorizeSave(stores, ctx, keys, endpoint, hypervAccounts(input));
  const stored = await stores.hypervConnections.insert({
    id: ctx.newId(),
    name: input.name,
    address: input.address,
    port: input.port,
    secretId: input.hostAccountId,
    guestSecretId: input.guestAccountId,
    wsbBackupTarget: input.wsbBackupTarget,
    createdAt: ctx.now(),
    createdBy: actorLabel(ctx.actor),
  });
  await bindAccounts();
  // The admin compared this key in a test before saving: the first connection must present it.
  if (input.trustedFingerprint !== null)
    await stores.hypervConnections.pin(stored.id, input.trustedFingerprint);
  ctx.log.info(
    {
      connectionId: stored.id,
      name: stored.name,
      address: stored.address,
      hostKey: input.trustedFingerprint,
    },
    'hyperv connection added',
  );
  return input.trustedFingerprint === null ? stored : writtenConnection(stores, stored);
}

/**
 * Forgets a connection: address, accounts, pinned key and sync log. What its syncs brought stays
 * in the inventory, assessed again: no target for Windows Server Backup is named for it any more.
 */
export async function removeHypervConnection(
  stores: Pick<Stores, 'hypervConnections' | 'syncLog' | 'operations' | 'inventory'>,
  ctx: ServiceContext,
  raw: unknown,
): Promise<{ name: string }> {
  const { id, confirmation } = parseInput(removeHypervConnectionInput, raw);
  const connection = await connectionOrThrow(stores, id);
  assertTypedName(confirmation, connection.name, "the connection's name", DISCONNECT_ACTION);
  // Refused while an operation queued or running touches the host: its steps would find no
  // connection and fail half-way (a checkpoint left unmerged, a half-written restore folder).
  refuseWhileInUse(connection.name, await stores.operations.activeOnHosts(hostIdsReadBy(connection)));
  await stores.hypervConnections.delete(id);
  await stores.syncLog.deleteForConnection(id);
  // No connection names a WSB target for its hosts any more: their plans say so.
  await reassessHostsOf(stores, hostIdsReadBy(connection));
  ctx.log.info(
    { connectionId: id, name: connection.name, by: actorLabel(ctx.actor) },
    'hyperv connection removed',
  );
  return { name: connection.name };
}

/** The hosts a connection reads: the host it reached and, for a cluster, its nodes (each once). */
export function hostIdsReadBy(connection: Pick<HypervConnectionRecord, 'hostId' | 'nodeHostIds'>): string[] {
  return [
    ...new Set([connection.hostId, ...connection.nodeHostIds].filter((id): id is string => id !== null)),
  ];
}

/** The host-key pin kept on the connection's record. */
export function connectionHostKeys(stores: Pick<Stores, 'hypervConnections'>, id: string): HostKeyStore {
  return {
    pinned: async () => (await stores.hypervConnections.get(id))?.hostKey ?? null,
    pin: (_endpoint, fingerprint) => stores.hypervConnections.pin(id, fingerprint),
    refused: (_endpoint, fingerprint) => stores.hypervConnections.refuse(id, fingerprint),
  };
}

export async function hostCredential(
  stores: Pick<Stores, 'secrets'>,
  ctx: ServiceContext,
  keys: VaultKeySource,
  secretId: string,
): Promise<SshCredential> {
  return sshCredentialFrom(() => revealSecret(stores, ctx, keys, secretId));
}

/** The host's SSH login from a secret: its user (Administrator when none) and password or key. */
export async function sshCredentialFrom(source: SecretSource): Promise<SshCredential> {
  const { metadata, value } = await source();
  const username = metadata.username ?? 'Administrator';
  return metadata.kind === 'ssh-private-key'
    ? { username, privateKey: value }
    : { username, password: value };
}

export function guestCredentialOf(
  stores: Pick<Stores, 'secrets'>,
  ctx: ServiceContext,
  keys: VaultKeySource,
  guestSecretId: string | null,
): () => Promise<GuestCredential | null> {
  return guestCredentialFrom(
    guestSecretId === null ? null : () => revealSecret(stores, ctx, keys, guestSecretId),
  );
}

/** PowerShell Direct's credential from a secret (null: guests are not read). */
export function guestCredentialFrom(source: SecretSource | null): () => Promise<GuestCredential | null> {
  return async () => {
    if (source === null) return null;
    const { metadata, value } = await source();
    return { user: metadata.username ?? 'Administrator', password: value };
  };
}

export function hypervClientFor(
  stores: ConnectionStores,
  ctx: ServiceContext,
  keys: VaultKeySource,
  connection: HypervConnectionRecord,
): HypervClient {
  return new HypervClient({
    label: connectionLabel('hyperv', connection.name),
    host: connection.address,
    port: connection.port,
    credential: () => hostCredential(stores, ctx, keys, connection.secretId),
    hostKeys: connectionHostKeys(stores, connection.id),
  });
}

/** Where a cluster node answers SSH: by default its name (resolved by DNS) on the connection's port. */
export type NodeAddress = (
  node: string,
  connection: Pick<HypervConnectionRecord, 'port'>,
) => { host: string; port: number };
export const nodeByName: NodeAddress = (node, connection) => ({ host: node, port: connection.port });

/**
 * The client for one node of a cluster connection: the connection's account, and the node's own
 * host key, pinned on first use on the connection (`nodeHostKeys`). A node presenting another key
 * than its pin is refused (its read fails, naming the node) and the key it presented is kept with
 * the node's name (`refusedNodeHostKeys`) until an admin accepts it (acceptHypervNodeHostKey).
 */
export function nodeClientFor(
  stores: ConnectionStores,
  ctx: ServiceContext,
  keys: VaultKeySource,
  connection: HypervConnectionRecord,
  node: string,
  nodeAddress: NodeAddress = nodeByName,
): HypervClient {
  const { host, port } = nodeAddress(node, connection);
  return new HypervClient({
    label: `Hyper-V node ${node} of ${connection.name}`,
    host,
    port,
    credential: () => hostCredential(stores, ctx, keys, connection.secretId),
    hostKeys: {
      pinned: async (endpoint) =>
        (await stores.hypervConnections.get(connection.id))?.nodeHostKeys[endpoint] ?? null,
      pin: (endpoint, fingerprint) => stores.hypervConnections.pinNode(connection.id, endpoint, fingerprint),
      refused: async (endpoint, fingerprint) => {
        ctx.log.warn(
          { connectionId: connection.id, node, endpoint, fingerprint },
          'hyperv node host key changed',
        );
        await stores.hypervConnections.refuseNode(connection.id, endpoint, { node, fingerprint });
      },
    },
  });
}

export function guestCredentialFor(
  stores: ConnectionStores,
  ctx: ServiceContext,
  keys: VaultKeySource,
  connection: HypervConnectionRecord,
): () => Promise<GuestCredential | null> {
  return guestCredentialOf(stores, ctx, keys, connection.guestSecretId);
}

/** The connection an admin acted on from the connections page (every caller's input names it `id`). */
export async function connectionOrThrow(stores: Pick<Stores, 'hypervConnections'>, id: string) {
  const connection = await stores.hypervConnections.get(id);
  if (!connection) throw goneSinceLoaded('Hyper-V host connection', 'id', 'an admin disconnected the host');
  return connection;
}

/** The connection as just written, read back: named if another admin disconnected it in between. */
async function writtenConnection(
  stores: Pick<Stores, 'hypervConnections'>,
  written: { id: string; name: string },
): Promise<HypervConnectionRecord> {
  const connection = await stores.hypervConnections.get(written.id);
  if (!connection) throw deletedMeanwhile('Hyper-V host', written.name);
  return connection;
}

export function failureOf(error: unknown, what: string): { fault: string; message: string } {
  const mapped = toDriverError(error, what);
  if (isDriverError(mapped)) return { fault: mapped.faultCode, message: mapped.message };
  if (error instanceof DomainError) return { fault: error.code, message: error.message };
  return {
    fault: 'internal',
    message: `${what}: ${mapped instanceof Error ? mapped.message : String(mapped)}`,
  };
}

/**
 * An admin accepts the host key the host presented instead of the pinned one: only the fingerprint
 * the admin was shown, and only while it is still the one waiting.
 */
export async function acceptHypervHostKey(
  stores: Pick<Stores, 'hypervConnections'>,
  ctx: ServiceContext,
  raw: unknown,
): Promise<HypervConnectionRecord> {
  const { id, fingerprint } = parseInput(acceptHypervHostKeyInput, raw);
  const connection = await connectionOrThrow(stores, id);
  if (!connection.refusedHostKey) {
    throw new DomainError('INVALID_INPUT', `No changed host key is waiting on ${connection.name}.`, [
      { path: 'id', message: 'This host presented no new key' },
    ]);
  }
  await pinComparedFingerprint({
    keyWord: 'SSH host key',
    waitingOn: connection.name,
    compared: fingerprint,
    pinIfWaiting: (compared) => stores.hypervConnections.pinIfWaiting(id, compared),
    waitingNow: async () => (await stores.hypervConnections.get(id))?.refusedHostKey ?? null,
  });
  ctx.log.info(
    { connectionId: id, from: connection.hostKey, fingerprint, by: actorLabel(ctx.actor) },
    'hyperv host key accepted',
  );
  return writtenConnection(stores, connection);
}

/**
 * An admin accepts the key a cluster node presented instead of its pin: it becomes the node's pin,
 * and the next sync reads the node. Only the fingerprint the admin was shown is accepted, and only
 * while it is still the one waiting at that endpoint.
 */
export async function acceptHypervNodeHostKey(
  stores: Pick<Stores, 'hypervConnections'>,
  ctx: ServiceContext,
  raw: unknown,
): Promise<HypervConnectionRecord> {
  const { id, endpoint, fingerprint } = parseInput(acceptHypervNodeHostKeyInput, raw);
  const connection = await connectionOrThrow(stores, id);
  const refused = connection.refusedNodeHostKeys[endpoint];
  if (!refused) {
    throw new DomainError(
      'INVALID_INPUT',
      `No changed node host key is waiting at ${endpoint} on ${connection.name}.`,
      [{ path: 'endpoint', message: 'No node of this cluster presented a new key here' }],
    );
  }
  await pinComparedFingerprint({
    keyWord: 'SSH host key',
    waitingOn: `node ${refused.node} of ${connection.name}`,
    compared: fingerprint,
    pinIfWaiting: (compared) => stores.hypervConnections.pinNodeIfWaiting(id, endpoint, compared),
    waitingNow: async () =>
      (await stores.hypervConnections.get(id))?.refusedNodeHostKeys[endpoint]?.fingerprint ?? null,
  });
  ctx.log.info(
    {
      connectionId: id,
      node: refused.node,
      endpoint,
      from: connection.nodeHostKeys[endpoint] ?? null,
      fingerprint,
      by: actorLabel(ctx.actor),
    },
    'hyperv node host key accepted',
  );
  return writtenConnection(stores, connection);
}

/**
 * An admin changes Windows Server Backup's target of a saved connection (or clears it: WSB is then
 * not used on this host). Backups already taken stay where they were written: wbadmin keeps its
 * versions on the old target, which the points recovered from it still name.
 *
 * The engine plans wsb-volume only where a target is named (Host.wsbTarget, which the stores read
 * from the connection): the VMs of the hosts the connection reads are assessed again at once, so
 * their stored plans and readiness follow, and a backup reviewed before the change is refused as
 * stale when started (its plan fingerprint holds the host's target state).
 */
export async function setHypervWsbTarget(
  stores: Pick<Stores, 'hypervConnections' | 'inventory'>,
  ctx: ServiceContext,
  raw: unknown,
): Promise<HypervConnectionRecord> {
  const { id, wsbBackupTarget } = parseInput(setHypervWsbTargetInput, raw);
  const connection = await connectionOrThrow(stores, id);
  await stores.hypervConnections.setWsbBackupTarget(id, wsbBackupTarget);
  const written = await writtenConnection(stores, connection);
  const assessed = await reassessHostsOf(stores, hostIdsReadBy(written));
  ctx.log.info(
    {
      connectionId: id,
      from: connection.wsbBackupTarget,
      to: wsbBackupTarget,
      by: actorLabel(ctx.actor),
      reassessedVms: assessed.assessedVms,
    },
    'hyperv wsb target changed',
  );
  return written;
}

/**
 * Assesses again the VMs of hosts whose WSB target state moved without a change to the inventory:
 * the target was set or cleared, the connection was removed, or a sync recorded which hosts the
 * connection reads (after the sync's import assessed them).
 */
export function reassessHostsOf(
  stores: Pick<Stores, 'inventory'>,
  hostIds: readonly string[],
): Promise<AssessmentSummary> {
  return stores.inventory.reassessVmsOnHosts(hostIds, assessVmsOnHosts(hostIds));
}

/** The engine over the neighbourhood of the hosts' VMs: the assessments of those VMs only. */
function assessVmsOnHosts(hostIds: readonly string[]): ReassessVms {
  return (neighbourhood) => {
    const index = indexInventory(neighbourhood);
    const onHosts = new Set(hostIds);
    return neighbourhood.vms.filter((vm) => onHosts.has(vm.hostId)).map((vm) => evaluateVm(index, vm.id));
  };
}

export type { AddHypervConnectionInput };

/**
 * The connection serving a host, for the process's driver registry (one client per connection, and
 * per node of a cluster connection: a VM's steps run on the node that holds it).
 */
export function storedHypervHosts(
  stores: ConnectionStores,
  ctx: ServiceContext,
  keys: VaultKeySource,
  nodeAddress: NodeAddress = nodeByName,
): (hostId: string) => Promise<ConnectedHost | null> {
  const clients = new Map<string, HypervClient>();
  return async (hostId) => {
    const connection = await stores.hypervConnections.findByHostId(hostId);
    if (!connection) return null;
    const isNode = connection.hostId !== hostId;
    const key = isNode ? `${connection.id}:${hostId}` : connection.id;
    let client = clients.get(key);
    if (!client) {
      client = isNode
        ? nodeClientFor(stores, ctx, keys, connection, hostId.replace(/^hv-host:/, ''), nodeAddress)
        : hypervClientFor(stores, ctx, keys, connection);
      clients.set(key, client);
    }
    return {
      name: connection.name,
      client,
      guestCredential: guestCredentialFor(stores, ctx, keys, connection),
      // Read at each backup: an admin may have changed it since this driver was made.
      wsbBackupTarget: async () =>
        (await stores.hypervConnections.get(connection.id))?.wsbBackupTarget ?? null,
      hostId,
    };
  };
}

/** A connection as the console lists it: names, never ids alone, and no credential. */
export interface HypervConnectionSummary extends HypervConnectionRecord {
  secretName: string | null;
  guestSecretName: string | null;
}

export async function listHypervConnections(stores: ConnectionStores): Promise<HypervConnectionSummary[]> {
  const connections = await stores.hypervConnections.list();
  const nameOf = async (id: string | null) => (id ? ((await stores.secrets.get(id))?.name ?? null) : null);
  return Promise.all(
    connections.map(async (connection) => ({
      ...connection,
      secretName: await nameOf(connection.secretId),
      guestSecretName: await nameOf(connection.guestSecretId),
    })),
  );
}
