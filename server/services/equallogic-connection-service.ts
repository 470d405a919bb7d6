/**
 * EqualLogic group connections as the worker and the console use them: the CLI client takes its
 * account from the vault at each connect and its host-key pin from the connection's record (the
 * same columns as an ONTAP certificate pin); a discovery merges the group's volumes into the
 * inventory with connector `equallogic`.
 */
import type { ArrayConnectionRecord, Stores } from '../../db/stores/ports';
import type { ServiceContext } from '../context';
import type { CallOptions } from '../drivers/call';
import { type ConnectedGroup, discoverEqualLogic } from '../drivers/equallogic/eql-array';
import { EqlClient, EqlError } from '../drivers/equallogic/eql-client';
import { DriverError } from '../engine/driver';
import { arrayConnectionGone, connectionTrust } from './array-connection-service';
import { importInventory } from './import-service';
import type { VaultKeySource } from './vault-key';
import { revealSecret } from './vault-service';

type GroupStores = Pick<Stores, 'arrayConnections' | 'secrets'>;

export function eqlClientFor(
  stores: GroupStores,
  ctx: ServiceContext,
  keys: VaultKeySource,
  connection: ArrayConnectionRecord,
): EqlClient {
  const match = /^(.*?)(?::(\d+))?$/.exec(connection.address);
  return new EqlClient({
    label: `EqualLogic ${connection.name}`,
    host: match?.[1] ?? connection.address,
    port: match?.[2] ? Number(match[2]) : 22,
    credential: async () => {
      const { metadata, value } = await revealSecret(stores, ctx, keys, connection.secretId);
      return { username: metadata.username ?? 'grpadmin', password: value };
    },
    hostKeys: connectionTrust(stores, connection.id),
  });
}

/** The EqualLogic connection serving an inventory array (one CLI session per connection). */
export function storedEqualLogicGroups(
  stores: GroupStores,
  ctx: ServiceContext,
  keys: VaultKeySource,
): (arrayId: string) => Promise<ConnectedGroup | null> {
  const clients = new Map<string, { client: EqlClient; address: string; secretId: string }>();
  return async (arrayId) => {
    const connection = await stores.arrayConnections.findByArrayId(arrayId);
    if (connection?.vendor !== 'equallogic') return null;
    let known = clients.get(connection.id);
    if (!known || known.address !== connection.address || known.secretId !== connection.secretId) {
      void known?.client.close();
      known = {
        client: eqlClientFor(stores, ctx, keys, connection),
        address: connection.address,
        secretId: connection.secretId,
      };
      clients.set(connection.id, known);
    }
    return { name: connection.name, arrayId, client: known.client };
  };
}

/** Merges the group's volumes into the inventory; the connection records how the discovery ended. */
export async function syncEqualLogicConnection(
  stores: GroupStores & Pick<Stores, 'inventory'>,
  ctx: ServiceContext,
  keys: VaultKeySource,
  connectionId: string,
  options: CallOptions,
): Promise<{ arrayId: string; volumeCount: number }> {
  const connection = await stores.arrayConnections.get(connectionId);
  if (connection?.vendor !== 'equallogic') throw arrayConnectionGone();
  const client = eqlClientFor(stores, ctx, keys, connection);
  const arrayId = connection.arrayId ?? `equallogic:${connection.id}`;
  try {
    const found = await discoverEqualLogic(client, arrayId, connection.name, options);
    await importInventory(
      stores,
      ctx,
      { arrays: [found.array], arrayVolumes: found.arrayVolumes, consistencyGroups: found.consistencyGroups },
      'merge',
    );
    await stores.arrayConnections.recordSync(connectionId, ctx.now(), null, arrayId);
    return { arrayId, volumeCount: found.arrayVolumes.length };
  } catch (error) {
    const mapped =
      error instanceof EqlError
        ? new DriverError('invalid-state', `${client.label}: ${error.message}`, { isRetryable: false })
        : error;
    await stores.arrayConnections.recordSync(
      connectionId,
      ctx.now(),
      mapped instanceof Error ? mapped.message : String(mapped),
    );
    throw mapped;
  } finally {
    await client.close();
  }
}
