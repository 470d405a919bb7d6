/**
 * The sync log (db/schema-hyperv.ts `connection_syncs`): one record per sync of a connection, a
 * Hyper-V host or a XenServer pool, listed newest first as the connection's "last syncs".
 */
import type { SyncOutcome } from '../../../server/engine/statuses';
import type { Page } from './page';

export type { SyncOutcome };
export type SyncConnector = 'hyperv' | 'xapi';

export interface SyncRunRecord {
  id: string;
  connector: SyncConnector;
  connectionId: string;
  startedAt: Date;
  finishedAt: Date;
  outcome: SyncOutcome;
  /** VMs the sync added to the inventory. */
  added: number;
  /** Stored VMs it read differently (state, disks, guest facts), or found back on the host. */
  changed: number;
  /** Stored VMs it no longer found (marked gone). */
  gone: number;
  /** Facts it could not read (a guest without PowerShell Direct, …): recorded as unknown. */
  unknownFacts: number;
  /** In words, which facts stayed unknown and why; null when none. */
  warnings: string | null;
  /** In words, why it failed; null unless it failed. */
  error: string | null;
}

export interface SyncLogStore {
  record(run: SyncRunRecord): Promise<void>;
  /** A connection's syncs, newest first, keyset-paged on (started, id). */
  list(connectionId: string, query: { limit: number; cursor?: string }): Promise<Page<SyncRunRecord>>;
  /** Forgets a removed connection's syncs; the number deleted. */
  deleteForConnection(connectionId: string): Promise<number>;
}
