/**
 * The neighbourhood of a few VMs (ports/inventory.ts) on PostgreSQL: the same walk as
 * ../sqlite/inventory-neighbourhood.ts, following the storage links in both directions until
 * nothing new turns up, then reading the rows in storage order. Ids travel as one text[] parameter
 * per statement (`= any($1)`), which has no bound-parameter limit.
 */
import { type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Inventory, Vm } from '../../../server/engine/inventory';
import type { PgDb } from '../../pg/client';
import {
  arrayVolumes,
  consistencyGroups,
  guestVolumes,
  hosts,
  hostVolumes,
  storageArrays,
  virtualDisks,
  vms,
} from '../../pg/schema';
import type { NeighbourhoodSeed } from '../ports/inventory';
import { STORAGE_ORDER, withStoredWsbTargets } from './inventory-rows';
import { textArray } from './text-array';

/** Ids of one kind: those found, and those found but not yet followed. */
class Frontier {
  readonly found = new Set<string>();
  private pending: string[] = [];

  add(id: string | null | undefined): void {
    if (id === null || id === undefined || this.found.has(id)) return;
    this.found.add(id);
    this.pending.push(id);
  }

  /** The ids not followed yet (null when none). */
  take(): string[] | null {
    if (this.pending.length === 0) return null;
    const ids = this.pending;
    this.pending = [];
    return ids;
  }
}

/** The pool or a transaction: the neighbourhood is read alone, or inside the transaction that writes what it decides. */
type Reader = Pick<PgDb, 'select' | 'execute'>;

function statements(db: Reader) {
  const ids =
    (query: (ids: SQL) => SQL) =>
    async (batch: string[]): Promise<(string | null)[][]> => {
      const result = await db.execute(query(sql`any(${textArray(batch)})`));
      return (result.rows as Record<string, string | null>[]).map((row) => Object.values(row));
    };
  return {
    vmLinks: ids((batch) => sql`select id, snapshot_location_volume_id from vms where id = ${batch}`),
    diskLinksOfVms: ids(
      (batch) => sql`select host_volume_id, array_volume_id from virtual_disks where vm_id = ${batch}`,
    ),
    hostVolumeLinks: ids(
      (batch) =>
        sql`select id, shadow_storage_volume_id, array_volume_id from host_volumes where id = ${batch}`,
    ),
    vmsOnHostVolumes: ids(
      (batch) => sql`select distinct vm_id from virtual_disks where host_volume_id = ${batch}`,
    ),
    lunLinks: ids((batch) => sql`select id, consistency_group_id from array_volumes where id = ${batch}`),
    hostVolumesOnLuns: ids((batch) => sql`select id from host_volumes where array_volume_id = ${batch}`),
    vmsOnLuns: ids((batch) => sql`select distinct vm_id from virtual_disks where array_volume_id = ${batch}`),
    lunsOfGroups: ids((batch) => sql`select id from array_volumes where consistency_group_id = ${batch}`),
  };
}

/** The ids of every VM, host volume, LUN and consistency group of the neighbourhood. */
async function closeOverStorage(db: Reader, vmIds: readonly string[], also: NeighbourhoodSeed) {
  const query = statements(db);
  const vmFrontier = new Frontier();
  const volumeFrontier = new Frontier();
  const lunFrontier = new Frontier();
  const groupFrontier = new Frontier();
  for (const id of vmIds) vmFrontier.add(id);
  for (const id of also.hostVolumeIds ?? []) volumeFrontier.add(id);
  for (const id of also.arrayVolumeIds ?? []) lunFrontier.add(id);
  // Unknown seed ids are dropped: only rows actually read are kept.
  const known = { vms: new Set<string>(), hostVolumes: new Set<string>(), luns: new Set<string>() };

  for (let progressed = true; progressed; ) {
    progressed = false;
    const vmBatch = vmFrontier.take();
    if (vmBatch) {
      progressed = true;
      for (const [id, snapshotVolumeId] of await query.vmLinks(vmBatch)) {
        known.vms.add(id as string);
        volumeFrontier.add(snapshotVolumeId);
      }
      for (const [hostVolumeId, lunId] of await query.diskLinksOfVms(vmBatch)) {
        volumeFrontier.add(hostVolumeId);
        lunFrontier.add(lunId);
      }
    }
    const volumeBatch = volumeFrontier.take();
    if (volumeBatch) {
      progressed = true;
      for (const [id, shadowVolumeId, lunId] of await query.hostVolumeLinks(volumeBatch)) {
        known.hostVolumes.add(id as string);
        volumeFrontier.add(shadowVolumeId);
        lunFrontier.add(lunId);
      }
      for (const [vmId] of await query.vmsOnHostVolumes(volumeBatch)) vmFrontier.add(vmId);
    }
    const lunBatch = lunFrontier.take();
    if (lunBatch) {
      progressed = true;
      for (const [id, groupId] of await query.lunLinks(lunBatch)) {
        known.luns.add(id as string);
        groupFrontier.add(groupId);
      }
      for (const [volumeId] of await query.hostVolumesOnLuns(lunBatch)) volumeFrontier.add(volumeId);
      for (const [vmId] of await query.vmsOnLuns(lunBatch)) vmFrontier.add(vmId);
    }
    const groupBatch = groupFrontier.take();
    if (groupBatch) {
      progressed = true;
      for (const [lunId] of await query.lunsOfGroups(groupBatch)) lunFrontier.add(lunId);
    }
  }
  return { ...known, groups: groupFrontier.found };
}

