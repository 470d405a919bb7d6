/**
 * The bench's estates, each in a throw-away SQLite file: the large estate (1,000 hosts, 20,000
 * VMs, 60,000 disks, 1,000,000 restore points, 10,000 queued backups) and, to show that previews and
 * starts read a neighbourhood and not the inventory, the same shape at a tenth of the size.
 * `scale` shrinks every count for development runs.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Db, openDatabase, sqliteOf } from '../../db/client';
import { backupJobs } from '../../db/schema';
import { seedLargeEstate } from '../../db/seed/large-estate';
import { seedLargeRestorePoints } from '../../db/seed/large-restore-points';
import { createSqliteStores } from '../../db/stores/sqlite';
import { loadNeighbourhood } from '../../db/stores/sqlite/inventory-neighbourhood';
import { enqueueIn } from '../../db/stores/sqlite/operation-enqueue';
import { inTransaction } from '../../db/stores/sqlite/transaction';
import { createServiceContext } from '../../server/context';
import { planBackup } from '../../server/engine/backup-plan';
import { evaluateInventory } from '../../server/engine/evaluate';
import { storageComponentOfHost } from '../../server/engine/incremental';
import { type InventoryIndex, indexInventory } from '../../server/engine/inventory';
import { nameKeyOf } from '../../server/engine/name-keys';
import type { BackupPlan } from '../../server/engine/plan-types';

export interface EstateSize {
  hosts: number;
  vms: number;
  restorePoints: number;
  queuedOperations: number;
}

export const FULL_ESTATE: EstateSize = {
  hosts: 1_000,
  vms: 20_000,
  restorePoints: 1_000_000,
  queuedOperations: 10_000,
};

export function scaled(size: EstateSize, scale: number): EstateSize {
  const times = (n: number, least: number) => Math.max(least, Math.round(n * scale));
  return {
    hosts: times(size.hosts, 10),
    vms: times(size.vms, 200),
    restorePoints: times(size.restorePoints, 1_000),
    queuedOperations: times(size.queuedOperations, 100),
  };
}

export interface BenchEstate {
  file: string;
  db: Db;
  size: EstateSize;
  /** A host volume shared by 100 VMs of five hosts (a cluster shared volume). */
  sharedVolumeId: string;
  /** The VMs that have a disk on it. */
  sharedVolumeVmIds: string[];
  /** One VM away from the shared volume, for the single-VM previews. */
  singleVmId: string;
}

const SHARED_VOLUME_VMS = 100;

export function newBenchDirectory(): string {
  return mkdtempSync(path.join(tmpdir(), 'migawka-bench-'));
}

/**
 * Seeds the estate (assessed), then makes the first Hyper-V volume that no array LUN backs a CSV (VSS
 * on; on a LUN, the volume's backup is an array snapshot, which the VMs' other disks refuse) carrying a disk of
 * 100 VMs of the first Hyper-V hosts that are online-ready by Hyper-V VSS (not by a LUN snapshot,
 * which the CSV does not have), and re-assesses: the large seed gives each host its own volumes, and
 * a 100-VM volume is what the volume-scope previews need.
 */
