/** Storage array list and detail on SQLite. */
import { asc, count, eq, inArray, or, type SQL, sql } from 'drizzle-orm';
import type { ArrayCountQuery, ArrayListQuery } from '../../../server/schemas/inventory-queries';
import type { Db } from '../../client';
import {
  arrayVolumes,
  consistencyGroups,
  hosts,
  hostVolumes,
  storageArrays,
  virtualDisks,
  vmAssessments,
  vms,
} from '../../schema';
import type { ArrayDetail, ArrayListItem } from '../ports/inventory-views';
import type { Page } from '../ports/page';
import { shownReadiness, where } from './inventory-shared';
import { afterCursor, decodeCursor, likeContains, orderBy, type SortValue, toPage } from './keyset';

const arrayVolumeCount = sql<number>`(select count(*) from array_volumes av where av.array_id = "storage_arrays"."id")`;
const arrayGroupCount = sql<number>`(select count(*) from consistency_groups cg where cg.array_id = "storage_arrays"."id")`;
/** Distinct VMs with data on each array (through host volumes / SRs or pass-through LUNs), for one page of arrays. */
function vmCountsByArray(db: Db, arrayIds: string[]): Map<string, number> {
  if (arrayIds.length === 0) return new Map();
  const ids = sql.join(
    arrayIds.map((id) => sql`${id}`),
    sql`, `,
  );
  const rows = db.all<{ arrayId: string; n: number }>(sql`
    select array_id as arrayId, count(distinct vm_id) as n from (
      select av.array_id, d.vm_id from array_volumes av
        join host_volumes hv on hv.array_volume_id = av.id
        join virtual_disks d on d.host_volume_id = hv.id
        where av.array_id in (${ids})
      union all
      select av.array_id, d.vm_id from array_volumes av
        join virtual_disks d on d.array_volume_id = av.id
        where av.array_id in (${ids})
    ) group by array_id`);
  return new Map(rows.map((row) => [row.arrayId, row.n]));
}

/** One page of arrays; counting the matches is countArrays' job. */
export function listArrays(db: Db, query: ArrayListQuery): Page<ArrayListItem> {
  const sort = { name: storageArrays.name, vendor: storageArrays.vendor }[query.sort];
  const sortKey = `arrays:${query.sort}:${query.direction}`;
  const filters = arrayFilters(query);
  const cursor = query.cursor ? decodeCursor(query.cursor, sortKey) : null;
  const rows = db
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
    .limit(query.limit + 1)
    .all();
  const page = toPage(rows, query.limit, sortKey);
  const vmCounts = vmCountsByArray(
    db,
    page.items.map((array) => array.id),
  );
  return {
    items: page.items.map((array) => ({ ...array, vmCount: vmCounts.get(array.id) ?? 0 })),
    nextCursor: page.nextCursor,
  };
}

/** How many arrays match the list's filters, over all pages. */
export function countArrays(db: Db, query: ArrayCountQuery): number {
  return db.select({ n: count() }).from(storageArrays).where(arrayFilters(query)).get()?.n ?? 0;
}

function arrayFilters(query: ArrayCountQuery): SQL | undefined {
  return where([
    query.vendor ? eq(storageArrays.vendor, query.vendor) : undefined,
    query.search ? likeContains(storageArrays.name, query.search) : undefined,
  ]);
}

export function getArray(db: Db, id: string): ArrayDetail | null {
  const array = db.select().from(storageArrays).where(eq(storageArrays.id, id)).get();
  if (!array) return null;
  const volumes = db
    .select()
    .from(arrayVolumes)
    .where(eq(arrayVolumes.arrayId, id))
    .orderBy(asc(arrayVolumes.name))
    .all();
  const groups = db
    .select()
    .from(consistencyGroups)
    .where(eq(consistencyGroups.arrayId, id))
    .orderBy(asc(consistencyGroups.name))
    .all();
  const groupsById = new Map(groups.map((group) => [group.id, group]));
  const lunIds = volumes.map((volume) => volume.id);
  const backedHostVolumes = lunIds.length
    ? db
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
        .all()
    : [];
  const lunOfDisk = sql<string>`coalesce("virtual_disks"."array_volume_id", (select bv.array_volume_id from host_volumes bv where bv.id = "virtual_disks"."host_volume_id"))`;
  const vmRows = lunIds.length
    ? db
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
        .all()
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
