/**
 * Which saved connections sign in with which vault secret, as what, and at which endpoint: what
 * refuses deleting a secret still in use (vault-service.ts) and part of where a stored secret may
 * be sent (secret-binding.ts).
 */
import type { Stores } from '../../db/stores/ports';
import { endpointOf } from '../engine/secret-binding';

export type ConnectionStores = Pick<Stores, 'xapiPools' | 'hypervConnections' | 'arrayConnections'>;

/** One account of one saved connection. */
export interface SecretUse {
  secretId: string;
  /** In words: `the guest account of Hyper-V host "hv01"`. */
  role: string;
  /** `host:port` (server/engine/secret-binding.ts). */
  endpoint: string;
}

/** Every account of every saved connection (an account set to none is not listed). */
export async function listSecretUses(stores: ConnectionStores): Promise<SecretUse[]> {
  const uses: SecretUse[] = [];
  const add = (secretId: string | null, role: string, endpoint: string) => {
    if (secretId !== null) uses.push({ secretId, role, endpoint });
  };
  for (const pool of await stores.xapiPools.list()) {
    const endpoint = endpointOf('xapi', pool.address);
    add(pool.secretId, `the pool account of XenServer pool "${pool.name}"`, endpoint);
    add(pool.guestSecretId, `the guest account of XenServer pool "${pool.name}"`, endpoint);
    add(pool.hostSshSecretId, `the host SSH account of XenServer pool "${pool.name}"`, endpoint);
  }
  for (const host of await stores.hypervConnections.list()) {
    const endpoint = endpointOf('hyperv', host.address, host.port);
    add(host.secretId, `the host account of Hyper-V host "${host.name}"`, endpoint);
    add(host.guestSecretId, `the guest account of Hyper-V host "${host.name}"`, endpoint);
  }
  for (const array of await stores.arrayConnections.list()) {
    add(
      array.secretId,
      `the account of storage array "${array.name}"`,
      endpointOf(array.vendor, array.address),
    );
  }
  return uses;
}