function inIds(column: PgColumn, ids: Iterable<string>): SQL {
  return sql`${column} = any(${textArray([...ids])})`;
}

export async function loadNeighbourhood(
  db: Reader,
  vmIds: readonly string[],
  also: NeighbourhoodSeed = {},
): Promise<Inventory> {
  const ids = await closeOverStorage(db, vmIds, also);
  const neighbourhoodVms = await db.select().from(vms).where(inIds(vms.id, ids.vms)).orderBy(STORAGE_ORDER);
  const volumes = await db
    .select()
    .from(hostVolumes)
    .where(inIds(hostVolumes.id, ids.hostVolumes))
    .orderBy(STORAGE_ORDER);
  const luns = await db
    .select()
    .from(arrayVolumes)
    .where(inIds(arrayVolumes.id, ids.luns))
    .orderBy(STORAGE_ORDER);
  const groups = await db
    .select()
    .from(consistencyGroups)
    .where(inIds(consistencyGroups.id, ids.groups))
    .orderBy(STORAGE_ORDER);
  const hostIds = new Set([...neighbourhoodVms, ...volumes].map((row) => row.hostId));
  const arrayIds = new Set([...luns, ...groups].map((row) => row.arrayId));
  return {
    hosts: await withStoredWsbTargets(
      db,
      await db.select().from(hosts).where(inIds(hosts.id, hostIds)).orderBy(STORAGE_ORDER),
    ),
    hostVolumes: volumes,
    vms: neighbourhoodVms,
    virtualDisks: await db
      .select()
      .from(virtualDisks)
      .where(inIds(virtualDisks.vmId, ids.vms))
      .orderBy(STORAGE_ORDER),
    guestVolumes: await db
      .select()
      .from(guestVolumes)
      .where(inIds(guestVolumes.vmId, ids.vms))
      .orderBy(STORAGE_ORDER),
    arrays: await db
      .select()
      .from(storageArrays)
      .where(inIds(storageArrays.id, arrayIds))
      .orderBy(STORAGE_ORDER),
    arrayVolumes: luns,
    consistencyGroups: groups,
  };
}

/**
 * lower() folds what the database's character type knows (ASCII only under the C collation), so
 * names with other characters are compared in JavaScript, like the restore planner compares them.
 * The ids come first, from two selects each through its own index (vms_lower_name_idx, and the
 * partial vms_non_ascii_name_idx over the rare names beyond ASCII), then the rows by primary key.
 * As one statement (`id in (… union all …)`), the planner may hash-join the ids against every VM
 * when its statistics do not yet say how rare those names are (a fresh or unanalysed database).
 */
export async function findVmsByName(db: PgDb, names: readonly string[]): Promise<Vm[]> {
  if (names.length === 0) return [];
  const wanted = new Set(names.map((name) => name.toLowerCase()));
  const candidates = await db.execute(
    sql`select id from vms where lower("name") = any(${textArray([...wanted])})
      union select id from vms where "vms"."name" ~ '[^ -~]'`,
  );
  const ids = (candidates.rows as { id: string }[]).map((row) => row.id);
  if (ids.length === 0) return [];
  const rows = await db.select().from(vms).where(inIds(vms.id, ids)).orderBy(STORAGE_ORDER);
  return rows.filter((vm) => wanted.has(vm.name.toLowerCase()));
}
