/**
 * Which hosts' facts may be out of date, estate-wide: the dashboard, the VM list and the protection
 * page show readiness and protection computed from every host's facts, and must say when some of
 * those facts are an earlier sync's (host-sync.ts decides it per host, for the host's own pages).
 * Cheap on a large estate: the connections are a handful and read whole, the hosts of connections
 * are listed without their VMs, and the VMs of the out-of-date ones are counted by the database.
 *
 * The backup review asks the same of the VMs its plan was made for: only their hosts, and only
 * them counted, found by the database too.
 */
import type { Stores } from '../../../db/stores/ports';
import type { ConnectorHost } from '../../../db/stores/ports/inventory';
import {
  CONNECTION_CONNECTORS,
  type HostSyncState,
  readerOfHost,
  readHostReaders,
  syncStateOfReader,
} from './host-sync';

/** How many hosts a group names; the others are counted ("and 12 more"). */
export const STALE_HOSTS_NAMED = 10;

/** Hosts whose facts may be out of date for one reason: one connection's failed sync, or none reading them. */
export interface StaleHostGroup {
  /** Why, as the hosts' own pages say it. */
  sync: HostSyncState;
  /** Hosts no pool reads any more: the XenServer pool they were last read in (null: none, or Hyper-V). */
  pool: string | null;
  /** The first STALE_HOSTS_NAMED hosts by name; `hostCount` counts them all. */
  hosts: { id: string; name: string }[];
  hostCount: number;
  /**
   * VMs on all of the group's hosts (gone ones too, as a host's page counts them); asked about
   * some VMs, those of them on the group's hosts.
   */
  vmCount: number;
}

export interface StaleHostFacts {
  hostCount: number;
  vmCount: number;
  /** The failed syncs first, by connection name; then the hosts no connection reads. */
  groups: StaleHostGroup[];
}

type Grouped = { sync: HostSyncState; pool: string | null; hosts: ConnectorHost[] };

/**
 * Every host whose facts may be out of date, grouped by why; nothing when all are current. Given
 * `ofVmIds`, only the hosts of those VMs, and only those VMs counted.
 */
export async function staleHostFacts(
  stores: Pick<Stores, 'inventory' | 'hypervConnections' | 'xapiPools'>,
  ofVmIds?: readonly string[],
): Promise<StaleHostFacts> {
  const [readers, hosts] = await Promise.all([
    readHostReaders(stores),
    stores.inventory.listHostsOfConnectors(CONNECTION_CONNECTORS, ofVmIds),
  ]);
  const groups = new Map<string, Grouped>();
  for (const host of hosts) {
    const sync = syncStateOfReader(readerOfHost(readers, host));
    if (sync === null) continue;
    const pool = sync.kind === 'disconnected' && host.connector === 'xapi' ? host.pool : null;
    const key = groupKey(sync, pool);
    const group = groups.get(key) ?? { sync, pool, hosts: [] };
    group.hosts.push(host);
    groups.set(key, group);
  }
  if (groups.size === 0) return { hostCount: 0, vmCount: 0, groups: [] };

  const vmCounts = await stores.inventory.countVmsOnHosts(
    [...groups.values()].flatMap((group) => group.hosts.map((host) => host.id)),
    ofVmIds,
  );
  const answered = [...groups.values()].sort(byReason).map(
    (group): StaleHostGroup => ({
      sync: group.sync,
      pool: group.pool,
      hosts: group.hosts.slice(0, STALE_HOSTS_NAMED).map(({ id, name }) => ({ id, name })),
      hostCount: group.hosts.length,
      vmCount: group.hosts.reduce((sum, host) => sum + (vmCounts.get(host.id) ?? 0), 0),
    }),
  );
  return {
    hostCount: answered.reduce((sum, group) => sum + group.hostCount, 0),
    vmCount: answered.reduce((sum, group) => sum + group.vmCount, 0),
    groups: answered,
  };
}

/** A connection's name is unique among its kind; hosts no connection reads go by kind and pool. */
function groupKey(sync: HostSyncState, pool: string | null): string {
  return sync.kind === 'failed'
    ? JSON.stringify([sync.kind, sync.connectionKind, sync.connectionName])
    : JSON.stringify([sync.kind, sync.connectionKind, pool]);
}

/** Failed syncs first (something an admin can retry), then hosts nobody reads; each by kind and name. */
function byReason(a: Grouped, b: Grouped): number {
  const rank = (group: Grouped) => (group.sync.kind === 'failed' ? 0 : 1);
  const nameOf = (group: Grouped) =>
    group.sync.kind === 'failed' ? group.sync.connectionName : (group.pool ?? '');
  return (
    rank(a) - rank(b) ||
    inCodeOrder(a.sync.connectionKind, b.sync.connectionKind) ||
    inCodeOrder(nameOf(a), nameOf(b))
  );
}

function inCodeOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
