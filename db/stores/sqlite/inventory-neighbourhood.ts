/**
 * The neighbourhood of a few VMs (ports/inventory.ts): found by following the storage links in
 * both directions until nothing new turns up, then read row by row in storage order.
 *
 * Each round asks SQLite only for ids and links, through the (volume, vm) and (LUN) indexes, so
 * the cost follows the size of the neighbourhood, not of the estate. Ids travel as one JSON array
 * per statement (`json_each`), which has no bound-parameter limit.
 */
import type { SQL } from 'drizzle-orm';
import { sql } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { Inventory, Vm } from '../../../server/engine/inventory';
import { type Db, sqliteOf } from '../../client';
import {
  arrayVolumes,
  consistencyGroups,
  guestVolumes,
  hosts,
  hostVolumes,
  storageArrays,
  virtualDisks,
  vms,
} from '../../schema';
import type { NeighbourhoodSeed } from '../ports/inventory';
import { STORAGE_ORDER, withStoredWsbTargets } from './inventory-rows';

const IN_IDS = '(SELECT value FROM json_each(?))';

/** Ids of one kind: those found, and those found but not yet followed. */
class Frontier {
  readonly found = new Set<string>();
  private pending: string[] = [];

  add(id: string | null | undefined): void {
    if (id === null || id === undefined || this.found.has(id)) return;
    this.found.add(id);
    this.pending.push(id);
  }

  /** The ids not followed yet, as the JSON parameter of an `IN json_each(?)` (null when none). */
  take(): string | null {
    if (this.pending.length === 0) return null;
    const json = JSON.stringify(this.pending);
    this.pending = [];
    return json;
  }
}

function statements(db: Db) {
  const connection = sqliteOf(db);
  const ids = (query: string) => {
    const statement = connection.prepare(query).raw();
    return (json: string) => statement.all(json) as string[][];
  };
  return {
    vmLinks: ids(`SELECT id, snapshot_location_volume_id FROM vms WHERE id IN ${IN_IDS}`),
    diskLinksOfVms: ids(`SELECT host_volume_id, array_volume_id FROM virtual_disks WHERE vm_id IN ${IN_IDS}`),
    hostVolumeLinks: ids(
      `SELECT id, shadow_storage_volume_id, array_volume_id FROM host_volumes WHERE id IN ${IN_IDS}`,
    ),
    vmsOnHostVolumes: ids(`SELECT DISTINCT vm_id FROM virtual_disks WHERE host_volume_id IN ${IN_IDS}`),
    lunLinks: ids(`SELECT id, consistency_group_id FROM array_volumes WHERE id IN ${IN_IDS}`),
    hostVolumesOnLuns: ids(`SELECT id FROM host_volumes WHERE array_volume_id IN ${IN_IDS}`),
    vmsOnLuns: ids(`SELECT DISTINCT vm_id FROM virtual_disks WHERE array_volume_id IN ${IN_IDS}`),
    lunsOfGroups: ids(`SELECT id FROM array_volumes WHERE consistency_group_id IN ${IN_IDS}`),
  };
}

/** The ids of every VM, host volume, LUN and consistency group of the neighbourhood. */
function closeOverStorage(
  db: Db,
  vmIds: readonly string[],
  also: NeighbourhoodSeed,
): { vms: Set<string>; hostVolumes: Set<string>; luns: Set<string>; groups: Set<string> } {
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
      for (const [id, snapshotVolumeId] of query.vmLinks(vmBatch)) {
        known.vms.add(id);
        volumeFrontier.add(snapshotVolumeId);
      }
      for (const [hostVolumeId, lunId] of query.diskLinksOfVms(vmBatch)) {
        volumeFrontier.add(hostVolumeId);
        lunFrontier.add(lunId);
      }
    }
    const volumeBatch = volumeFrontier.take();
    if (volumeBatch) {
      progressed = true;
      for (const [id, shadowVolumeId, lunId] of query.hostVolumeLinks(volumeBatch)) {
        known.hostVolumes.add(id);
        volumeFrontier.add(shadowVolumeId);
        lunFrontier.add(lunId);
      }
      for (const [vmId] of query.vmsOnHostVolumes(volumeBatch)) vmFrontier.add(vmId);
    }
    const lunBatch = lunFrontier.take();
    if (lunBatch) {
      progressed = true;
      for (const [id, groupId] of query.lunLinks(lunBatch)) {
        known.luns.add(id);
        groupFrontier.add(groupId);
      }
      for (const [volumeId] of query.hostVolumesOnLuns(lunBatch)) volumeFrontier.add(volumeId);
      for (const [vmId] of query.vmsOnLuns(lunBatch)) vmFrontier.add(vmId);
    }
    const groupBatch = groupFrontier.take();
    if (groupBatch) {
      progressed = true;
      for (const [lunId] of query.lunsOfGroups(groupBatch)) lunFrontier.add(lunId);
    }
  }
  return { ...known, groups: groupFrontier.found };
}

function inIds(column: SQLiteColumn, ids: Iterable<string>): SQL {
  return sql`${column} in (select value from json_each(${JSON.stringify([...ids])}))`;
}

export function loadNeighbourhood(db: Db, vmIds: readonly string[], also: NeighbourhoodSeed = {}): Inventory {
  const ids = closeOverStorage(db, vmIds, also);
  const rows = <T>(query: { orderBy: (order: SQL) => { all: () => T[] } }) =>
    query.orderBy(STORAGE_ORDER).all();
  const neighbourhoodVms = rows(db.select().from(vms).where(inIds(vms.id, ids.vms)));
  const volumes = rows(db.select().from(hostVolumes).where(inIds(hostVolumes.id, ids.hostVolumes)));
  const luns = rows(db.select().from(arrayVolumes).where(inIds(arrayVolumes.id, ids.luns)));
  const groups = rows(db.select().from(consistencyGroups).where(inIds(consistencyGroups.id, ids.groups)));
  const hostIds = new Set([...neighbourhoodVms, ...volumes].map((row) => row.hostId));
  const arrayIds = new Set([...luns, ...groups].map((row) => row.arrayId));
  return {
    hosts: withStoredWsbTargets(db, rows(db.select().from(hosts).where(inIds(hosts.id, hostIds)))),
    hostVolumes: volumes,
    vms: neighbourhoodVms,
    virtualDisks: rows(db.select().from(virtualDisks).where(inIds(virtualDisks.vmId, ids.vms))),
    guestVolumes: rows(db.select().from(guestVolumes).where(inIds(guestVolumes.vmId, ids.vms))),
    arrays: rows(db.select().from(storageArrays).where(inIds(storageArrays.id, arrayIds))),
    arrayVolumes: luns,
    consistencyGroups: groups,
  };
}

/**
 * SQLite's lower() folds ASCII only, so names with other characters are compared in JavaScript,
 * like the restore planner compares them. The two halves are separate selects, each through its
 * own index (vms_lower_name_idx, and the partial vms_non_ascii_name_idx over the rare names beyond
 * ASCII): joined by OR, SQLite read every VM of the estate for one restore preview.
 */
export function findVmsByName(db: Db, names: readonly string[]): Vm[] {
  if (names.length === 0) return [];
  const wanted = new Set(names.map((name) => name.toLowerCase()));
  return db
    .select()
    .from(vms)
    .where(
      sql`${vms.id} in (select id from vms where lower("name") in (select value from json_each(${JSON.stringify([...wanted])}))
        union all select id from vms where "vms"."name" glob '*[^ -~]*')`,
    )
    .orderBy(STORAGE_ORDER)
    .all()
    .filter((vm) => wanted.has(vm.name.toLowerCase()));
}
