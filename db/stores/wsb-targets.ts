/**
 * The hosts' Windows Server Backup target state (engine Host.wsbTarget), in both dialects: derived
 * each time the hosts are loaded from the connection that reads each host, not written at sync, so
 * an admin who sets or clears a target on the Connections page changes the next plan at once.
 *
 * - a host of the embedded lab connector: 'lab' (the lab writes WSB backups into its own files);
 * - any other host: 'named' when the connection reading it names a target, else 'none' (a cleared
 *   target, or no connection reads the host any more: wbadmin would have nowhere to write).
 *
 * The connection reading a host is found as the Hyper-V driver finds it (hyperv-connection-store
 * `findByHostId`): the connection whose last sync reached the host, else one listing it as a node of
 * its cluster. Connections are few (an admin adds each): they are read whole and matched here.
 */
import { DEFAULT_CONNECTOR, type Host, type WsbTargetState } from '../../server/engine/inventory';

/** What of a Hyper-V connection decides its hosts' WSB target state. */
export interface WsbTargetConnection {
  hostId: string | null;
  nodeHostIds: readonly string[];
  wsbBackupTarget: string | null;
}

/** The hosts with their WSB target state set (new objects; the rows are left as read). */
export function withWsbTargets<H extends Pick<Host, 'id' | 'connector'>>(
  hosts: readonly H[],
  connections: readonly WsbTargetConnection[],
): (H & { wsbTarget: WsbTargetState })[] {
  const connected = new Map<string, WsbTargetConnection>();
  const asNode = new Map<string, WsbTargetConnection>();
  for (const connection of connections) {
    if (connection.hostId !== null) connected.set(connection.hostId, connection);
    for (const nodeId of connection.nodeHostIds) if (!asNode.has(nodeId)) asNode.set(nodeId, connection);
  }
  return hosts.map((host): H & { wsbTarget: WsbTargetState } => {
    if (host.connector === DEFAULT_CONNECTOR) return { ...host, wsbTarget: 'lab' };
    const connection = connected.get(host.id) ?? asNode.get(host.id);
    return { ...host, wsbTarget: connection?.wsbBackupTarget ? 'named' : 'none' };
  });
}
