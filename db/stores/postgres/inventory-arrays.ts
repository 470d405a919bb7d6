/** Storage array list and detail on PostgreSQL. */
import { asc, count, eq, inArray, or, sql } from 'drizzle-orm';
import type { ArrayListQuery } from '../../../server/schemas/inventory-queries';
import type { PgDb } from '../../pg/client';
import {
  arrayVolumes,
  consistencyGroups,
  hosts,
  hostVolumes,
  storageArrays,
  virtualDisks,
  vmAssessments,
  vms,
} from '../../pg/schema';
import type { ArrayDetail, ArrayListItem } from '../ports/inventory-views';
import type { Counted, Page } from '../ports/page';
import { firstRow, shownReadiness, where } from './inventory-shared';
import { afterCursor, decodeCursor, likeContains, orderBy, type SortValue, toPage } from './keyset';

const arrayVolumeCount = sql<number>`(select count(*)::int from array_volumes av where av.array_id = "storage_arrays"."id")`;
const arrayGroupCount = sql<number>`(select count(*)::int from consistency_groups cg where cg.array_id = "storage_arrays"."id")`;
/** Distinct VMs with data on each array (through host volumes / SRs or pass-through LUNs), for one page of arrays. */
async function vmCountsByArray(db: PgDb, arrayIds: string[]): Promise<Map<string, number>> {
  if (arrayIds.length === 0) return new Map();
  const ids = sql.join(
    arrayIds.map((id) => sql`${id}`),
    sql`, `,
  );
  const { rows } = await db.execute<{ arrayId: string; n: number }>(sql`
    select array_id as "arrayId", count(distinct vm_id) as n from (
      select av.array_id, d.vm_id from array_volumes av
        join host_volumes hv on hv.array_volume_id = av.id
        join virtual_disks d on d.host_volume_id = hv.id
        where av.array_id in (${ids})
      union all
      select av.array_id, d.vm_id from array_volumes av
        join virtual_disks d on d.array_volume_id = av.id
        where av.array_id in (${ids})
    ) counted group by array_id`);
  return new Map(rows.map((row) => [row.arrayId, Number(row.n)]));
}

export async function listArrays(db: PgDb, query: ArrayListQuery): Promise<Page<ArrayListItem> & Counted> {
  const sort = { name: storageArrays.name, vendor: storageArrays.vendor }[query.sort];
  const sortKey = `arrays:${query.sort}:${query.direction}`;
  const filters = where([
    query.vendor ? eq(storageArrays.vendor, query.vendor) : undefined,
    query.search ? likeContains(storageArrays.name, query.search) : undefined,
  ]);
  const cursor = query.cursor ? decodeCursor(query.cursor, sortKey) : null;
  const rows = await db
    .select({
      id: storageArrays.id,
      name: storageArrays.name,
      vendor: storageArrays.vendor,
      supportsSnapshots: storageArrays.supportsSnapshots,
      connector: storageArrays.connector,
      volumeCount: arrayVolumeCount,
      consistencyGroupCount: arrayGroupCount,
      sortValue: sql<SortValue>`${sort}`,
    })
    .from(storageArrays)
    .where(
      where([filters, cursor ? afterCursor(sort, storageArrays.id, query.direction, cursor) : undefined]),
    )
    .orderBy(...orderBy(sort, storageArrays.id, query.direction))
    .limit(query.limit + 1);
  const total = (await db.select({ n: count() }).from(storageArrays).where(filters).then(firstRow))?.n ?? 0;
  const page = toPage(rows, query.limit, sortKey);
  const vmCounts = await vmCountsByArray(
    db,
    page.items.map((array) => array.id),
  );
  return {
    items: page.items.map((array) => ({ ...array, vmCount: vmCounts.get(array.id) ?? 0 })),
    nextCursor: page.nextCursor,
    total,
  };
}

export async function getArray(db: PgDb, id: string): Promise<ArrayDetail | null> {
  const array = await db.select().from(storageArrays).where(eq(storageArrays.id, id)).then(firstRow);
  if (!array) return null;
  const volumes = await db
    .select()
    .from(arrayVolumes)
    .where(eq(arrayVolumes.arrayId, id))
    .orderBy(asc(arrayVolumes.name));
  const groups = await db
    .select()
    .from(consistencyGroups)
    .where(eq(consistencyGroups.arrayId, id))
    .orderBy(asc(consistencyGroups.name));
  const groupsById = new Map(groups.map((group) => [group.id, group]));
  const lunIds = volumes.map((volume) => volume.id);
  const backedHostVolumes = lunIds.length
    ? await db
        .select({
          id: hostVolumes.id,
          name: hostVolumes.name,
          hostId: hosts.id,
          hostName: hosts.name,
          lunId: hostVolumes.arrayVolumeId,
        })
        .from(hostVolumes)
        .innerJoin(hosts, eq(hosts.id, hostVolumes.hostId))
        .where(inArray(hostVolumes.arrayVolumeId, lunIds))
        .orderBy(asc(hostVolumes.name))
    : [];
  const lunOfDisk = sql<string>`coalesce("virtual_disks"."array_volume_id", (select bv.array_volume_id from host_volumes bv where bv.id = "virtual_disks"."host_volume_id"))`;
  const vmRows = lunIds.length
    ? await db
        .selectDistinct({
          lunId: lunOfDisk,
          id: vms.id,
          name: vms.name,
          powerState: vms.powerState,
          powerStateUnknown: vms.powerStateUnknown,
          readiness: shownReadiness,
        })
        .from(virtualDisks)
        .innerJoin(vms, eq(vms.id, virtualDisks.vmId))
        .leftJoin(vmAssessments, eq(vmAssessments.vmId, vms.id))
        .where(
          or(
            inArray(virtualDisks.arrayVolumeId, lunIds),
            inArray(
              virtualDisks.hostVolumeId,
              db
                .select({ id: hostVolumes.id })
                .from(hostVolumes)
                .where(inArray(hostVolumes.arrayVolumeId, lunIds)),
            ),
          ),
        )
        .orderBy(asc(vms.name), asc(vms.id))
    : [];
  return {
    array,
    consistencyGroups: groups,
    volumes: volumes.map((volume) => ({
      ...volume,
      consistencyGroup: volume.consistencyGroupId
        ? (groupsById.get(volume.consistencyGroupId) ?? null)
        : null,
      hostVolumes: backedHostVolumes
        .filter((hostVolume) => hostVolume.lunId === volume.id)
        .map(({ lunId: _lunId, ...hostVolume }) => hostVolume),
      vms: vmRows.filter((row) => row.lunId === volume.id).map(({ lunId: _lunId, ...vm }) => vm),
    })),
  };
}
