/**
 * XAPI pool connections: an admin adds a pool (any host's address and the vault secret with the
 * pool account), tests the connection, accepts a host's changed certificate, and discovers the
 * pool into the inventory. The connector's client gets its account from the vault at each login,
 * its certificate pins from the pool's record and its task journal from the store, so a worker
 * that restarts finds its tasks and a changed certificate waits for an admin.
 */
import type { Stores } from '../../db/stores/ports';
import type { XapiPoolRecord } from '../../db/stores/ports/xapi-pool-store';
import { actorLabel, type ServiceContext } from '../context';
import type { CallOptions } from '../drivers/call';
import type { HostKeyStore, SshCredential } from '../drivers/ssh/ssh-connection';
import { type TaskJournal, XapiClient } from '../drivers/xapi/xapi-client';
import { mapPool, type PoolFacts, readPoolRecords } from '../drivers/xapi/xapi-discovery';
import { toDriverError } from '../drivers/xapi/xapi-errors';
import type { XenSshAccess } from '../drivers/xapi/xapi-guest-hook';
import type { TrustStore } from '../drivers/xapi/xapi-transport';
import { isDriverError } from '../engine/driver';
import { endpointOf } from '../engine/secret-binding';
import {
  type AcceptXapiCertificate,
  acceptXapiCertificateInput,
  addXapiPoolInput,
  removeXapiPoolInput,
} from '../schemas/xapi-pools';
import { pinComparedFingerprint } from './compared-fingerprint';
import { connectionLabel } from './connection-labels';
import { DomainError, deletedMeanwhile, goneSinceLoaded } from './errors';
import type { ImportResult } from './import-service';
import { refuseWhileInUse } from './in-use';
import { parseInput } from './parse-input';
import { authorizeSave, type BindingStores, type ChosenAccount } from './secret-binding';
import { assertTypedName, DISCONNECT_ACTION } from './typed-confirmation';
import { assertNameFree } from './unique-names';
import { PASSWORD_LOGIN, requireVaultAccount, SSH_LOGIN } from './vault-accounts';
import type { VaultKeySource } from './vault-key';
import { revealSecret } from './vault-service';
import { applyPoolSync, recordFailedPoolSync } from './xapi-sync-service';

type PoolStores = Pick<Stores, 'xapiPools' | 'secrets'>;

/**
 * Saves a pool. Its accounts' secrets are sent to its address (and its hosts and guests) from now
 * on, so each must be used with that address already, or typed again (secret-binding.ts); they are
 * then bound to it.
 */
export async function addXapiPool(
  stores: PoolStores & BindingStores,
  ctx: ServiceContext,
  keys: VaultKeySource,
  raw: unknown,
): Promise<XapiPoolRecord> {
  const input = parseInput(addXapiPoolInput, raw);
  // XAPI's login_with_password takes a password; the guest hook and host flush sign in over SSH.
  const accounts = [
    ['secretId', input.secretId, 'pool account', PASSWORD_LOGIN],
    ['guestSecretId', input.guestSecretId, 'guest account', SSH_LOGIN],
    ['hostSshSecretId', input.hostSshSecretId, 'host SSH account', SSH_LOGIN],
  ] as const;
  for (const [path, id, what, kinds] of accounts)
    await requireVaultAccount(stores, id, { path, what, kinds });
  assertNameFree(await stores.xapiPools.list(), input.name, 'A pool');
  const bindAccounts = await authorizeSave(stores, ctx, keys, endpointOf('xapi', input.address), [
    { path: 'secretId', secretId: input.secretId, reenteredPath: 'secret', reentered: input.secret },
    ...poolSshAccounts(input),
  ]);
  const stored = await stores.xapiPools.insert({
    id: ctx.newId(),
    name: input.name,
    address: input.address,
    secretId: input.secretId,
    guestSecretId: input.guestSecretId,
    hostSshSecretId: input.hostSshSecretId,
    createdAt: ctx.now(),
    createdBy: actorLabel(ctx.actor),
  });
  await bindAccounts();
  ctx.log.info({ poolId: stored.id, poolName: stored.name, address: stored.address }, 'xapi pool added');
  return stored;
}

