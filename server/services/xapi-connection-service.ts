/**
 * Keeps this process connected to the XAPI pools an admin added: a client and an `event.from`
 * watcher per pool (server/drivers/xapi/xapi-pool-set.ts), each watcher's syncs merged into the
 * inventory and recorded on the pool (when, its hosts, and the error if it failed) and in its sync log. The process running the
 * worker watches; a web server that only serves the console reconciles its set after an admin's
 * change so the registry's `xapi` connector knows the pools, without watching them twice.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Stores } from '../../db/stores/ports';
import type { XapiPoolRecord } from '../../db/stores/ports/xapi-pool-store';
import { createServiceContext, type ServiceContext } from '../context';
import { toDriverError } from '../drivers/xapi/xapi-errors';
import type { XapiPoolSet } from '../drivers/xapi/xapi-pool-set';
import { currentXapiPoolSet, getXapiPoolSet } from '../jobs/runtime';
import { connectionLabel } from './connection-labels';
import type { VaultKeySource } from './vault-key';
import { xapiClientFor, xapiSshAccessFor } from './xapi-pool-service';
import { applyPoolSync, recordFailedPoolSync } from './xapi-sync-service';

/** After a failed watcher step (pool unreachable, login refused), the next try waits this long. */
export const WATCHER_RETRY_MS = 10_000;

type ConnectionStores = Pick<Stores, 'xapiPools' | 'secrets' | 'inventory' | 'syncLog' | 'restorePoints'>;

function errorText(error: unknown, pool: XapiPoolRecord): string {
  const mapped = toDriverError(error, connectionLabel('xapi', pool.name));
  return mapped instanceof Error ? mapped.message : String(mapped);
}

/**
 * A failed watcher step is retried every WATCHER_RETRY_MS: the sync log gets the failure when it
 * is new (the pool synced, or failed otherwise, before), not one record per retry of the same one.
 */
export async function recordWatcherFailure(
  stores: Pick<Stores, 'xapiPools' | 'syncLog'>,
  ctx: ServiceContext,
  poolId: string,
  message: string,
): Promise<void> {
  const pool = await stores.xapiPools.get(poolId);
  if (!pool) return;
  if (pool.lastError === message) await stores.xapiPools.recordSync(poolId, ctx.now(), message);
  else await recordFailedPoolSync(stores, ctx, poolId, ctx.now(), { lastError: message, message });
}

/** The process's pool set, connected to every stored pool; `watch` starts the watchers too. */
export async function connectXapiPools(
  stores: ConnectionStores,
  keys: VaultKeySource,
  options: { watch: boolean; ctx?: ServiceContext },
): Promise<XapiPoolSet> {
  const ctx = options.ctx ?? createServiceContext();
  const set = getXapiPoolSet({
    clientFor: (pool) => xapiClientFor(stores, ctx, keys, pool),
    sshFor: (record) => xapiSshAccessFor(stores, ctx, keys, record),
    onSync: async (pool, sync) => {
      await applyPoolSync(stores, ctx, pool.id, sync);
    },
    onError: (pool, error) => {
      const message = errorText(error, pool);
      ctx.log.warn({ poolId: pool.id, poolName: pool.name, err: message }, 'xapi pool watcher step failed');
      void recordWatcherFailure(stores, ctx, pool.id, message).catch(() => undefined);
    },
    pause: (signal) => sleep(WATCHER_RETRY_MS, undefined, { signal }).catch(() => undefined),
  });
  await set.reconcile(await stores.xapiPools.list());
  if (options.watch) set.startWatching();
  return set;
}

/** After an admin added or removed a pool: this process's set (if it has one) follows the store. */
export async function refreshXapiPools(stores: Pick<Stores, 'xapiPools'>): Promise<void> {
  await currentXapiPoolSet()?.reconcile(await stores.xapiPools.list());
}
