import type { RouterOutputs } from '@/app/_lib/trpc';

type SyncResult = RouterOutputs['hypervConnections']['sync'];
type Cluster = NonNullable<Extract<SyncResult, { ok: true }>['cluster']>;

/** What a cluster connection's sync found: each node (read, or why not) and the Cluster Shared Volumes. */
export function HypervClusterView({ cluster }: { cluster: Cluster }) {
  return (
    <section className="mt-2 text-sm" aria-label={`Failover cluster ${cluster.name}`}>
      <p>
        Failover cluster {cluster.name}: {cluster.nodes.filter((node) => node.isRead).length} of{' '}
        {cluster.nodes.length} nodes synced.
      </p>
      <ul className="list-disc pl-5">
        {cluster.nodes.map((node) => (
          <li key={node.name}>
            {node.name} ({node.state}){node.isRead ? '' : `: not read — ${node.unknown ?? 'no reason given'}`}
          </li>
        ))}
      </ul>
      {cluster.sharedVolumes.length > 0 ? (
        <>
          <p>Cluster Shared Volumes (one shared volume each, under the VMs of every node):</p>
          <ul className="list-disc pl-5">
            {cluster.sharedVolumes.map((volume) => (
              <li key={volume.path}>
                {volume.name} at {volume.path}, {volume.state}
                {volume.ownerNode ? `, owned by ${volume.ownerNode}` : ''}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