/** A pool's SSH accounts as the binding rule judges them (secret-binding.ts). */
export function poolSshAccounts(input: {
  guestSecretId: string | null;
  guestSecret: string | null;
  hostSshSecretId: string | null;
  hostSshSecret: string | null;
}): ChosenAccount[] {
  return [
    {
      path: 'guestSecretId',
      secretId: input.guestSecretId,
      reenteredPath: 'guestSecret',
      reentered: input.guestSecret,
    },
    {
      path: 'hostSshSecretId',
      secretId: input.hostSshSecretId,
      reenteredPath: 'hostSshSecret',
      reentered: input.hostSshSecret,
    },
  ];
}

/** Certificate pins kept on the pool's record. */
export function poolTrustStore(stores: Pick<Stores, 'xapiPools'>, poolId: string): TrustStore {
  return {
    pinned: async (endpoint) => (await stores.xapiPools.get(poolId))?.pins[endpoint] ?? null,
    pin: (endpoint, fingerprint) => stores.xapiPools.pin(poolId, endpoint, fingerprint),
    refused: (endpoint, fingerprint) => stores.xapiPools.refuse(poolId, endpoint, fingerprint),
  };
}

export function poolTaskJournal(
  stores: Pick<Stores, 'xapiPools'>,
  ctx: ServiceContext,
  poolId: string,
): TaskJournal {
  return {
    find: (key) => stores.xapiPools.findTask(poolId, key),
    record: (key, taskRef) => stores.xapiPools.recordTask(poolId, key, taskRef, ctx.now()),
    forget: (key) => stores.xapiPools.forgetTask(poolId, key),
  };
}

/** The connector's client for a pool: account from the vault (read at each login), pins and tasks from the store. */
export function xapiClientFor(
  stores: PoolStores,
  ctx: ServiceContext,
  keys: VaultKeySource,
  pool: XapiPoolRecord,
): XapiClient {
  return new XapiClient({
    label: connectionLabel('xapi', pool.name),
    address: pool.address,
    credentials: {
      credentials: async () => {
        const { metadata, value } = await revealSecret(stores, ctx, keys, pool.secretId);
        return { username: metadata.username ?? 'root', password: value };
      },
    },
    trust: poolTrustStore(stores, pool.id),
    journal: poolTaskJournal(stores, ctx, pool.id),
  });
}

/** The SSH key pins of a pool's guests and dom0s, beside its TLS pins (`ssh:` in front). */
export function poolSshHostKeys(stores: Pick<Stores, 'xapiPools'>, poolId: string): HostKeyStore {
  const trust = poolTrustStore(stores, poolId);
  return {
    pinned: (endpoint) => trust.pinned(`ssh:${endpoint}`),
    pin: (endpoint, fingerprint) => trust.pin(`ssh:${endpoint}`, fingerprint),
    refused: (endpoint, fingerprint) => trust.refused(`ssh:${endpoint}`, fingerprint),
  };
}

/**
 * The guest hook's and host flush's accounts, read from the vault at each connect through the
 * pool's current record (`record()`), so an account set later is used without a restart.
 */
export function xapiSshAccessFor(
  stores: PoolStores,
  ctx: ServiceContext,
  keys: VaultKeySource,
  record: () => XapiPoolRecord,
): XenSshAccess {
  const credential = async (secretId: string | null, fallbackUser: string): Promise<SshCredential | null> => {
    if (secretId === null) return null;
    const { metadata, value } = await revealSecret(stores, ctx, keys, secretId);
    const username = metadata.username ?? fallbackUser;
    return metadata.kind === 'ssh-private-key'
      ? { username, privateKey: value }
      : { username, password: value };
  };
  return {
    guestCredential: () => credential(record().guestSecretId, 'root'),
    hostCredential: () => credential(record().hostSshSecretId, 'root'),
    hostKeys: poolSshHostKeys(stores, record().id),
    // Read at each freeze, like the accounts: a window changed on the pool applies to the next one.
    get freezeWindowSeconds() {
      return record().freezeWindowSeconds ?? undefined;
    },
  };
}

/** The pool an admin acted on from the connections page (every caller's input names it `id`). */
export async function poolOrThrow(stores: Pick<Stores, 'xapiPools'>, id: string): Promise<XapiPoolRecord> {
  const pool = await stores.xapiPools.get(id);
  if (!pool) throw goneSinceLoaded('XenServer pool connection', 'id', 'an admin disconnected the pool');
  return pool;
}

