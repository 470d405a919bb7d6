/** Host list and host detail on SQLite. */
import { and, asc, count, eq, inArray, or, type SQL, sql } from 'drizzle-orm';
import type { HostCountQuery, HostListQuery } from '../../../server/schemas/inventory-queries';
import type { Db } from '../../client';
import { findings, hosts, hostVolumes, virtualDisks, vmAssessments, vms } from '../../schema';
import type { ConnectorHost } from '../ports/inventory';
import type { HostDetail, HostListItem, VmRef } from '../ports/inventory-views';
import type { Page } from '../ports/page';
import { type ReadinessTally, tallyReadiness } from '../readiness-counts';
import { emptySeverityCounts, shownReadiness, where } from './inventory-shared';
import {
  afterCursor,
  containsPattern,
  decodeCursor,
  likeContains,
  orderBy,
  type SortValue,
  toPage,
} from './keyset';
import { inJson, jsonList, preparedIn, preparedShapeIn } from './prepared';

const hostVmCount = sql<number>`(select count(*) from vms hv where hv.host_id = "hosts"."id")`;
const hostVolumeCount = sql<number>`(select count(*) from host_volumes v where v.host_id = "hosts"."id")`;

/**
 * One page of hosts; counting the matches is countHosts' job. The page's statement is built and
 * compiled once per shape (sort, order, filters set, first page or after a cursor) and connection,
 * and the page's readiness counts once per connection, values bound through placeholders: building
 * them with Drizzle on every call was a sixth of the call (issue 13; inventory-vms.ts does the same).
 */
export function listHosts(db: Db, query: HostListQuery): Page<HostListItem> {
  const sortKey = `hosts:${query.sort}:${query.direction}`;
  const cursor = query.cursor ? decodeCursor(query.cursor, sortKey) : null;
  const shape = `hosts:list:${sortKey}:${cursor ? 'after' : 'first'}:${hostFilterShape(query)}`;
  const page = preparedShapeIn(db, shape, () => hostPageStatement(db, query, cursor !== null));
  const rows = page.all({
    ...hostFilterValues(query),
    cursorValue: cursor?.value ?? null,
    cursorId: cursor?.id ?? null,
    limit: query.limit + 1,
  });
  const { items, nextCursor } = toPage(rows, query.limit, sortKey);
  const readinessByHost = readinessCountsByHost(
    db,
    items.map((host) => host.id),
  );
  return {
    items: items.map((host) => ({ ...host, ...(readinessByHost.get(host.id) ?? tallyReadiness([])) })),
    nextCursor,
  };
}

function hostPageStatement(db: Db, query: HostListQuery, isAfterCursor: boolean) {
  const sort = { name: hosts.name, kind: hosts.kind, vmCount: hostVmCount }[query.sort];
  return db
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
    .where(
      where([
        hostFilters(query),
        isAfterCursor
          ? afterCursor(sort, hosts.id, query.direction, {
              value: sql.placeholder('cursorValue'),
              id: sql.placeholder('cursorId'),
            })
          : undefined,
      ]),
    )
    .orderBy(...orderBy(sort, hosts.id, query.direction))
    .limit(sql.placeholder('limit'))
    .prepare();
}

/** How many hosts match the list's filters, over all pages. */
export function countHosts(db: Db, query: HostCountQuery): number {
  const shape = `hosts:count:${hostFilterShape(query)}`;
  const counted = preparedShapeIn(db, shape, () =>
    db.select({ n: count() }).from(hosts).where(hostFilters(query)).prepare(),
  );
  return counted.get(hostFilterValues(query))?.n ?? 0;
}

/** The filters' conditions, by placeholder: the statement's shape, whatever the values. */
function hostFilters(query: HostCountQuery): SQL | undefined {
  const search = sql.placeholder('search');
  return where([
    query.kind ? eq(hosts.kind, sql.placeholder('kind')) : undefined,
    query.search ? or(likeContains(hosts.name, search), likeContains(hosts.pool, search)) : undefined,
  ]);
}

/** Which filters the statement holds: its text, whatever their values. */
function hostFilterShape(query: HostCountQuery): string {
  return `${query.kind ? 'kind' : ''}:${query.search ? 'search' : ''}`;
}

function hostFilterValues(query: HostCountQuery) {
  return { kind: query.kind ?? null, search: query.search ? containsPattern(query.search) : null };
}

/** Each host's VMs by the readiness the views show (gone ones apart), as the dashboard counts them. */
function readinessCountsByHost(db: Db, hostIds: string[]): Map<string, ReadinessTally> {
  if (hostIds.length === 0) return new Map();
  const counts = preparedIn(db, 'hosts:readiness-counts', () =>
    db
      .select({ hostId: vms.hostId, readiness: shownReadiness, n: count() })
      .from(vms)
      .innerJoin(vmAssessments, eq(vmAssessments.vmId, vms.id))
      .where(inJson(vms.hostId, 'hostIds'))
      .groupBy(vms.hostId, shownReadiness)
      .prepare(),
  );
  const rows = counts.all({ hostIds: jsonList(hostIds) });
  return new Map(
    hostIds.map((hostId) => [hostId, tallyReadiness(rows.filter((row) => row.hostId === hostId))]),
  );
}

