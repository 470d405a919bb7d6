/** Host list and host detail on PostgreSQL. */
import { and, asc, count, eq, inArray, or, sql } from 'drizzle-orm';
import type { HostListQuery } from '../../../server/schemas/inventory-queries';
import type { PgDb } from '../../pg/client';
import { findings, hosts, hostVolumes, virtualDisks, vmAssessments, vms } from '../../pg/schema';
import type { ConnectorHost } from '../ports/inventory';
import type { HostDetail, HostListItem, VmRef } from '../ports/inventory-views';
import type { Counted, Page } from '../ports/page';
import { type ReadinessTally, tallyReadiness } from '../readiness-counts';
import { emptySeverityCounts, firstRow, shownReadiness, where } from './inventory-shared';
import { afterCursor, decodeCursor, likeContains, orderBy, type SortValue, toPage } from './keyset';
import { textArray } from './text-array';

const hostVmCount = sql<number>`(select count(*)::int from vms hv where hv.host_id = "hosts"."id")`;
const hostVolumeCount = sql<number>`(select count(*)::int from host_volumes v where v.host_id = "hosts"."id")`;

export async function listHosts(db: PgDb, query: HostListQuery): Promise<Page<HostListItem> & Counted> {
  const sort = { name: hosts.name, kind: hosts.kind, vmCount: hostVmCount }[query.sort];
  const sortKey = `hosts:${query.sort}:${query.direction}`;
  const filters = where([
    query.kind ? eq(hosts.kind, query.kind) : undefined,
    query.search
      ? or(likeContains(hosts.name, query.search), likeContains(hosts.pool, query.search))
      : undefined,
  ]);
  const cursor = query.cursor ? decodeCursor(query.cursor, sortKey) : null;
  const rows = await db
    .select({
      id: hosts.id,
      name: hosts.name,
      kind: hosts.kind,
      version: hosts.version,
      pool: hosts.pool,
      hasVssAwareProduct: hosts.hasVssAwareProduct,
      offersQuiescedSnapshots: hosts.offersQuiescedSnapshots,
      connector: hosts.connector,
      vmCount: hostVmCount,
      volumeCount: hostVolumeCount,
      sortValue: sql<SortValue>`${sort}`,
    })
    .from(hosts)
    .where(where([filters, cursor ? afterCursor(sort, hosts.id, query.direction, cursor) : undefined]))
    .orderBy(...orderBy(sort, hosts.id, query.direction))
    .limit(query.limit + 1);
  const page = toPage(rows, query.limit, sortKey);
  const readinessByHost = await readinessCountsByHost(
    db,
    page.items.map((host) => host.id),
  );
  const total = (await db.select({ n: count() }).from(hosts).where(filters).then(firstRow))?.n ?? 0;
  return {
    items: page.items.map((host) => ({ ...host, ...(readinessByHost.get(host.id) ?? tallyReadiness([])) })),
    nextCursor: page.nextCursor,
    total,
  };
}

/** As on SQLite: each host's VMs by the readiness the views show, gone ones apart. */
async function readinessCountsByHost(db: PgDb, hostIds: string[]): Promise<Map<string, ReadinessTally>> {
  if (hostIds.length === 0) return new Map();
  const rows = await db
    .select({ hostId: vms.hostId, readiness: shownReadiness, n: count() })
    .from(vms)
    .innerJoin(vmAssessments, eq(vmAssessments.vmId, vms.id))
    .where(inArray(vms.hostId, hostIds))
    .groupBy(vms.hostId, shownReadiness);
  return new Map(
    hostIds.map((hostId) => [hostId, tallyReadiness(rows.filter((row) => row.hostId === hostId))]),
  );
}

/** As on SQLite: the hosts of these connectors, by name; given VM ids, only those VMs' hosts. */
export async function listHostsOfConnectors(
  db: PgDb,
  connectors: readonly string[],
  ofVmIds?: readonly string[],
): Promise<ConnectorHost[]> {
  if (connectors.length === 0 || ofVmIds?.length === 0) return [];
  return db
    .select({ id: hosts.id, name: hosts.name, connector: hosts.connector, pool: hosts.pool })
    .from(hosts)
    .where(
      and(
        sql`${hosts.connector} = any(${textArray(connectors)})`,
        ofVmIds === undefined
          ? undefined
          : sql`${hosts.id} in (select ${vms.hostId} from ${vms} where ${vms.id} = any(${textArray(ofVmIds)}))`,
      ),
    )
    .orderBy(asc(hosts.name), asc(hosts.id));
}

/** As on SQLite: each host's VMs, gone ones too, counted on the (host_id, name) index; given VM ids, those only. */
export async function countVmsOnHosts(
  db: PgDb,
  hostIds: readonly string[],
  amongVmIds?: readonly string[],
): Promise<Map<string, number>> {
  if (hostIds.length === 0 || amongVmIds?.length === 0) return new Map();
  const rows = await db
    .select({ hostId: vms.hostId, n: count() })
    .from(vms)
    .where(
      and(
        sql`${vms.hostId} = any(${textArray(hostIds)})`,
        amongVmIds === undefined ? undefined : sql`${vms.id} = any(${textArray(amongVmIds)})`,
      ),
    )
    .groupBy(vms.hostId);
  return new Map(rows.map((row) => [row.hostId, row.n]));
}

export async function getHost(db: PgDb, id: string): Promise<HostDetail | null> {
  const host = await db.select().from(hosts).where(eq(hosts.id, id)).then(firstRow);
  if (!host) return null;
  const volumes = await db
    .select()
    .from(hostVolumes)
    .where(eq(hostVolumes.hostId, id))
    .orderBy(asc(hostVolumes.name));
  const vmsByVolume = await vmsOnHostVolumes(
    db,
    volumes.map((volume) => volume.id),
  );
  const findingCounts = emptySeverityCounts();
  for (const row of await db
    .select({ severity: findings.severity, n: count() })
    .from(findings)
    .where(eq(findings.hostId, id))
    .groupBy(findings.severity)) {
    findingCounts[row.severity] = row.n;
  }
  const readiness = (await readinessCountsByHost(db, [id])).get(id) ?? tallyReadiness([]);
  return {
    host,
    volumes: volumes.map((volume) => ({ ...volume, vms: vmsByVolume.get(volume.id) ?? [] })),
    vmCount: (await db.select({ n: count() }).from(vms).where(eq(vms.hostId, id)).then(firstRow))?.n ?? 0,
    ...readiness,
    findingCounts,
  };
}

/** VMs with at least one disk on each of the given host volumes, by volume, sorted by name. */
async function vmsOnHostVolumes(db: PgDb, volumeIds: string[]): Promise<Map<string, VmRef[]>> {
  const result = new Map<string, VmRef[]>();
  if (volumeIds.length === 0) return result;
  const rows = await db
    .selectDistinct({
      volumeId: virtualDisks.hostVolumeId,
      id: vms.id,
      name: vms.name,
      powerState: vms.powerState,
      powerStateUnknown: vms.powerStateUnknown,
      readiness: shownReadiness,
    })
    .from(virtualDisks)
    .innerJoin(vms, eq(vms.id, virtualDisks.vmId))
    .leftJoin(vmAssessments, eq(vmAssessments.vmId, vms.id))
    .where(inArray(virtualDisks.hostVolumeId, volumeIds))
    .orderBy(asc(vms.name), asc(vms.id));
  for (const { volumeId, ...vm } of rows) {
    if (!volumeId) continue;
    const list = result.get(volumeId) ?? [];
    list.push(vm);
    result.set(volumeId, list);
  }
  return result;
}