/** What "test connection" shows: the pool as it answered, or why it could not be reached. */
export type PoolTestResult =
  | { ok: true; poolName: string; hosts: PoolFacts['hosts']; vmCount: number; srCount: number }
  | { ok: false; fault: string; message: string };

function failureOf(error: unknown, what: string): { fault: string; message: string } {
  const mapped = toDriverError(error, what);
  if (isDriverError(mapped)) return { fault: mapped.faultCode, message: mapped.message };
  if (error instanceof DomainError) return { fault: error.code, message: error.message };
  return { fault: 'internal', message: `${what}: ${(mapped as Error).message ?? String(mapped)}` };
}

export async function testXapiPool(
  stores: PoolStores,
  ctx: ServiceContext,
  keys: VaultKeySource,
  poolId: string,
  options: CallOptions,
): Promise<PoolTestResult> {
  const pool = await poolOrThrow(stores, poolId);
  const client = xapiClientFor(stores, ctx, keys, pool);
  try {
    const { inventory, facts } = mapPool(await readPoolRecords(client, options));
    return {
      ok: true,
      poolName: facts.poolName,
      hosts: facts.hosts,
      vmCount: inventory.vms.length,
      srCount: facts.srs.length,
    };
  } catch (error) {
    return { ok: false, ...failureOf(error, connectionLabel('xapi', pool.name)) };
  } finally {
    await client.logout();
  }
}

/**
 * An admin accepts the certificate a host presented instead of its pinned one: only the fingerprint
 * the admin was shown, and only while it is still the one waiting for that host.
 */
export async function acceptXapiCertificate(
  stores: Pick<Stores, 'xapiPools'>,
  ctx: ServiceContext,
  raw: unknown,
): Promise<XapiPoolRecord> {
  const { id, endpoint, fingerprint }: AcceptXapiCertificate = parseInput(acceptXapiCertificateInput, raw);
  const pool = await poolOrThrow(stores, id);
  if (!pool.refused[endpoint]) {
    throw new DomainError(
      'INVALID_INPUT',
      `No changed certificate is waiting for ${endpoint} of pool ${pool.name}.`,
      [{ path: 'endpoint', message: 'This host presented no new certificate' }],
    );
  }
  await pinComparedFingerprint({
    keyWord: 'certificate',
    waitingOn: `host ${endpoint} of pool ${pool.name}`,
    compared: fingerprint,
    pinIfWaiting: (compared) => stores.xapiPools.pinIfWaiting(pool.id, endpoint, compared),
    waitingNow: async () => (await stores.xapiPools.get(pool.id))?.refused[endpoint] ?? null,
  });
  ctx.log.info(
    { poolId: pool.id, endpoint, from: pool.pins[endpoint] ?? null, fingerprint, by: actorLabel(ctx.actor) },
    'xapi certificate accepted',
  );
  const accepted = await stores.xapiPools.get(pool.id);
  if (!accepted) throw deletedMeanwhile('XenServer pool', pool.name);
  return accepted;
}

/**
 * Reads the pool and merges it into the inventory as a full sync (VMs it no longer lists marked
 * gone); the pool's record keeps when and how it ended, and its sync log has the run.
 */
export async function discoverXapiPool(
  stores: PoolStores & Pick<Stores, 'inventory' | 'syncLog' | 'restorePoints'>,
  ctx: ServiceContext,
  keys: VaultKeySource,
  poolId: string,
  options: CallOptions,
): Promise<{ import: ImportResult; facts: PoolFacts; notRead: string[] }> {
  const pool = await poolOrThrow(stores, poolId);
  const client = xapiClientFor(stores, ctx, keys, pool);
  const startedAt = ctx.now();
  try {
    const { inventory, facts } = mapPool(await readPoolRecords(client, options));
    const applied = await applyPoolSync(
      stores,
      ctx,
      pool.id,
      {
        kind: 'full',
        inventory,
        facts,
        changedVmIds: inventory.vms.map((vm) => vm.id),
        removedVmIds: [],
        isPoolChanged: true,
      },
      startedAt,
    );
    if (!applied.import) throw new Error('a full sync always writes the inventory');
    return { import: applied.import, facts, notRead: applied.notRead };
  } catch (error) {
    const failure = failureOf(error, connectionLabel('xapi', pool.name));
    await recordFailedPoolSync(stores, ctx, pool.id, startedAt, {
      lastError: failure.message,
      message: failure.message,
    });
    throw toDriverError(error, connectionLabel('xapi', pool.name));
  } finally {
    await client.logout();
  }
}