export function buildEstate(
  directory: string,
  name: string,
  size: EstateSize,
  log: (line: string) => void,
): BenchEstate {
  const file = path.join(directory, `${name}.db`);
  const db = openDatabase(file);
  let started = performance.now();
  seedLargeEstate(db, { hosts: size.hosts, vms: size.vms });
  log(`${name}: ${size.hosts} hosts and ${size.vms} VMs seeded in ${elapsed(started)}`);

  const sqlite = sqliteOf(db);
  const volume = sqlite
    .prepare(
      `select v.id from host_volumes v join hosts h on h.id = v.host_id
       where h.kind = 'hyperv' and v.array_volume_id is null order by h.id, v.id limit 1`,
    )
    .get() as { id: string };
  const vmIds = (
    sqlite
      .prepare(
        `select v.id from vms v join hosts h on h.id = v.host_id join vm_assessments a on a.vm_id = v.id
         where h.kind = 'hyperv' and a.readiness = 'online-ready' and a.recommended_method = 'hyperv-vss'
           and v.id in (select vm_id from virtual_disks where kind <> 'passthrough')
         order by v.host_id, v.id limit ?`,
      )
      .all(SHARED_VOLUME_VMS) as { id: string }[]
  ).map((row) => row.id);
  sqlite.transaction(() => {
    // VSS on, so the volume holds no blocker of its own: every VM on it can be backed up.
    sqlite.prepare(`update host_volumes set kind = 'csv', vss_enabled = 1 where id = ?`).run(volume.id);
    const moveFirstDisk = sqlite.prepare(
      `update virtual_disks set host_volume_id = ?
       where id = (select id from virtual_disks where vm_id = ? and kind <> 'passthrough' order by id limit 1)`,
    );
    for (const vmId of vmIds) moveFirstDisk.run(volume.id, vmId);
  })();
  started = performance.now();
  createSqliteStores(db).inventory.reassess(evaluateInventory);
  log(`${name}: a CSV shared by ${vmIds.length} VMs, estate re-assessed in ${elapsed(started)}`);

  const jobs = addBackupJobs(db, size);
  log(`${name}: ${jobs.jobs} enabled backup jobs covering ${jobs.coveredVms} VMs`);

  started = performance.now();
  seedLargeRestorePoints(db, { count: size.restorePoints });
  log(`${name}: ${size.restorePoints} restore points seeded in ${elapsed(started)}`);

  const single = singleVmAwayFrom(db, volume.id);
  log(`${name}: one-VM scenarios on ${single.id}, a neighbourhood of ${single.neighbourhoodVms} VMs`);
  return { file, db, size, sharedVolumeId: volume.id, sharedVolumeVmIds: vmIds, singleVmId: single.id };
}

/** How many jobs of each scope the estate has, at any scale (their VM lists scale with it). */
const HOST_VOLUME_JOBS = 10;
const LUN_JOBS = 5;
const VM_LIST_JOBS = 5;

/**
 * Enabled backup jobs, as an estate that is protected has them: every VM list row and the
 * protection page work out which jobs cover each VM (and the strictest RPO), so an estate without
 * jobs would leave that work out of the measurements. Host-volume and LUN jobs on the first volumes
 * and LUNs that hold VMs, and VM-list jobs naming a twentieth of the VMs each; some VMs are covered
 * twice. No schedule: the console under test enqueues nothing of them.
 */
function addBackupJobs(db: Db, size: EstateSize): { jobs: number; coveredVms: number } {
  const sqlite = sqliteOf(db);
  const ids = (statement: string, ...params: unknown[]) =>
    (sqlite.prepare(statement).all(...params) as { id: string }[]).map((row) => row.id);
  const hostVolumeIds = ids(
    `select distinct host_volume_id as id from virtual_disks where host_volume_id is not null
     order by host_volume_id limit ?`,
    HOST_VOLUME_JOBS,
  );
  const lunIds = ids(
    `select distinct hv.array_volume_id as id from host_volumes hv
     join virtual_disks d on d.host_volume_id = hv.id where hv.array_volume_id is not null
     order by hv.array_volume_id limit ?`,
    LUN_JOBS,
  );
  const perList = Math.max(1, Math.round(size.vms / 20));
  const scopes = [
    ...hostVolumeIds.map((hostVolumeId) => ({ kind: 'host-volume', hostVolumeId })),
    ...lunIds.map((arrayVolumeId) => ({ kind: 'array-volume', arrayVolumeId })),
    ...Array.from({ length: VM_LIST_JOBS }, (_, i) => ({
      kind: 'vms',
      // Every 7th VM from an offset: lists that overlap the volumes' VMs and each other.
      vmIds: ids(`select id from vms order by id limit ? offset ?`, perList * 7, i * 13).filter(
        (_, j) => j % 7 === 0,
      ),
    })),
  ];
  const now = new Date();
  db.insert(backupJobs)
    .values(
      scopes.map((scope, i) => ({
        id: `job-bench-${i + 1}`,
        name: `bench ${scope.kind} ${i + 1}`,
        nameKey: nameKeyOf(`bench ${scope.kind} ${i + 1}`),
        requestJson: { scope, consistencyPolicy: 'fallback', passthroughPolicy: 'skip' },
        cron: null,
        timeZone: 'UTC',
        missedRunPolicy: 'skip' as const,
        retentionJson: { keepLast: 7, daily: 7, weekly: 4, monthly: 0 },
        rpoHours: [12, 24, 48][i % 3],
        isEnabled: true,
        lastScheduledAt: now,
        nextRunAt: null,
        createdAt: now,
        updatedAt: now,
        createdBy: 'bench',
        updatedBy: 'bench',
      })),
    )
    .run();
  const { n } = sqlite
    .prepare(
      `select count(distinct vm_id) as n from (
         select d.vm_id from virtual_disks d where d.host_volume_id in (select value from json_each(?))
         union all select d.vm_id from virtual_disks d join host_volumes hv on hv.id = d.host_volume_id
           where hv.array_volume_id in (select value from json_each(?))
         union all select e.value from backup_jobs j, json_each(j.request_json, '$.scope.vmIds') e)`,
    )
    .get(JSON.stringify(hostVolumeIds), JSON.stringify(lunIds)) as { n: number };
  return { jobs: scopes.length, coveredVms: n };
}

