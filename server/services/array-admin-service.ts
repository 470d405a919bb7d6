/**
 * Storage-array connections, for admins: add an ONTAP cluster (its account a vault secret), list
 * the connections with their secrets' names, accept a changed certificate, and run a discovery
 * into the inventory. A cluster that cannot be read is answered with the fault and its reason,
 * which the connection keeps as its last error.
 */
import type { ArrayConnectionRecord, NewArrayConnection, Stores } from '../../db/stores/ports';
import { actorLabel, type ServiceContext } from '../context';
import type { CallOptions } from '../drivers/call';
import { isDriverError } from '../engine/driver';
import { endpointOf } from '../engine/secret-binding';
import {
  acceptArrayCertificateInput,
  addEqualLogicConnectionInput,
  addOntapConnectionInput,
  arrayConnectionIdInput,
  removeArrayConnectionInput,
} from '../schemas/array-connections';
import { arrayConnectionGone, type OntapSyncResult, syncOntapConnection } from './array-connection-service';
import { pinComparedFingerprint } from './compared-fingerprint';
import { syncEqualLogicConnection } from './equallogic-connection-service';
import { DomainError } from './errors';
import { refuseWhileInUse } from './in-use';
import { parseInput } from './parse-input';
import { authorizeSave, type BindingStores } from './secret-binding';
import { assertTypedName, DISCONNECT_ACTION } from './typed-confirmation';
import { assertNameFree } from './unique-names';
import { PASSWORD_LOGIN, requireVaultAccount } from './vault-accounts';
import type { VaultKeySource } from './vault-key';

type AdminStores = Pick<Stores, 'arrayConnections' | 'secrets'>;

/** ONTAP's REST API (basic authentication) and EqualLogic's CLI (an SSH password login) take a password. */
function requireAccount(stores: AdminStores, accountId: string): Promise<void> {
  return requireVaultAccount(stores, accountId, {
    path: 'accountId',
    what: 'array account',
    kinds: PASSWORD_LOGIN,
  });
}

/**
 * Saves a connection. Its account's secret is sent to its address from now on, so it must be used
 * with that address already, or typed again (`accountSecret`, secret-binding.ts); it is then bound.
 */
async function insertConnection(
  stores: AdminStores & BindingStores,
  ctx: ServiceContext,
  keys: VaultKeySource,
  accountSecret: string | null,
  connection: Omit<NewArrayConnection, 'id' | 'createdAt' | 'createdBy'>,
): Promise<ArrayConnectionRecord> {
  assertNameFree(await stores.arrayConnections.list(), connection.name, 'An array');
  const endpoint = endpointOf(connection.vendor, connection.address);
  const bindAccount = await authorizeSave(stores, ctx, keys, endpoint, [
    {
      path: 'accountId',
      secretId: connection.secretId,
      reenteredPath: 'accountSecret',
      reentered: accountSecret,
    },
  ]);
  const stored = await stores.arrayConnections.insert({
    ...connection,
    id: ctx.newId(),
    createdAt: ctx.now(),
    createdBy: actorLabel(ctx.actor),
  });
  await bindAccount();
  ctx.log.info(
    { connectionId: stored.id, name: stored.name, vendor: stored.vendor, address: stored.address },
    'array connection added',
  );
  return stored;
}

export async function addOntapConnection(
  stores: AdminStores & BindingStores,
  ctx: ServiceContext,
  keys: VaultKeySource,
  raw: unknown,
): Promise<ArrayConnectionRecord> {
  const input = parseInput(addOntapConnectionInput, raw);
  await requireAccount(stores, input.accountId);
  return insertConnection(stores, ctx, keys, input.accountSecret, {
    name: input.name,
    vendor: 'ontap',
    address: input.address,
    secretId: input.accountId,
    stagingTarget: input.stagingIgroup,
  });
}

export async function addEqualLogicConnection(
  stores: AdminStores & BindingStores,
  ctx: ServiceContext,
  keys: VaultKeySource,
  raw: unknown,
): Promise<ArrayConnectionRecord> {
  const input = parseInput(addEqualLogicConnectionInput, raw);
  await requireAccount(stores, input.accountId);
  return insertConnection(stores, ctx, keys, input.accountSecret, {
    name: input.name,
    vendor: 'equallogic',
    address: input.address,
    secretId: input.accountId,
    stagingTarget: null,
  });
}

/** A connection as the console lists it: names, never ids alone, and no credential. */
export interface ArrayConnectionSummary extends ArrayConnectionRecord {
  secretName: string | null;
}

