/**
 * Storage-array connections, for admins: add an ONTAP cluster (its account a vault secret), list
 * the connections with their secrets' names, accept a changed certificate, and run a discovery
 * into the inventory. A cluster that cannot be read is answered with the fault and its reason,
 * which the connection keeps as its last error.
 */
import type { ArrayConnectionRecord, Stores } from '../../db/stores/ports';
import { actorLabel, type ServiceContext } from '../context';
import type { CallOptions } from '../drivers/call';
import { isDriverError } from '../engine/driver';
import { addOntapConnectionInputSchema, arrayConnectionIdInputSchema } from '../schemas/array-connections';
import { type OntapSyncResult, syncOntapConnection } from './array-connection-service';
import { DomainError, notFound } from './errors';
import { parseInput } from './parse-input';
import type { VaultKeySource } from './vault-key';

type AdminStores = Pick<Stores, 'arrayConnections' | 'secrets'>;

export async function addOntapConnection(
  stores: AdminStores,
  ctx: ServiceContext,
  raw: unknown,
): Promise<ArrayConnectionRecord> {
  const input = parseInput(addOntapConnectionInputSchema, raw);
  if (!(await stores.secrets.get(input.accountId))) {
    throw new DomainError('INVALID_INPUT', 'The ONTAP account must be a secret in the vault.', [
      { path: 'accountId', message: 'No secret has this id' },
    ]);
  }
  const stored = await stores.arrayConnections.insert({
    id: ctx.newId(),
    name: input.name,
    vendor: 'ontap',
    address: input.address,
    secretId: input.accountId,
    stagingTarget: input.stagingIgroup,
    createdAt: ctx.now(),
    createdBy: actorLabel(ctx.actor),
  });
  if (!stored) {
    throw new DomainError('CONFLICT', `An array named "${input.name}" already exists`, [
      { path: 'name', message: 'Another connection has this name' },
    ]);
  }
  ctx.log.info(
    { connectionId: stored.id, name: stored.name, address: stored.address },
    'ontap connection added',
  );
  return stored;
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

async function connectionOrThrow(stores: Pick<Stores, 'arrayConnections'>, id: string) {
  const connection = await stores.arrayConnections.get(id);
  if (!connection) throw notFound('Array connection', id);
  return connection;
}

/** The certificate the cluster presented instead of the pinned one becomes the pin. */
export async function acceptArrayCertificate(
  stores: AdminStores,
  ctx: ServiceContext,
  raw: unknown,
): Promise<ArrayConnectionRecord> {
  const { id } = parseInput(arrayConnectionIdInputSchema, raw);
  const connection = await connectionOrThrow(stores, id);
  if (!connection.refusedFingerprint) {
    throw new DomainError(
      'PRECONDITION_FAILED',
      `${connection.name} presented no other certificate to accept.`,
    );
  }
  await stores.arrayConnections.pin(id, connection.refusedFingerprint);
  ctx.log.info(
    { connectionId: id, fingerprint: connection.refusedFingerprint, by: actorLabel(ctx.actor) },
    'array certificate accepted',
  );
  return connectionOrThrow(stores, id);
}

export type ArraySyncResult =
  | ({ ok: true } & OntapSyncResult)
  | { ok: false; fault: string; message: string };

/** Discovery from the console: host devices are not known here yet, so no host volume is linked. */
export async function runArraySync(
  stores: AdminStores & Pick<Stores, 'inventory'>,
  ctx: ServiceContext,
  keys: VaultKeySource,
  raw: unknown,
  options: CallOptions,
): Promise<ArraySyncResult> {
  const { id } = parseInput(arrayConnectionIdInputSchema, raw);
  await connectionOrThrow(stores, id);
  try {
    return { ok: true, ...(await syncOntapConnection(stores, ctx, keys, id, [], options)) };
  } catch (error) {
    if (isDriverError(error)) return { ok: false, fault: error.faultCode, message: error.message };
    if (error instanceof DomainError && error.code === 'PRECONDITION_FAILED') {
      return { ok: false, fault: error.code, message: error.message };
    }
    throw error;
  }
}