/**
 * The middle VM (by id) of the hosts that have nothing on the shared volume. Not on the volume is not
 * enough: a VM beside one that has a disk there shares its host's volumes, so its neighbourhood is the
 * volume's (140 VMs) on one estate and its own host's (20) on the other, and the one-VM figures
 * compared two different amounts of work.
 */
function singleVmAwayFrom(db: Db, sharedVolumeId: string): { id: string; neighbourhoodVms: number } {
  const sqlite = sqliteOf(db);
  const away = `from vms where host_id not in (
      select host_id from host_volumes where id = ?
      union select v.host_id from virtual_disks d join vms v on v.id = d.vm_id where d.host_volume_id = ?)`;
  const { n } = sqlite.prepare(`select count(*) as n ${away}`).get(sharedVolumeId, sharedVolumeId) as {
    n: number;
  };
  const { id } = sqlite
    .prepare(`select id ${away} order by id limit 1 offset ?`)
    .get(sharedVolumeId, sharedVolumeId, Math.floor(n / 2)) as { id: string };
  return { id, neighbourhoodVms: loadNeighbourhood(db, [id]).vms.length };
}

/**
 * Queues one backup per VM (distinct VMs, so each operation's locks are its own) through the
 * operation store's enqueue, in transactions of 500. Each is planned by the engine on its host's
 * storage component, which holds the VM's whole neighbourhood (so the plan is the one a request
 * would make). The console under test runs no worker, so they stay queued for the claim scenario.
 */
export async function queueBackups(
  estate: BenchEstate,
  count: number,
  log: (line: string) => void,
): Promise<number> {
  const started = performance.now();
  // The ids a console would give them (time-ordered): the store's indexes are shaped by them.
  const { newId } = createServiceContext();
  const stores = createSqliteStores(estate.db);
  const index = indexInventory(await stores.inventory.loadInventory());
  const vmIds = new Set(
    (
      sqliteOf(estate.db)
        .prepare(
          `select v.id from vms v join vm_assessments a on a.vm_id = v.id
           where a.readiness <> 'blocked' and v.id not in (select vm_id from operation_vms)
           order by v.id limit ?`,
        )
        .all(count) as { id: string }[]
    ).map((row) => row.id),
  );
  const componentIndexOf = new Map<string, InventoryIndex>();
  const queue: { plan: BackupPlan; request: Record<string, unknown> }[] = [];
  for (const vm of index.inventory.vms) {
    if (!vmIds.has(vm.id)) continue;
    let componentIndex = componentIndexOf.get(vm.hostId);
    if (!componentIndex) {
      componentIndex = indexInventory(storageComponentOfHost(index, vm.hostId));
      componentIndexOf.set(vm.hostId, componentIndex);
    }
    const request = {
      scope: { kind: 'vms' as const, vmIds: [vm.id] },
      consistencyPolicy: 'fallback' as const,
      passthroughPolicy: 'skip' as const,
    };
    const plan = planBackup(componentIndex, request, { now: new Date(), newId });
    if (plan.isRunnable) queue.push({ plan, request });
  }
  for (let from = 0; from < queue.length; from += 500) {
    inTransaction(estate.db, (tx, events) => {
      for (const { plan, request } of queue.slice(from, from + 500)) {
        enqueueIn(tx, events, plan, request, {
          id: `op-${newId()}`,
          now: new Date(),
          requestedBy: 'bench',
        });
      }
    });
  }
  log(`${queue.length} backups queued in ${elapsed(started)}`);
  return queue.length;
}

function elapsed(started: number): string {
  return `${((performance.now() - started) / 1000).toFixed(1)} s`;
}