/** A pool connection as the console shows it: names, not ids; every pinned and waiting certificate. */
export interface XapiPoolView {
  id: string;
  name: string;
  address: string;
  /** The vault secret's name (null if it was deleted: the pool cannot log in until given one). */
  accountName: string | null;
  /** The guest hook's account (null: none set, or deleted from the vault while its id stays). */
  guestAccountName: string | null;
  /** The user name it signs in as (the vault's metadata, never the secret). */
  guestAccountUser: string | null;
  guestSecretId: string | null;
  /** dom0's SSH account for the host flush, likewise. */
  hostSshAccountName: string | null;
  hostSshAccountUser: string | null;
  hostSshSecretId: string | null;
  /** Seconds a frozen guest waits for its thaw before it thaws itself; null: the default (15 min). */
  freezeWindowSeconds: number | null;
  createdAt: Date;
  createdBy: string;
  lastSyncAt: Date | null;
  lastError: string | null;
  pinned: { endpoint: string; fingerprint: string }[];
  /** Certificates a host presented instead of its pinned one: refused until an admin accepts. */
  waiting: { endpoint: string; fingerprint: string }[];
}

const sortedPins = (pins: Record<string, string>) =>
  Object.entries(pins)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([endpoint, fingerprint]) => ({ endpoint, fingerprint }));

export async function listXapiPools(stores: PoolStores): Promise<XapiPoolView[]> {
  const secrets = new Map((await stores.secrets.list()).map((secret) => [secret.id, secret]));
  const account = (id: string | null) => (id ? (secrets.get(id) ?? null) : null);
  return (await stores.xapiPools.list()).map((pool) => ({
    id: pool.id,
    name: pool.name,
    address: pool.address,
    accountName: account(pool.secretId)?.name ?? null,
    guestAccountName: account(pool.guestSecretId)?.name ?? null,
    guestAccountUser: account(pool.guestSecretId)?.username ?? null,
    guestSecretId: pool.guestSecretId,
    hostSshAccountName: account(pool.hostSshSecretId)?.name ?? null,
    hostSshAccountUser: account(pool.hostSshSecretId)?.username ?? null,
    hostSshSecretId: pool.hostSshSecretId,
    freezeWindowSeconds: pool.freezeWindowSeconds,
    createdAt: pool.createdAt,
    createdBy: pool.createdBy,
    lastSyncAt: pool.lastSyncAt,
    lastError: pool.lastError,
    pinned: sortedPins(pool.pins),
    waiting: sortedPins(pool.refused),
  }));
}

/**
 * Disconnects a pool and forgets its sync log (its hosts and VMs stay in the inventory until
 * removed there). Refused while an operation queued or running touches one of the pool's hosts as
 * its last sync stored them: its steps would find no pool behind the host and fail half-way (a
 * snapshot left in the pool, a half-imported restore).
 */
export async function removeXapiPool(
  stores: Pick<Stores, 'xapiPools' | 'syncLog' | 'operations'>,
  ctx: ServiceContext,
  raw: unknown,
): Promise<{ name: string }> {
  const { id, confirmation } = parseInput(removeXapiPoolInput, raw);
  const pool = await poolOrThrow(stores, id);
  assertTypedName(confirmation, pool.name, "the pool's name", DISCONNECT_ACTION);
  refuseWhileInUse(
    pool.name,
    pool.hostIds.length > 0 ? await stores.operations.activeOnHosts(pool.hostIds) : [],
  );
  await stores.xapiPools.delete(pool.id);
  await stores.syncLog.deleteForConnection(pool.id);
  ctx.log.info({ poolId: pool.id, poolName: pool.name, by: actorLabel(ctx.actor) }, 'xapi pool removed');
  return { name: pool.name };
}
