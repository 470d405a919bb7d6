/** Host volume (SR) list and detail on PostgreSQL. */
import { and, asc, count, eq, ne, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { HostVolumeListQuery } from '../../../server/schemas/inventory-queries';
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
import type { HostVolumeDetail, HostVolumeListItem } from '../ports/inventory-views';
import type { Counted, Page } from '../ports/page';
import { firstRow, shownReadiness, shownRecommendedMethod, where } from './inventory-shared';
import { afterCursor, decodeCursor, likeContains, orderBy, type SortValue, toPage } from './keyset';

const shadowVolume = alias(hostVolumes, 'shadow_volume');
const volumeVmCount = sql<number>`(select count(distinct d.vm_id)::int from virtual_disks d where d.host_volume_id = "host_volumes"."id")`;
/** Free space not read sorts as less than none: the keyset cursor compares values, never nulls. */
const freeBytesSortValue = sql<number>`coalesce(${hostVolumes.freeBytes}, -1)::bigint`;

export async function listHostVolumes(
  db: PgDb,
  query: HostVolumeListQuery,
): Promise<Page<HostVolumeListItem> & Counted> {
  const sort = {
    name: hostVolumes.name,
    host: hosts.name,
    freeBytes: freeBytesSortValue,
    vmCount: volumeVmCount,
  }[query.sort];
  const sortKey = `host-volumes:${query.sort}:${query.direction}`;
  const filters = where([
    query.hostId ? eq(hostVolumes.hostId, query.hostId) : undefined,
    query.arrayVolumeId ? eq(hostVolumes.arrayVolumeId, query.arrayVolumeId) : undefined,
    // VSS is a Windows volume's: a XenServer storage repository is in neither answer.
    query.vssEnabled === undefined
      ? undefined
      : and(eq(hostVolumes.vssEnabled, query.vssEnabled), ne(hostVolumes.kind, 'sr')),
    query.search ? likeContains(hostVolumes.name, query.search) : undefined,
  ]);
  const cursor = query.cursor ? decodeCursor(query.cursor, sortKey) : null;
  const rows = await db
    .select({
      id: hostVolumes.id,
      hostId: hostVolumes.hostId,
      name: hostVolumes.name,
      kind: hostVolumes.kind,
      sizeBytes: hostVolumes.sizeBytes,
      freeBytes: hostVolumes.freeBytes,
      vssEnabled: hostVolumes.vssEnabled,
      shadowStorageVolumeId: hostVolumes.shadowStorageVolumeId,
      shadowStorageLimitBytes: hostVolumes.shadowStorageLimitBytes,
      arrayVolumeId: hostVolumes.arrayVolumeId,
      storageType: hostVolumes.storageType,
      isShared: hostVolumes.isShared,
      canSnapshot: hostVolumes.canSnapshot,
      hostName: hosts.name,
      vmCount: volumeVmCount,
      shadowStorageVolumeName: shadowVolume.name,
      arrayVolumeName: arrayVolumes.name,
      arrayName: storageArrays.name,
      sortValue: sql<SortValue>`${sort}`,
    })
    .from(hostVolumes)
    .innerJoin(hosts, eq(hosts.id, hostVolumes.hostId))
    .leftJoin(shadowVolume, eq(shadowVolume.id, hostVolumes.shadowStorageVolumeId))
    .leftJoin(arrayVolumes, eq(arrayVolumes.id, hostVolumes.arrayVolumeId))
    .leftJoin(storageArrays, eq(storageArrays.id, arrayVolumes.arrayId))
    .where(where([filters, cursor ? afterCursor(sort, hostVolumes.id, query.direction, cursor) : undefined]))
    .orderBy(...orderBy(sort, hostVolumes.id, query.direction))
    .limit(query.limit + 1);
  const total =
    (
      await db
        .select({ n: count() })
        .from(hostVolumes)
        .innerJoin(hosts, eq(hosts.id, hostVolumes.hostId))
        .where(filters)
        .then(firstRow)
    )?.n ?? 0;
  return { ...toPage(rows, query.limit, sortKey), total };
}

export async function getHostVolume(db: PgDb, id: string): Promise<HostVolumeDetail | null> {
  const volume = await db.select().from(hostVolumes).where(eq(hostVolumes.id, id)).then(firstRow);
  if (!volume) return null;
  const host = await db.select().from(hosts).where(eq(hosts.id, volume.hostId)).then(firstRow);
  if (!host)
    throw new Error(`Host volume '${volume.name}' references host '${volume.hostId}', which is not stored`);
  const shadowStorageVolume = volume.shadowStorageVolumeId
    ? ((await db
        .select()
        .from(hostVolumes)
        .where(eq(hostVolumes.id, volume.shadowStorageVolumeId))
        .then(firstRow)) ?? null)
    : null;
  const arrayVolume = volume.arrayVolumeId
    ? ((await db
        .select()
        .from(arrayVolumes)
        .where(eq(arrayVolumes.id, volume.arrayVolumeId))
        .then(firstRow)) ?? null)
    : null;
  const array = arrayVolume
    ? ((await db
        .select()
        .from(storageArrays)
        .where(eq(storageArrays.id, arrayVolume.arrayId))
        .then(firstRow)) ?? null)
    : null;
  const consistencyGroup = arrayVolume?.consistencyGroupId
    ? ((await db
        .select()
        .from(consistencyGroups)
        .where(eq(consistencyGroups.id, arrayVolume.consistencyGroupId))
        .then(firstRow)) ?? null)
    : null;
  const sharing = await db
    .selectDistinct({
      id: vms.id,
      name: vms.name,
      powerState: vms.powerState,
      powerStateUnknown: vms.powerStateUnknown,
      readiness: shownReadiness,
      recommendedMethod: shownRecommendedMethod,
      hostId: vms.hostId,
      hostName: hosts.name,
    })
    .from(virtualDisks)
    .innerJoin(vms, eq(vms.id, virtualDisks.vmId))
    .innerJoin(hosts, eq(hosts.id, vms.hostId))
    .leftJoin(vmAssessments, eq(vmAssessments.vmId, vms.id))
    .where(eq(virtualDisks.hostVolumeId, id))
    .orderBy(asc(vms.name), asc(vms.id));
  return { volume, host, shadowStorageVolume, arrayVolume, array, consistencyGroup, vms: sharing };
}
