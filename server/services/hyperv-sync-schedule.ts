/**
 * Sync on a schedule: the worker's scheduler tick re-reads every Hyper-V host whose last sync is
 * older than the interval, so the inventory (and the rules' findings) follow the host without an
 * admin pressing "Sync now". A connection never synced is left to the admin (its first sync comes
 * after a test, where the key is compared), and one whose changed host key waits for an admin is
 * skipped: it would only be refused again. A sync that fails is recorded on the connection as its
 * last error (lastSyncAt stays the last success); this process remembers the attempt, so a host
 * that is down is retried once per interval, not on every tick.
 */
import type { Stores } from '../../db/stores/ports';
import type { HypervConnectionRecord } from '../../db/stores/ports/hyperv-connection-store';
import type { ServiceContext } from '../context';
import { syncHypervConnection } from './hyperv-sync-service';
import type { VaultKeySource } from './vault-key';

export const HYPERV_SYNC_INTERVAL_MS = 15 * 60_000;
/** One scheduled sync may take this long (a host with many guests read through PowerShell Direct). */
const SCHEDULED_SYNC_TIMEOUT_MS = 5 * 60_000;

/** `lastAttemptAt`: when this process last tried (a failed attempt does not move lastSyncAt). */
export function isSyncDue(
  connection: HypervConnectionRecord,
  lastAttemptAt: Date | undefined,
  now: Date,
  intervalMs: number,
): boolean {
  if (connection.lastSyncAt === null || connection.refusedHostKey !== null) return false;
  const last = Math.max(connection.lastSyncAt.getTime(), lastAttemptAt?.getTime() ?? 0);
  return now.getTime() - last >= intervalMs;
}

/**
 * A scheduler for this process: each call syncs the connections that are due and not already
 * syncing here (a sync longer than the tick is not started twice). Resolves with the names synced
 * and failed, for the log and the tests.
 */
export function createHypervSyncSchedule(
  stores: Pick<Stores, 'hypervConnections' | 'secrets' | 'inventory' | 'syncLog'>,
  keys: VaultKeySource,
  intervalMs = HYPERV_SYNC_INTERVAL_MS,
): (ctx: ServiceContext) => Promise<{ synced: string[]; failed: string[] }> {
  const running = new Set<string>();
  const attempted = new Map<string, Date>();
  return async (ctx) => {
    const due = (await stores.hypervConnections.list()).filter(
      (connection) =>
        !running.has(connection.id) &&
        isSyncDue(connection, attempted.get(connection.id), ctx.now(), intervalMs),
    );
    const synced: string[] = [];
    const failed: string[] = [];
    await Promise.all(
      due.map(async (connection) => {
        running.add(connection.id);
        attempted.set(connection.id, ctx.now());
        try {
          await syncHypervConnection(
            stores,
            ctx,
            keys,
            { id: connection.id },
            {
              signal: new AbortController().signal,
              timeoutMs: SCHEDULED_SYNC_TIMEOUT_MS,
            },
          );
          synced.push(connection.name);
        } catch (error) {
          // Recorded on the connection as its last error; the log says which host.
          ctx.log.warn(
            { err: error, connectionId: connection.id, name: connection.name },
            'scheduled hyperv sync failed',
          );
          failed.push(connection.name);
        } finally {
          running.delete(connection.id);
        }
      }),
    );
    return { synced, failed };
  };
}
