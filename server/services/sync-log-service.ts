/**
 * The sync log of connections (Hyper-V hosts, XenServer pools): what each sync added, changed and
 * found gone, the facts it could not read, and how it ended, recorded once per sync and listed
 * newest first on the connection's card ("last syncs").
 */
import type { Stores } from '../../db/stores/ports';
import type { Page } from '../../db/stores/ports/page';
import type { SyncConnector, SyncRunRecord } from '../../db/stores/ports/sync-log-store';
import type { ServiceContext } from '../context';
import type { Inventory } from '../engine/inventory';
import { connectionSyncsInput } from '../schemas/sync-log';
import { parseInput } from './parse-input';

/** A field by field comparison of what the read says against what is stored (the read's fields only). */
function differs(stored: object, read: object): boolean {
  const before = stored as Record<string, unknown>;
  return Object.entries(read).some(([key, value]) => JSON.stringify(before[key]) !== JSON.stringify(value));
}

/**
 * VMs of `read` not stored yet (added), and stored ones the read describes differently — the VM
 * itself or one of its disks or guest volumes (changed, by id). `stored` is the neighbourhood of the read's
 * VMs as stored before the merge.
 */
export function countSyncChanges(
  stored: Inventory,
  read: Inventory,
): { added: number; changedVmIds: string[] } {
  const storedVms = new Map(stored.vms.map((vm) => [vm.id, vm]));
  const storedChildren = new Map<string, object>(
    [...stored.virtualDisks, ...stored.guestVolumes].map((child) => [child.id, child]),
  );
  const changedVmIds = new Set<string>();
  for (const child of [...read.virtualDisks, ...read.guestVolumes]) {
    const before = storedChildren.get(child.id);
    if (storedVms.has(child.vmId) && (!before || differs(before, child))) changedVmIds.add(child.vmId);
  }
  let added = 0;
  for (const vm of read.vms) {
    const before = storedVms.get(vm.id);
    if (!before) added += 1;
    else if (differs(before, vm)) changedVmIds.add(vm.id);
  }
  return { added, changedVmIds: [...changedVmIds] };
}

/**
 * Whether the read describes a host or a host volume differently from the stored neighbourhood
 * (one it does not hold counts as different): such a fact (VSS on a volume, its shadow storage, the
 * host's backup product) can change the findings of every VM on that host, not only of VMs whose
 * own records changed.
 */
export function hostFactsChanged(stored: Inventory, read: Inventory): boolean {
  const storedHosts = new Map(stored.hosts.map((host) => [host.id, host]));
  const storedVolumes = new Map(stored.hostVolumes.map((volume) => [volume.id, volume]));
  return (
    read.hosts.some((host) => {
      const before = storedHosts.get(host.id);
      return !before || differs(before, host);
    }) ||
    read.hostVolumes.some((volume) => {
      const before = storedVolumes.get(volume.id);
      return !before || differs(before, volume);
    })
  );
}

export interface SyncRunOutcome {
  connector: SyncConnector;
  connectionId: string;
  startedAt: Date;
  counts?: { added: number; changed: number; gone: number };
  /** Facts that stayed unknown, in words ("web01: no guest credential is set"). */
  unknown?: string[];
  error?: string;
}

/** Records one sync: failed when it has an error, with warnings when facts stayed unknown. */
export async function recordSyncRun(
  stores: Pick<Stores, 'syncLog'>,
  ctx: Pick<ServiceContext, 'now' | 'newId'>,
  run: SyncRunOutcome,
): Promise<SyncRunRecord> {
  const unknown = run.unknown ?? [];
  const record: SyncRunRecord = {
    id: ctx.newId(),
    connector: run.connector,
    connectionId: run.connectionId,
    startedAt: run.startedAt,
    finishedAt: ctx.now(),
    outcome: run.error ? 'failed' : unknown.length > 0 ? 'succeeded-with-warnings' : 'succeeded',
    added: run.counts?.added ?? 0,
    changed: run.counts?.changed ?? 0,
    gone: run.counts?.gone ?? 0,
    unknownFacts: unknown.length,
    warnings: unknown.length > 0 ? unknown.join('; ') : null,
    error: run.error ?? null,
  };
  await stores.syncLog.record(record);
  return record;
}

/** A connection's syncs, newest first, a page at a time. */
export async function listConnectionSyncs(
  stores: Pick<Stores, 'syncLog'>,
  raw: unknown,
): Promise<Page<SyncRunRecord>> {
  const input = parseInput(connectionSyncsInput, raw);
  return stores.syncLog.list(input.connectionId, { limit: input.limit, cursor: input.cursor });
}
