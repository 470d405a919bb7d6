/**
 * Four-eyes of a disconnect (`disconnect`, engine/approvals.ts): disconnecting a Hyper-V host
 * connection or a XenServer pool stops every backup and restore of the VMs on its hosts, what one
 * admin (or a stolen admin session) would do first to leave the estate unprotected. The request
 * names the connection and what it stops (disconnect-impact.ts) as its requester confirmed it; the
 * approval reads it again and runs the disconnect only if it still stops exactly that.
 */
import { z } from 'zod';
import type { Stores } from '../../db/stores/ports';
import type { ServiceContext } from '../context';
import { disconnectConfirmation } from '../schemas/confirmation';
import type { ApprovalAction } from './approval-actions';
import { type DisconnectImpact, disconnectImpactOf } from './disconnect-impact';
import { connectionOrThrow, hostIdsReadBy, removeHypervConnection } from './hyperv-connection-service';
import { parseInput } from './parse-input';
import { refreshXapiPools } from './xapi-connection-service';
import { poolOrThrow, removeXapiPool } from './xapi-pool-service';

export type DisconnectConnector = 'hyperv' | 'xapi';

/**
 * What a disconnect request runs with: the connection and the name its requester typed. The name
 * is checked again when it runs (the removal services check it), so an approval never disconnects
 * by id alone.
 */
export const disconnectPayload = z.object({
  connector: z.enum(['hyperv', 'xapi']),
  id: z.string().trim().min(1),
  confirmation: disconnectConfirmation,
});
export type DisconnectPayload = z.output<typeof disconnectPayload>;

export interface DisconnectPreview {
  kind: 'disconnect';
  connection: {
    connector: DisconnectConnector;
    /** "Hyper-V host" or "XenServer pool". */
    kindLabel: string;
    id: string;
    name: string;
    address: string;
    /** The hosts it reads, by their inventory names (empty before its first sync or discovery). */
    hostNames: string[];
  };
  impact: DisconnectImpact;
}

export const CONNECTOR_LABELS: Record<DisconnectConnector, string> = {
  hyperv: 'Hyper-V host',
  xapi: 'XenServer pool',
};

/** The connection as stored now; NOT_FOUND (named) once an admin disconnected it. */
async function connectionOf(
  stores: Pick<Stores, 'hypervConnections' | 'xapiPools'>,
  connector: DisconnectConnector,
  id: string,
): Promise<{ name: string; address: string; hostIds: string[] }> {
  if (connector === 'hyperv') {
    const connection = await connectionOrThrow(stores, id);
    return { name: connection.name, address: connection.address, hostIds: hostIdsReadBy(connection) };
  }
  const pool = await poolOrThrow(stores, id);
  return { name: pool.name, address: pool.address, hostIds: [...pool.hostIds] };
}

async function hostNamesOf(stores: Pick<Stores, 'inventory'>, hostIds: readonly string[]): Promise<string[]> {
  const names: string[] = [];
  // A connection reads one host, or a cluster's or pool's few: one read each.
  for (const hostId of hostIds) {
    const host = await stores.inventory.getHost(hostId);
    names.push(host ? host.host.name : 'a host no longer in the inventory');
  }
  return names;
}

export function disconnectAction(digest: (value: unknown) => string): ApprovalAction {
  return {
    kind: 'disconnect',
    parsePayload: (payload) => parseInput(disconnectPayload, payload),
    async prepare(env, payload) {
      const { connector, id } = parseInput(disconnectPayload, payload);
      const connection = await connectionOf(env.stores, connector, id);
      const impact = await disconnectImpactOf(env.stores, connection.hostIds);
      const kindLabel = CONNECTOR_LABELS[connector];
      return {
        title: `Disconnect the ${kindLabel} ${connection.name}`,
        preview: {
          kind: 'disconnect',
          connection: {
            connector,
            kindLabel,
            id,
            name: connection.name,
            address: connection.address,
            hostNames: await hostNamesOf(env.stores, connection.hostIds),
          },
          impact,
        },
        // Bound to the connection as named and reached, the hosts it reads and what stopping them
        // stops: a sync that brought more VMs, or a job added on them since, is not what was reviewed.
        fingerprint: digest([connector, id, connection.name, connection.address, connection.hostIds, impact]),
      };
    },
    async run(env, payload) {
      const { connector, id, confirmation } = parseInput(disconnectPayload, payload);
      const removed = await disconnectNow(env.stores, env.service, connector, { id, confirmation });
      return { connector, name: removed.name };
    },
  };
}

/**
 * Disconnects at once (four-eyes off, or approved). Refused, changing nothing, while an operation
 * queued or running touches its hosts, or when the typed name is not the connection's. A pool's
 * removal is followed by the process's set of connected pools.
 */
export async function disconnectNow(
  stores: Stores,
  service: ServiceContext,
  connector: DisconnectConnector,
  input: { id: string; confirmation: string },
): Promise<{ name: string }> {
  if (connector === 'hyperv') return removeHypervConnection(stores, service, input);
  const removed = await removeXapiPool(stores, service, input);
  await refreshXapiPools(stores);
  return removed;
}
