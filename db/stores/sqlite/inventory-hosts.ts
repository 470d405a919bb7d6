/** Host list and host detail on SQLite. */
import { asc, count, eq, inArray, or, type SQL, sql } from 'drizzle-orm';
import type { Readiness } from '../../../server/engine/types';
import type { HostCountQuery, HostListQuery } from '../../../server/schemas/inventory-queries';
import type { Db } from '../../client';
import { findings, hosts, hostVolumes, virtualDisks, vmAssessments, vms } from '../../schema';
import type { HostDetail, HostListItem, VmRef } from '../ports/inventory-views';
import type { Page } from '../ports/page';
import { emptyReadinessCounts, emptySeverityCounts, where } from './inventory-shared';
import { afterCursor, decodeCursor, likeContains, orderBy, type SortValue, toPage } from './keyset';

const hostVmCount = sql<number>`(select count(*) from vms hv where hv.host_id = "hosts"."id")`;
const hostVolumeCount = sql<number>`(select count(*) from host_volumes v where v.host_id = "hosts"."id")`;

/** One page of hosts; counting the matches is countHosts' job. */
export function listHosts(db: Db, query: HostListQuery): Page<HostListItem> {
  const sort = { name: hosts.name, kind: hosts.kind, vmCount: hostVmCount }[query.sort];
  const sortKey = `hosts:${query.sort}:${query.direction}`;
  const filters = hostFilters(query);
  const cursor = query.cursor ? decodeCursor(query.cursor, sortKey) : null;
  const rows = db
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
    .limit(query.limit + 1)
    .all();
  const page = toPage(rows, query.limit, sortKey);
  const readinessByHost = readinessCountsByHost(
    db,
    page.items.map((host) => host.id),
  );
  return {
    items: page.items.map((host) => ({
      ...host,
      readinessCounts: readinessByHost.get(host.id) ?? emptyReadinessCounts(),
    })),
    nextCursor: page.nextCursor,
  };
}

/** How many hosts match the list's filters, over all pages. */
export function countHosts(db: Db, query: HostCountQuery): number {
  return db.select({ n: count() }).from(hosts).where(hostFilters(query)).get()?.n ?? 0;
}

function hostFilters(query: HostCountQuery): SQL | undefined {
  return where([
    query.kind ? eq(hosts.kind, query.kind) : undefined,
    query.search
      ? or(likeContains(hosts.name, query.search), likeContains(hosts.pool, query.search))
      : undefined,
  ]);
}

function readinessCountsByHost(db: Db, hostIds: string[]): Map<string, Record<Readiness, number>> {
  const result = new Map<string, Record<Readiness, number>>();
  if (hostIds.length === 0) return result;
  const rows = db
    .select({ hostId: vms.hostId, readiness: vmAssessments.readiness, n: count() })
    .from(vms)
    .innerJoin(vmAssessments, eq(vmAssessments.vmId, vms.id))
    .where(inArray(vms.hostId, hostIds))
    .groupBy(vms.hostId, vmAssessments.readiness)
    .all();
  for (const row of rows) {
    const counts = result.get(row.hostId) ?? emptyReadinessCounts();
    counts[row.readiness] = row.n;
    result.set(row.hostId, counts);
  }
  return result;
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
  const readinessCounts = readinessCountsByHost(db, [id]).get(id) ?? emptyReadinessCounts();
  return {
    host,
    volumes: volumes.map((volume) => ({ ...volume, vms: vmsByVolume.get(volume.id) ?? [] })),
    vmCount: db.select({ n: count() }).from(vms).where(eq(vms.hostId, id)).get()?.n ?? 0,
    readinessCounts,
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
      readiness: vmAssessments.readiness,
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