/**
 * The hosts of these connectors, by name: the few whose facts a connection reads. Given VM ids,
 * only the hosts of those VMs, found on the VMs' primary key.
 */
export function listHostsOfConnectors(
  db: Db,
  connectors: readonly string[],
  ofVmIds?: readonly string[],
): ConnectorHost[] {
  if (connectors.length === 0 || ofVmIds?.length === 0) return [];
  const columns = { id: hosts.id, name: hosts.name, connector: hosts.connector, pool: hosts.pool };
  if (ofVmIds === undefined) {
    const hostsOf = preparedIn(db, 'hosts:of-connectors', () =>
      db
        .select(columns)
        .from(hosts)
        .where(inJson(hosts.connector, 'connectors'))
        .orderBy(asc(hosts.name), asc(hosts.id))
        .prepare(),
    );
    return hostsOf.all({ connectors: jsonList(connectors) });
  }
  const hostsOfVms = preparedIn(db, 'hosts:of-connectors-of-vms', () =>
    db
      .select(columns)
      .from(hosts)
      .where(
        and(
          inJson(hosts.connector, 'connectors'),
          sql`${hosts.id} in (select ${vms.hostId} from ${vms} where ${inJson(vms.id, 'vmIds')})`,
        ),
      )
      .orderBy(asc(hosts.name), asc(hosts.id))
      .prepare(),
  );
  return hostsOfVms.all({ connectors: jsonList(connectors), vmIds: jsonList(ofVmIds) });
}

/**
 * Each host's VMs, gone ones too, counted on the (host_id, name) index: no VM row is read. Given
 * VM ids, only those are counted (found on the primary key).
 */
export function countVmsOnHosts(
  db: Db,
  hostIds: readonly string[],
  amongVmIds?: readonly string[],
): Map<string, number> {
  if (hostIds.length === 0 || amongVmIds?.length === 0) return new Map();
  if (amongVmIds === undefined) {
    const counts = preparedIn(db, 'hosts:vm-counts', () =>
      db
        .select({ hostId: vms.hostId, n: count() })
        .from(vms)
        .where(inJson(vms.hostId, 'hostIds'))
        .groupBy(vms.hostId)
        .prepare(),
    );
    return new Map(counts.all({ hostIds: jsonList(hostIds) }).map((row) => [row.hostId, row.n]));
  }
  const countsAmong = preparedIn(db, 'hosts:vm-counts-among', () =>
    db
      .select({ hostId: vms.hostId, n: count() })
      .from(vms)
      .where(and(inJson(vms.id, 'vmIds'), inJson(vms.hostId, 'hostIds')))
      .groupBy(vms.hostId)
      .prepare(),
  );
  const rows = countsAmong.all({ hostIds: jsonList(hostIds), vmIds: jsonList(amongVmIds) });
  return new Map(rows.map((row) => [row.hostId, row.n]));
}

export function getHost(db: Db, id: string): HostDetail | null {
  const host = db.select().from(hosts).where(eq(hosts.id, id)).get();
  if (!host) return null;
  const volumes = db
    .select()
    .from(hostVolumes)
    .where(eq(hostVolumes.hostId, id))
    .orderBy(asc(hostVolumes.name))
    .all();
  const vmsByVolume = vmsOnHostVolumes(
    db,
    volumes.map((volume) => volume.id),
  );
  const findingCounts = emptySeverityCounts();
  for (const row of db
    .select({ severity: findings.severity, n: count() })
    .from(findings)
    .where(eq(findings.hostId, id))
    .groupBy(findings.severity)
    .all()) {
    findingCounts[row.severity] = row.n;
  }
  const readiness = readinessCountsByHost(db, [id]).get(id) ?? tallyReadiness([]);
  return {
    host,
    volumes: volumes.map((volume) => ({ ...volume, vms: vmsByVolume.get(volume.id) ?? [] })),
    vmCount: db.select({ n: count() }).from(vms).where(eq(vms.hostId, id)).get()?.n ?? 0,
    ...readiness,
    findingCounts,
  };
}

/** VMs with at least one disk on each of the given host volumes, by volume, sorted by name. */
function vmsOnHostVolumes(db: Db, volumeIds: string[]): Map<string, VmRef[]> {
  const result = new Map<string, VmRef[]>();
  if (volumeIds.length === 0) return result;
  const rows = db
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
    .orderBy(asc(vms.name), asc(vms.id))
    .all();
  for (const { volumeId, ...vm } of rows) {
    if (!volumeId) continue;
    const list = result.get(volumeId) ?? [];
    list.push(vm);
    result.set(volumeId, list);
  }
  return result;
}