export async function listArrayConnections(stores: AdminStores): Promise<ArrayConnectionSummary[]> {
  const connections = await stores.arrayConnections.list();
  return Promise.all(
    connections.map(async (connection) => ({
      ...connection,
      secretName: (await stores.secrets.get(connection.secretId))?.name ?? null,
    })),
  );
}

/** The connection, or a refusal in words (the id means nothing to the admin who sent it). */
export async function connectionOrThrow(stores: Pick<Stores, 'arrayConnections'>, id: string) {
  const connection = await stores.arrayConnections.get(id);
  if (!connection) throw arrayConnectionGone();
  return connection;
}

/**
 * The certificate (ONTAP) or SSH host key (EqualLogic) the array presented instead of the pinned
 * one becomes the pin: only the fingerprint the admin was shown, and only while it is still the one waiting.
 */
export async function acceptArrayCertificate(
  stores: AdminStores,
  ctx: ServiceContext,
  raw: unknown,
): Promise<ArrayConnectionRecord> {
  const { id, fingerprint } = parseInput(acceptArrayCertificateInput, raw);
  const connection = await connectionOrThrow(stores, id);
  const keyWord = connection.vendor === 'equallogic' ? 'SSH host key' : 'certificate';
  if (!connection.refusedFingerprint) {
    throw new DomainError(
      'PRECONDITION_FAILED',
      `${connection.name} presented no other ${keyWord} to accept.`,
    );
  }
  await pinComparedFingerprint({
    keyWord,
    waitingOn: connection.name,
    compared: fingerprint,
    pinIfWaiting: (compared) => stores.arrayConnections.pinIfWaiting(id, compared),
    waitingNow: async () => (await stores.arrayConnections.get(id))?.refusedFingerprint ?? null,
  });
  ctx.log.info(
    { connectionId: id, from: connection.fingerprint, fingerprint, by: actorLabel(ctx.actor) },
    'array certificate accepted',
  );
  return connectionOrThrow(stores, id);
}

export type ArraySyncResult =
  | ({ ok: true; vendor: 'ontap' } & OntapSyncResult)
  | { ok: true; vendor: 'equallogic'; arrayId: string; volumeCount: number }
  | { ok: false; fault: string; message: string };

/** Discovery from the console (ONTAP: host devices are not known here yet, so no host volume is linked). */
export async function runArraySync(
  stores: AdminStores & Pick<Stores, 'inventory'>,
  ctx: ServiceContext,
  keys: VaultKeySource,
  raw: unknown,
  options: CallOptions,
): Promise<ArraySyncResult> {
  const { id } = parseInput(arrayConnectionIdInput, raw);
  const connection = await connectionOrThrow(stores, id);
  try {
    if (connection.vendor === 'equallogic') {
      return {
        ok: true,
        vendor: 'equallogic',
        ...(await syncEqualLogicConnection(stores, ctx, keys, id, options)),
      };
    }
    return { ok: true, vendor: 'ontap', ...(await syncOntapConnection(stores, ctx, keys, id, options)) };
  } catch (error) {
    if (isDriverError(error)) return { ok: false, fault: error.faultCode, message: error.message };
    if (error instanceof DomainError && error.code === 'PRECONDITION_FAILED') {
      return { ok: false, fault: error.code, message: error.message };
    }
    throw error;
  }
}

/**
 * Disconnects an array: its connection, pin and job journal go; what its discoveries put in the
 * inventory (the array, its LUNs, the restore points on them) stays, as a disconnected pool's VMs do.
 * Refused while an operation queued or running touches the array, naming those operations.
 */
export async function removeArrayConnection(
  stores: Pick<Stores, 'arrayConnections' | 'operations'>,
  ctx: ServiceContext,
  raw: unknown,
): Promise<{ name: string }> {
  const { id, confirmation } = parseInput(removeArrayConnectionInput, raw);
  const connection = await connectionOrThrow(stores, id);
  assertTypedName(confirmation, connection.name, "the connection's name", DISCONNECT_ACTION);
  // Their steps would find no connection behind the array and fail half-way (a fenced CG, a mapped clone).
  const active = connection.arrayId ? await stores.operations.activeOnArray(connection.arrayId) : [];
  refuseWhileInUse(connection.name, active);
  await stores.arrayConnections.delete(id);
  ctx.log.info(
    { connectionId: id, name: connection.name, vendor: connection.vendor, by: actorLabel(ctx.actor) },
    'array connection removed',
  );
  return { name: connection.name };
}
