/**
 * Large-estate restore point catalogue (issue 4 §3): up to millions of restore_points rows spread
 * over the VMs already in the database, so the point browser and the protection overview can be
 * measured at the size they must stay instant at.
 *
 * Rows only: no stored data, files or operations (the lab repository is not involved); points are
 * marked with a `synthetic/` repository path. One prepared INSERT, run inside transactions of
 * 50,000 rows; the cost is the eleven indexes the browser needs, about 110 s for a million points
 * on a 2-core machine (then every restorePoints.list page answers in about 2 ms). Deterministic
 * for a given seed.
 */
import { type Db, sqliteOf } from '../client';
import { seededRandom } from './random';

export interface LargeRestorePointsOptions {
  /** How many points to write (default 1,000,000). */
  count?: number;
  /** Spread the points over this many days before `now` (default 365). */
  days?: number;
  seed?: number;
  now?: Date;
}

export interface LargeRestorePointsResult {
  points: number;
  vms: number;
  elapsedMs: number;
}

const BATCH = 50_000;
const GIB = 1024 ** 3;

export function seedLargeRestorePoints(
  db: Db,
  options: LargeRestorePointsOptions = {},
): LargeRestorePointsResult {
  const started = performance.now();
  const count = options.count ?? 1_000_000;
  const days = options.days ?? 365;
  const now = (options.now ?? new Date()).getTime();
  const random = seededRandom(options.seed ?? 42);
  const sqlite = sqliteOf(db);
  const vms = sqlite
    .prepare(
      `select v.id, v.name, v.host_id as hostId, h.kind as hostKind,
         (select d.id from virtual_disks d where d.vm_id = v.id order by d.id limit 1) as diskId
       from vms v join hosts h on h.id = v.host_id order by v.id`,
    )
    .all() as { id: string; name: string; hostId: string; hostKind: string; diskId: string | null }[];
  if (vms.length === 0) throw new Error('No VMs in the database: seed an estate first (migawka seed-large)');

  const insert = sqlite.prepare(
    `insert into restore_points (id, vm_id, vm_name, host_id, method, consistency, consistency_reason,
       capture_state, created_at, held_disks_json, missing_disks_json, size_bytes, repository_path)
     values (?, ?, ?, ?, ?, ?, ?, 'online', ?, ?, '[]', ?, ?)`,
  );
  const span = days * 86_400_000;
  const writeBatch = sqlite.transaction((from: number, to: number) => {
    for (let i = from; i < to; i += 1) {
      const vm = vms[i % vms.length] as (typeof vms)[number];
      const roll = random();
      const isHyperV = vm.hostKind === 'hyperv';
      // Mostly application-consistent, some fallbacks and crash-only guests, as in a real catalogue.
      const consistency = roll < 0.7 ? 'application' : roll < 0.85 ? 'filesystem' : 'crash';
      const id = `rp-synthetic-${String(i).padStart(8, '0')}`;
      insert.run(
        id,
        vm.id,
        vm.name,
        vm.hostId,
        isHyperV ? 'hyperv-vss' : consistency === 'application' ? 'xen-quiesced' : 'xen-snapshot',
        consistency,
        consistency === 'crash' ? 'synthetic: guest could not be quiesced' : null,
        Math.floor(now - random() * span),
        JSON.stringify(vm.diskId ? [vm.diskId] : []),
        Math.floor((1 + random() * 99) * GIB),
        `synthetic/${id}`,
      );
    }
  });
  // Each INSERT fires the protection read-model triggers (migration 0006), so SQLite keeps a
  // statement journal per row; above 64 KiB (a dozen index pages) it spills to a temporary file,
  // which doubled the seed. Kept in memory for the seed only, then the setting is put back.
  const previousTempStore = sqlite.pragma('temp_store', { simple: true });
  sqlite.pragma('temp_store = memory');
  try {
    for (let from = 0; from < count; from += BATCH) writeBatch(from, Math.min(count, from + BATCH));
  } finally {
    sqlite.pragma(`temp_store = ${Number(previousTempStore)}`);
  }
  return { points: count, vms: vms.length, elapsedMs: Math.round(performance.now() - started) };
}
