/**
 * The XAPI pools this process is connected to: one client (one session) and one `event.from`
 * watcher per pool, and the map of which hosts each pool holds, which the `xapi` connector reads
 * to hand a host's steps to its pool's client.
 *
 * The pool records come from the store and the clients from the services (their account is read
 * from the vault at each login); the set only keeps them running. `reconcile` is called at start,
 * after an admin adds or removes a pool, and at each scheduler pass (so a worker process picks up
 * a pool added through another process's console).
 */
import type { XapiPoolRecord } from '../../../db/stores/ports/xapi-pool-store';
import type { XapiClient } from './xapi-client';
import type { ConnectedPool } from './xapi-connector';
import type { XenSshAccess } from './xapi-guest-hook';
import { type PoolSync, PoolWatcher } from './xapi-live';

export interface XapiPoolSetOptions {
  clientFor(pool: XapiPoolRecord): XapiClient;
  /** The guest hook's and host flush's SSH access; it reads the pool's record at each use. */
  sshFor?(record: () => XapiPoolRecord): XenSshAccess;
  /** Writes what a watcher saw (inventory merge, the pool's last sync). */
  onSync(pool: XapiPoolRecord, sync: PoolSync): Promise<void>;
  /** A watcher step failed (the watcher goes on after `pause`). */
  onError(pool: XapiPoolRecord, error: unknown): void;
  /** Waits between a failed watcher step and the next (aborted with the watcher). */
  pause(signal: AbortSignal): Promise<void>;
}

interface Entry {
  record: XapiPoolRecord;
  client: XapiClient;
  ssh: XenSshAccess | undefined;
  hostIds: Set<string>;
  watcher: AbortController | null;
  done: Promise<void> | null;
  /** Called once the next sync has been written (`synced`). */
  waiters: (() => void)[];
}

export class XapiPoolSet {
  private readonly entries = new Map<string, Entry>();
  private isWatching = false;

  constructor(private readonly options: XapiPoolSetOptions) {}

  /** The connector's view: each pool's name, client and hosts as its last sync saw them. */
  connected(): ConnectedPool[] {
    return [...this.entries.values()].map((entry) => ({
      name: entry.record.name,
      client: entry.client,
      hostIds: entry.hostIds,
      ssh: entry.ssh,
    }));
  }

  /** Hosts of a pool as its last sync saw them (empty before the first sync). */
  hostsOf(poolId: string): string[] {
    return [...(this.entries.get(poolId)?.hostIds ?? [])].sort();
  }

  /**
   * Makes the set match the stored pools: new pools get a client (and a watcher once watching),
   * removed ones are stopped and logged out. A pool whose address or account changed is replaced.
   */
  async reconcile(records: XapiPoolRecord[]): Promise<void> {
    const wanted = new Map(records.map((record) => [record.id, record]));
    for (const [id, entry] of this.entries) {
      const record = wanted.get(id);
      if (!record || record.address !== entry.record.address || record.secretId !== entry.record.secretId) {
        await this.drop(id);
      } else {
        entry.record = record;
      }
    }
    for (const record of records) {
      if (this.entries.has(record.id)) continue;
      const entry: Entry = {
        record,
        client: this.options.clientFor(record),
        ssh: undefined,
        hostIds: new Set(),
        watcher: null,
        done: null,
        waiters: [],
      };
      entry.ssh = this.options.sshFor?.(() => entry.record);
      this.entries.set(record.id, entry);
      if (this.isWatching) this.watch(entry);
    }
  }

  /**
   * Resolves once the pool's next sync has been written (its watcher's first full sync, or the next
   * batch of changes): "the console now shows what the pool has".
   */
  synced(poolId: string): Promise<void> {
    const entry = this.entries.get(poolId);
    if (!entry) return Promise.reject(new Error(`pool ${poolId} is not connected`));
    return new Promise((resolve) => entry.waiters.push(resolve));
  }

  /** Starts a watcher for every pool, now and for pools added later. */
  startWatching(): void {
    this.isWatching = true;
    for (const entry of this.entries.values()) if (!entry.watcher) this.watch(entry);
  }

  async stop(): Promise<void> {
    this.isWatching = false;
    for (const id of [...this.entries.keys()]) await this.drop(id);
  }

  private watch(entry: Entry): void {
    const controller = new AbortController();
    entry.watcher = controller;
    const watcher = new PoolWatcher(entry.client, async (sync) => {
      entry.hostIds = new Set(sync.inventory.hosts.map((host) => host.id));
      await this.options.onSync(entry.record, sync);
      for (const resolve of entry.waiters.splice(0)) resolve();
    });
    entry.done = watcher.run(
      controller.signal,
      (error) => this.options.onError(entry.record, error),
      (signal) => this.options.pause(signal),
    );
  }

  private async drop(id: string): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    entry.watcher?.abort(new Error(`pool ${entry.record.name} disconnected`));
    await entry.done?.catch(() => undefined);
    await entry.client.logout().catch(() => undefined);
  }
}
