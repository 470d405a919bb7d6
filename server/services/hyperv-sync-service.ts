/**
 * Syncing a Hyper-V host: read it, merge it into the inventory, mark the VMs it no longer lists
 * gone (and those listed again back), and record the sync in the sync log (what it added, changed
 * and found gone, the guest facts it could not read, or why it failed).
 */
import type { Stores } from '../../db/stores/ports';
import type { SyncRunRecord } from '../../db/stores/ports/sync-log-store';
import type { ServiceContext } from '../context';
import type { CallOptions } from '../drivers/call';
import { type HypervHostFacts, mapHost, readHostRecords } from '../drivers/hyperv/hyperv-discovery';
import { toDriverError } from '../drivers/hyperv/hyperv-errors';
import { hypervConnectionIdInput } from '../schemas/hyperv-connections';
import { DomainError } from './errors';
import {
  connectionOrThrow,
  failureOf,
  guestCredentialFor,
  hypervClientFor,
} from './hyperv-connection-service';
import { type ImportResult, importInventory } from './import-service';
import { parseInput } from './parse-input';
import { countSyncChanges, recordSyncRun } from './sync-log-service';
import type { VaultKeySource } from './vault-key';

type SyncStores = Pick<Stores, 'hypervConnections' | 'secrets' | 'inventory' | 'syncLog'>;

/** The guests whose facts stayed unknown, by VM name, with the reason. */
function unknownGuestsOf(facts: HypervHostFacts): { vmName: string; reason: string }[] {
  return facts.guests.flatMap((guest) =>
    guest.isKnown
      ? []
      : [{ vmName: facts.vms.find((vm) => vm.id === guest.vmId)?.name ?? guest.vmId, reason: guest.reason }],
  );
}

/** VMs a sync found gone from the host (or back on it), by name. */
export interface SyncPresence {
  gone: { id: string; name: string }[];
  reappeared: { id: string; name: string }[];
}

/**
 * Reads the host and merges it into the inventory; the record keeps when and how it ended. The
 * read lists every VM of the host, so a stored VM of this host it did not list is marked gone (not
 * deleted: its restore points and jobs stay), and a VM marked gone that is listed again is back.
 */
export async function syncHypervConnection(
  stores: SyncStores,
  ctx: ServiceContext,
  keys: VaultKeySource,
  raw: unknown,
  options: CallOptions,
): Promise<{ import: ImportResult; facts: HypervHostFacts; presence: SyncPresence; run: SyncRunRecord }> {
  const { id } = parseInput(hypervConnectionIdInput, raw);
  const connection = await connectionOrThrow(stores, id);
  const client = hypervClientFor(stores, ctx, keys, connection);
  const run = { connector: 'hyperv' as const, connectionId: id, startedAt: ctx.now() };
  try {
    const records = await readHostRecords(
      client,
      await guestCredentialFor(stores, ctx, keys, connection)(),
      options,
    );
    if (!records.host.IsElevated || !records.host.HasHyperVModule) {
      const reason = !records.host.IsElevated
        ? 'the account is not an administrator or in "Hyper-V Administrators"'
        : 'the Hyper-V PowerShell module is not installed';
      throw new DomainError('PRECONDITION_FAILED', `${connection.name} cannot be synced: ${reason}.`);
    }
    const { inventory, facts } = mapHost(records);
    const hostId = inventory.hosts[0]?.id;
    // Read before the merge: what the sync adds and changes is counted against what was stored.
    const counts = countSyncChanges(
      await stores.inventory.loadNeighbourhood(inventory.vms.map((vm) => vm.id)),
      inventory,
    );
    // The sync owns the gone marks: the merge below leaves them as stored, this sets and clears them.
    const presence = hostId
      ? await stores.inventory.markGoneVms(
          hostId,
          inventory.vms.map((vm) => vm.id),
          ctx.now(),
        )
      : { gone: [], reappeared: [] };
    const result = await importInventory(stores, ctx, inventory, 'merge');
    await stores.hypervConnections.recordSync(id, ctx.now(), null, hostId);
    const recorded = await recordSyncRun(stores, ctx, {
      ...run,
      counts: {
        added: counts.added,
        // A VM back on the host changed, whatever else the read says of it.
        changed: new Set([...counts.changedVmIds, ...presence.reappeared.map((vm) => vm.id)]).size,
        gone: presence.gone.length,
      },
      unknown: unknownGuestsOf(facts).map((guest) => `${guest.vmName}: ${guest.reason}`),
    });
    if (presence.gone.length > 0 || presence.reappeared.length > 0) {
      ctx.log.info(
        {
          connectionId: id,
          gone: presence.gone.map((vm) => vm.name),
          reappeared: presence.reappeared.map((vm) => vm.name),
        },
        'hyperv sync: VMs gone from or back on the host',
      );
    }
    return { import: result, facts, presence, run: recorded };
  } catch (error) {
    const failure = failureOf(error, client.label);
    await stores.hypervConnections.recordSync(id, ctx.now(), `${failure.fault}: ${failure.message}`);
    await recordSyncRun(stores, ctx, { ...run, error: failure.message });
    throw toDriverError(error, client.label);
  } finally {
    await client.close();
  }
}

/** What the console shows after a sync: what was stored and which guests stayed unknown, or why it failed. */
export type HypervSyncResult =
  | {
      ok: true;
      computerName: string;
      vmCount: number;
      stored: ImportResult['stored'];
      unknownGuests: { vmName: string; reason: string }[];
      /** Names of the stored VMs this sync no longer found on the host (marked gone, kept). */
      goneVms: string[];
      /** Names of VMs marked gone that the host lists again. */
      reappearedVms: string[];
    }
  | { ok: false; fault: string; message: string };

/** Sync for the console: a host that cannot be read is an answer with its reason, not a server error. */
export async function runHypervSync(
  stores: SyncStores,
  ctx: ServiceContext,
  keys: VaultKeySource,
  raw: unknown,
  options: CallOptions,
): Promise<HypervSyncResult> {
  const input = parseInput(hypervConnectionIdInput, raw);
  await connectionOrThrow(stores, input.id);
  try {
    const { import: result, facts, presence } = await syncHypervConnection(stores, ctx, keys, input, options);
    return {
      ok: true,
      computerName: facts.computerName,
      vmCount: facts.vms.length,
      stored: result.stored,
      unknownGuests: unknownGuestsOf(facts),
      goneVms: presence.gone.map((vm) => vm.name),
      reappearedVms: presence.reappeared.map((vm) => vm.name),
    };
  } catch (error) {
    if (error instanceof DomainError && error.code !== 'PRECONDITION_FAILED') throw error;
    return { ok: false, ...failureOf(error, `hyperv connection ${input.id}`) };
  }
}
